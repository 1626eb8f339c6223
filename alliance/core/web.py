"""Helpers for page views: role guards, safe redirects, and domain errors turned into flashes."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from alliance.core.errors import DomainError
from alliance.core.extensions import db


def roles_required(*roles: str):
    """Anonymous visitors go to the login page; signed-in users without the role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def user_check(check):
    """Run `check(current_user)` before the view; the DomainError it raises is the answer (a page
    in the error's status), e.g. `@user_check(ensure_shop_trades)` after `@roles_required(...)`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.is_authenticated:
                check(current_user)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def flash_error(err: DomainError) -> None:
    """Undo whatever the failed service flushed, then tell the person why in words."""
    db.session.rollback()
    flash(str(err.message), "danger")


def form_errors_from(err: DomainError, form) -> None:
    """Put a ValidationFailed's field messages on the matching form fields (others are flashed)."""
    db.session.rollback()
    leftover = []
    for name, messages in (err.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + [str(m) for m in messages]
        else:
            leftover.extend(str(m) for m in messages)
    if leftover or not err.fields:
        flash(" ".join(leftover) or str(err.message), "danger")


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return fallback


def return_path() -> str:
    """Where a page-wide action (the language switch) brings the reader back to: this page, or, when
    this page answers a form (a POST that cannot be loaded again), the page that sent the form."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"

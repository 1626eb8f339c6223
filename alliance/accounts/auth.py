"""Who is calling: bearer tokens for the API, and the role guard for API endpoints."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from alliance.accounts import services
from alliance.core.errors import Forbidden, Unauthorized


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_api_user():
    """The user behind this request's bearer token, or None. Cookies never authenticate the API."""
    if "api_user" not in g:
        found = services.user_for_token(bearer_token())
        g.api_user, g.api_token = found if found else (None, None)
    return g.api_user


def require_api_user(*roles: str):
    """401 without a valid token; 403 when the token's user lacks every one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_api_user()
            if user is None:
                raise Unauthorized()
            if roles and user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator

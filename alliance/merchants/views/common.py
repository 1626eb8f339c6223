"""Small helpers the alliance's pages share: the branch a staff page works on, choices, CSV answers."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, request
from flask_login import current_user

from alliance.accounts.models import Role
from alliance.branches.services import list_branches, list_districts
from alliance.core.csvfile import csv_response  # noqa: F401  (the views' CSV answers)


def current_actor():
    return current_user if current_user.is_authenticated else None


def branch_scope(required: bool = True) -> tuple[int | None, list]:
    """(branch id, branches to choose from). Staff work on their own branch; admins choose one
    with ?branch_id= (the first branch when they have not chosen, or None when `required` is False)."""
    branches = list_branches(current_user)
    if current_user.role == Role.STAFF:
        if not current_user.branch_id:
            abort(403)
        return current_user.branch_id, branches
    chosen = request.args.get("branch_id", type=int)
    if chosen is not None:
        if chosen not in {b.id for b in branches}:
            abort(404)
        return chosen, branches
    if required:
        if not branches:
            abort(404)
        return branches[0].id, branches
    return None, branches


def district_choices(user=None, branch_id: int | None = None, *, with_branch: bool = False) -> list:
    districts = list_districts(user, branch_id=branch_id)
    if with_branch:
        return [(d.id, f"{d.branch.name} · {d.name}") for d in districts]
    return [(d.id, d.name) for d in districts]


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


def choice_arg(name: str, allowed: Iterable[str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in set(allowed) else None


def flash_with_fields(err) -> None:
    """Flash a refused decision with its field messages too (for pages that redirect away)."""
    from flask import flash

    from alliance.core.extensions import db

    db.session.rollback()
    messages = [str(m) for values in (err.fields or {}).values() for m in values]
    flash(" ".join(messages) or str(err.message), "danger")

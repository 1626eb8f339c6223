"""Rules for branches and districts, and who may see which."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.branches.models import Branch, District
from alliance.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from alliance.core.extensions import db


def visible_branch_ids(user) -> set[int] | None:
    """None means every branch (admins); staff see their own branch only."""
    if user is not None and user.role == "admin":
        return None
    if user is not None and user.role == "staff" and user.branch_id:
        return {user.branch_id}
    return set()


def can_manage_branch(user, branch_id: int) -> bool:
    ids = visible_branch_ids(user)
    return ids is None or branch_id in ids


def _clean_name(name: str | None, field: str = "name") -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationFailed({field: [_l("Please enter a name.")]})
    if len(cleaned) > 100:
        raise ValidationFailed({field: [_l("At most 100 characters.")]})
    return cleaned


def list_branches(user=None) -> list[Branch]:
    stmt = sa.select(Branch).order_by(Branch.name)
    ids = visible_branch_ids(user) if user is not None else None
    if ids is not None:
        stmt = stmt.where(Branch.id.in_(ids))
    return list(db.session.scalars(stmt))


def get_branch(branch_id: int, user=None) -> Branch:
    branch = db.session.get(Branch, branch_id)
    if branch is None or (user is not None and not can_manage_branch(user, branch.id)):
        raise NotFound()
    return branch


def create_branch(actor, name: str, address: str | None = None) -> Branch:
    if actor is not None and actor.role != "admin":
        raise Forbidden()
    name = _clean_name(name)
    if db.session.scalar(sa.select(Branch.id).where(Branch.name == name)):
        raise Conflict(_l("A branch with this name already exists."))
    branch = Branch(name=name, address=(address or "").strip() or None)
    db.session.add(branch)
    db.session.flush()
    record(actor, "branch.create", branch, data={"name": name})
    return branch


def list_districts(user=None, branch_id: int | None = None) -> list[District]:
    """Districts the user may manage; without a user (public pages), every district."""
    stmt = sa.select(District).order_by(District.branch_id, District.name)
    if user is not None and user.role in ("staff", "admin"):
        ids = visible_branch_ids(user)
        if ids is not None:
            stmt = stmt.where(District.branch_id.in_(ids))
    if branch_id is not None:
        stmt = stmt.where(District.branch_id == branch_id)
    return list(db.session.scalars(stmt))


def get_district(district_id: int, user=None) -> District:
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound()
    if (
        user is not None
        and user.role in ("staff", "admin")
        and not can_manage_branch(user, district.branch_id)
    ):
        raise NotFound()
    return district


def create_district(actor, name: str, branch_id: int, description: str | None = None) -> District:
    if actor is not None and actor.role not in ("admin", "staff"):
        raise Forbidden()
    name = _clean_name(name)
    branch = db.session.get(Branch, branch_id) if branch_id else None
    if branch is None:
        raise ValidationFailed({"branch_id": [_l("Unknown branch.")]})
    if actor is not None and not can_manage_branch(actor, branch.id):
        raise Forbidden(_l("You can only add districts to your own branch."))
    exists = db.session.scalar(
        sa.select(District.id).where(District.branch_id == branch.id, District.name == name)
    )
    if exists:
        raise Conflict(_l("This branch already has a district with this name."))
    district = District(name=name, branch_id=branch.id, description=(description or "").strip() or None)
    db.session.add(district)
    db.session.flush()
    record(actor, "district.create", district, data={"name": name, "branch_id": branch.id})
    return district

"""Who may see and who may manage which merchant.

Anyone sees active members. A merchant's own owner and clerks see it in any status. Staff see and
manage every merchant of their own branch; admins every merchant. Anything else is "not found"
(404), so that another branch's applications stay invisible; a visible merchant that the caller may
not manage is "forbidden" (403).
"""

from __future__ import annotations

import sqlalchemy as sa

from alliance.accounts.models import Role
from alliance.branches.models import District
from alliance.branches.services import can_manage_branch, visible_branch_ids
from alliance.core.errors import Forbidden, NotFound
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant

STAFF_ROLES = (Role.STAFF, Role.ADMIN)
SHOP_ROLES = (Role.MERCHANT, Role.CLERK)


def is_staff(user) -> bool:
    return user is not None and getattr(user, "role", None) in STAFF_ROLES


def belongs_to(user, merchant: Merchant) -> bool:
    """The merchant's own owner or clerk."""
    return (
        user is not None
        and getattr(user, "role", None) in SHOP_ROLES
        and getattr(user, "merchant_id", None) == merchant.id
    )


def can_manage(user, merchant: Merchant) -> bool:
    return is_staff(user) and can_manage_branch(user, merchant.district.branch_id)


def can_see(user, merchant: Merchant) -> bool:
    return (
        merchant.status == MerchantStatus.ACTIVE or belongs_to(user, merchant) or can_manage(user, merchant)
    )


def get_visible(merchant_id: int, user) -> Merchant:
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or not can_see(user, merchant):
        raise NotFound()
    return merchant


def get_managed(merchant_id: int, user) -> Merchant:
    """A merchant the user manages: 404 when they may not even see it, 403 when only see it."""
    merchant = get_visible(merchant_id, user)
    if not can_manage(user, merchant):
        raise Forbidden()
    return merchant


def get_managed_or_hidden(merchant_id: int, user) -> Merchant:
    """A merchant the user manages; to anyone else it does not exist (404), as a branch's private
    records (figures, tier history) are for the branch alone."""
    merchant = get_visible(merchant_id, user)
    if not can_manage(user, merchant):
        raise NotFound()
    return merchant


def get_own(user) -> Merchant:
    """The merchant an owner or clerk works for."""
    if user is None or user.role not in SHOP_ROLES or not user.merchant_id:
        raise Forbidden()
    merchant = db.session.get(Merchant, user.merchant_id)
    if merchant is None:
        raise NotFound()
    return merchant


def require_owner(user, merchant: Merchant) -> None:
    if user is None or user.role != Role.MERCHANT or user.merchant_id != merchant.id:
        raise Forbidden()


def managed_branch_ids(user) -> set[int] | None:
    """None: every branch (admin). Otherwise the branches the staff member manages."""
    if not is_staff(user):
        return set()
    return visible_branch_ids(user)


def require_branch(user, branch_id: int | None) -> int:
    """The branch a staff page works on: staff their own; admins the one they chose."""
    if not is_staff(user):
        raise Forbidden()
    if user.role == Role.STAFF:
        if branch_id not in (None, user.branch_id) or not user.branch_id:
            raise NotFound()
        return user.branch_id
    if branch_id is None:
        raise NotFound()
    return branch_id


def visible_clause(user):
    """SQL for "merchants this user may see"; the query must join District."""
    conditions = [Merchant.status == MerchantStatus.ACTIVE]
    if user is not None and getattr(user, "role", None) in SHOP_ROLES and user.merchant_id:
        conditions.append(Merchant.id == user.merchant_id)
    if is_staff(user):
        ids = visible_branch_ids(user)
        if ids is None:
            return sa.true()
        if ids:
            conditions.append(District.branch_id.in_(ids))
    return sa.or_(*conditions)


def managed_clause(user):
    """SQL for "merchants this staff member manages"; the query must join District."""
    ids = managed_branch_ids(user)
    if ids is None:
        return sa.true()
    if not ids:
        return sa.false()
    return District.branch_id.in_(ids)


def can_manage_branch_id(user, branch_id: int) -> bool:
    return is_staff(user) and can_manage_branch(user, branch_id)

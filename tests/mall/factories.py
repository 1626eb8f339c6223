"""Builders for the mall's tests: merchants with owners and clerks, coupons through their workflow."""

from __future__ import annotations

import itertools
from datetime import datetime

from alliance.accounts import services as accounts
from alliance.core import clock
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.coupons import services as coupons
from tests import factories

PASSWORD = factories.PASSWORD
_seq = itertools.count(1)


def merchant(district=None, *, status: str = "active", name: str | None = None, industry: str = "catering"):
    district = district or factories.district()
    shop = Merchant(
        name=name or f"Shop {next(_seq)}",
        district_id=district.id,
        format="street_shop",
        industry=industry,
        store_type="restaurant",
        status=status,
    )
    db.session.add(shop)
    db.session.flush()
    return shop


def owner(shop, username: str | None = None):
    return accounts.create_user(
        None, username or f"owner{next(_seq)}", PASSWORD, "merchant", merchant_id=shop.id
    )


def clerk(shop, username: str | None = None):
    return accounts.create_user(
        None, username or f"clerk{next(_seq)}", PASSWORD, "clerk", merchant_id=shop.id
    )


def customer(username: str | None = None):
    return factories.user("customer", username)


def staff_for(shop, username: str | None = None):
    return factories.user("staff", username, branch_id=shop.district.branch_id)


DEFAULTS = {
    "title": "满100减20",
    "kind": "threshold_cut",
    "threshold_fen": 10000,
    "cut_fen": 2000,
    "stock_total": 100,
}


def draft(shop=None, owner_user=None, **fields):
    shop = shop or merchant()
    owner_user = owner_user or owner(shop)
    data = dict(DEFAULTS)
    if "kind" in fields:
        for key in ("threshold_fen", "cut_fen"):
            data.pop(key)
    data.update(fields)
    return coupons.create_coupon(owner_user, shop.id, data)


def live_coupon(shop=None, owner_user=None, *, approved_at: datetime | None = None, **fields):
    """A coupon created, submitted and approved (by the system), so live unless its fields say not."""
    coupon = draft(shop, owner_user, **fields)
    shop = coupon.merchant
    owner_user = owner_user or _owner_of(shop)
    coupons.submit(owner_user, coupon)
    coupons.review(None, coupon, "approve")
    if approved_at:
        coupon.approved_at = approved_at
    db.session.flush()
    return coupon


def _owner_of(shop):
    import sqlalchemy as sa

    from alliance.accounts.models import User

    return db.session.scalar(sa.select(User).where(User.merchant_id == shop.id, User.role == "merchant"))


def at(text: str) -> datetime:
    """A local wall-clock time as aware UTC: at('2026-12-02 10:00') (a Wednesday)."""
    return clock.ensure_utc(datetime.fromisoformat(text))


_FAST_HASH: str | None = None


def customers_with_tokens(n: int) -> list[tuple[object, str]]:
    """`n` customers and a bearer token each, quickly (one password hash shared by all)."""
    global _FAST_HASH
    from alliance.accounts.models import User

    if _FAST_HASH is None:
        _FAST_HASH = accounts.hash_password(PASSWORD)
    tag = next(_seq)
    users = [User(username=f"racer{tag}-{i}", password_hash=_FAST_HASH, role="customer") for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    return [(user, accounts.issue_token(user)[0]) for user in users]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(user) -> str:
    return accounts.issue_token(user)[0]


def fast_customers(n: int) -> list:
    return [user for user, _ in customers_with_tokens(n)]

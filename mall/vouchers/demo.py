"""Demo data: the demo customers (alice, bob) hold vouchers in every state: active, redeemed, expired."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from mall.coupons import rules
from mall.coupons.models import Audience, Coupon, CouponKind, CouponStatus
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher, VoucherStatus

DEMO_PASSWORD = "demo12345"
CUSTOMERS = ("alice", "bob")


def _simple_live_coupons() -> list[Coupon]:
    """Live coupons a voucher of which works at any hour, for anyone."""
    now = clock.now_utc()
    found = db.session.scalars(
        sa.select(Coupon)
        .where(Coupon.status == CouponStatus.APPROVED, Coupon.audience == Audience.ALL)
        .order_by(Coupon.id)
    )
    return [
        c for c in found if rules.is_live(c, now) and not c.usable_weekdays and c.usable_from_minute is None
    ]


def _till_user(merchant_id: int) -> tuple[User, tuple[str, str, str] | None]:
    user = db.session.scalar(
        sa.select(User)
        .where(User.merchant_id == merchant_id, User.role.in_(("merchant", "clerk")), User.active.is_(True))
        .order_by(User.role.desc(), User.id)
    )
    if user is not None:
        return user, None
    username = f"clerk{merchant_id}"
    user = accounts.create_user(None, username, DEMO_PASSWORD, "clerk", merchant_id=merchant_id)
    return user, ("clerk", username, DEMO_PASSWORD)


def _held(user: User, status: str) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Voucher.id)).where(Voucher.user_id == user.id, Voucher.status == status)
        )
        or 0
    )


def _claim(user: User, coupons: list[Coupon]) -> Voucher | None:
    for coupon in coupons:
        try:
            with db.session.begin_nested():
                return vouchers.claim(user, coupon.id)
        except DomainError:
            continue
    return None


def seed() -> list[tuple[str, str, str]]:
    logins: list[tuple[str, str, str]] = []
    customers = list(
        db.session.scalars(sa.select(User).where(User.username.in_(CUSTOMERS)).order_by(User.id))
    )
    coupons = _simple_live_coupons()
    if not customers or not coupons:
        return logins
    for offset, user in enumerate(customers):
        mine = coupons[offset:] + coupons[:offset]
        if _held(user, VoucherStatus.ACTIVE) == 0:
            for coupon in mine[:3]:
                _claim(user, [coupon])
        if _held(user, VoucherStatus.REDEEMED) == 0:
            cashback = [c for c in mine if c.kind == CouponKind.CASHBACK] + mine
            voucher = _claim(user, cashback)
            if voucher is not None:
                clerk, login = _till_user(voucher.merchant_id)
                if login:
                    logins.append(login)
                amount = max(voucher.coupon.threshold_fen or 0, 5000) + 3800
                redemption.redeem(clerk, voucher, amount, method="code")
        if _held(user, VoucherStatus.EXPIRED) == 0:
            lasting = [c for c in mine if c.valid_days_after_claim and c.valid_days_after_claim <= 14]
            # Claimed a while ago, expired since: the clock is moved back for the claim only.
            clock.advance(-timedelta(days=20))
            try:
                _claim(user, lasting)
            finally:
                clock.advance(timedelta(days=20))
            vouchers.expire_due()
    db.session.flush()
    return logins

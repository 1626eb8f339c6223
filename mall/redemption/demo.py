"""Demo at the till: two of the demo's referred customers (carol, dave) made their first purchase,
which converted their referrals and credited alice's incentive cash; alice then paid part of an order
with it. Idempotent: a customer who has redeemed already is left alone."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from alliance.incentives import services as incentives
from mall.redemption import incentive_pay
from mall.redemption import services as redemption
from mall.redemption.models import Redemption
from mall.vouchers import demo as vouchers_demo

FIRST_PURCHASES = ("carol", "dave")
SPENDER = "alice"
SPEND_FEN = 500


def _redeemed(user: User) -> bool:
    found = db.session.scalar(sa.select(Redemption.id).where(Redemption.customer_id == user.id).limit(1))
    return found is not None


def seed() -> list[tuple[str, str, str]]:
    logins: list[tuple[str, str, str]] = []
    coupons = vouchers_demo._simple_live_coupons()
    if not coupons:
        return logins
    for username in FIRST_PURCHASES:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None or _redeemed(user):
            continue
        voucher = vouchers_demo._claim(user, coupons)
        if voucher is None:
            continue
        clerk, login = vouchers_demo._till_user(voucher.merchant_id)
        if login:
            logins.append(login)
        amount = max(voucher.coupon.threshold_fen or 0, 5000) + 2600
        redemption.redeem(clerk, voucher, amount, method="code")
    spender = db.session.scalar(sa.select(User).where(User.username == SPENDER))
    if spender is not None and incentives.balance(spender.id) >= SPEND_FEN:
        spent = db.session.scalar(
            sa.select(Redemption.id).where(Redemption.customer_id == spender.id, Redemption.incentive_fen > 0)
        )
        if spent is None:
            clerk, login = vouchers_demo._till_user(coupons[0].merchant_id)
            if login:
                logins.append(login)
            try:
                with db.session.begin_nested():
                    incentive_pay.pay(clerk, spender.id, 4200, SPEND_FEN)
            except DomainError:
                pass
    db.session.flush()
    return logins

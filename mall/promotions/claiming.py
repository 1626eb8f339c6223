"""How a promotion takes vouchers out of coupons: a pack's claim composes the mall's claim steps
(`check_claim`, `take_stock` of several coupons all or nothing in id order, `issue_vouchers`); a
chain's reward takes one unit of stock in one conditional statement, and gives it back when revoked.
A refusal names the coupon that failed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from mall.coupons import rules, stock
from mall.coupons.models import Coupon, CouponStatus
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher


def named(coupon: Coupon, error: DomainError) -> DomainError:
    """The same refusal, its message naming the coupon (券包: which member failed)."""
    message = _l(
        "%(coupon)s (%(shop)s): %(reason)s",
        coupon=coupon.title,
        shop=coupon.merchant.name,
        reason=error.message,
    )
    renamed = type(error)(message)
    renamed.coupon_id = coupon.id
    return renamed


def claim_all(customer, coupons: list[Coupon], now: datetime, **voucher_fields) -> list[Voucher]:
    """A voucher of every coupon for `customer`, or the first refusal (in id order) naming its coupon;
    `take_stock` gives back what it took from the others, so none loses stock to a failed claim."""
    ordered = sorted(coupons, key=lambda c: c.id)
    for coupon in ordered:
        try:
            vouchers.check_claim(customer, coupon, now)
        except DomainError as err:
            raise named(coupon, err) from None
    try:
        vouchers.take_stock(customer, ordered, now)
    except DomainError as err:
        failing = next((c for c in ordered if c.id == getattr(err, "coupon_id", None)), None)
        raise (named(failing, err) if failing is not None else err) from None
    return vouchers.issue_vouchers(customer, ordered, now, **voucher_fields)


def take_one(coupon: Coupon, customer_id: int, now: datetime | None = None) -> bool:
    """One unit from the stock of an approved coupon, if any is left (a chain's reward): from the
    coupon row, or from one of its stock shards when its stock is sharded."""
    approved = Coupon.status == CouponStatus.APPROVED
    if coupon.stock_shards:
        now = now or clock.now_utc()
        return stock.take(coupon, customer_id, now, rules.recheck_rule_names()) is not None
    taken = db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.stock_remaining > 0, approved)
        .values(stock_remaining=Coupon.stock_remaining - 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(coupon, ["stock_remaining"])
    return bool(taken)


def give_back_one(coupon: Coupon) -> None:
    """A revoked reward's unit back to its coupon (to its first shard when sharded)."""
    if coupon.stock_shards:
        stock.give_back(coupon, 0)
        return
    db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.stock_remaining < Coupon.stock_total)
        .values(stock_remaining=Coupon.stock_remaining + 1)
        .execution_options(synchronize_session=False)
    )

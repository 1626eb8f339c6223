"""The claim steps a promotion uses, for several coupons at once: check each, take stock of all or
none (in id order, so concurrent claims lock rows in one order and never deadlock), issue the vouchers.

Every write is one conditional statement checked by its row count; a refusal raises, and the request
(or the idempotency savepoint) rolls back what the earlier coupons took: no customer holds part of a
pack and no member loses stock to a failed claim. A refusal names the coupon that failed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from alliance.core import clock, codes
from alliance.core.db import insert_ignore
from alliance.core.errors import DomainError, LimitReached, NotClaimable, SoldOut
from alliance.core.extensions import db
from mall.coupons import rules
from mall.coupons.models import Audience, Coupon, CouponStatus
from mall.vouchers import services as vouchers
from mall.vouchers.models import ClaimCounter, DailyClaimCounter, Voucher, VoucherStatus


def named(coupon: Coupon, error: DomainError) -> DomainError:
    """The same refusal, its message naming the coupon (券包: which member failed)."""
    message = _l(
        "%(coupon)s (%(shop)s): %(reason)s",
        coupon=coupon.title,
        shop=coupon.merchant.name,
        reason=error.message,
    )
    return type(error)(message)


def _has_redeemed_at(user_id: int, merchant_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Voucher.id)
            .where(
                Voucher.user_id == user_id,
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.REDEEMED,
            )
            .limit(1)
        )
        is not None
    )


def check_claim(customer, coupon: Coupon, now: datetime) -> None:
    """Whether `customer` may claim `coupon` now, short of limits and stock (which take_stock holds)."""
    refusal = rules.claim_refusal(coupon, now)
    if refusal is not None and not isinstance(refusal, SoldOut):
        raise named(coupon, refusal)
    if coupon.audience == Audience.NEW_CUSTOMERS and _has_redeemed_at(customer.id, coupon.merchant_id):
        raise named(coupon, NotClaimable(_l("This offer is for new customers of this shop.")))


def _bump(table, where, limit: int) -> bool:
    result = db.session.execute(
        sa.update(table)
        .where(*where, table.claimed < limit)
        .values(claimed=table.claimed + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def take_stock(customer, coupons: list[Coupon], now: datetime) -> None:
    """One voucher's worth of each coupon for `customer`, all or nothing: the per-customer counter,
    the day's counter, then the stock, coupon by coupon in id order. The first refusal raises."""
    bind = db.session.get_bind()
    today = clock.to_local(now).date()
    for coupon in sorted(coupons, key=lambda c: c.id):
        db.session.execute(
            insert_ignore(ClaimCounter.__table__, bind, coupon_id=coupon.id, user_id=customer.id, claimed=0)
        )
        if not _bump(
            ClaimCounter,
            (ClaimCounter.coupon_id == coupon.id, ClaimCounter.user_id == customer.id),
            coupon.per_customer_limit,
        ):
            raise named(coupon, LimitReached(_l("Limit %(n)s per customer.", n=coupon.per_customer_limit)))
        if coupon.daily_limit:
            db.session.execute(
                insert_ignore(
                    DailyClaimCounter.__table__,
                    bind,
                    coupon_id=coupon.id,
                    user_id=customer.id,
                    day=today,
                    claimed=0,
                )
            )
            if not _bump(
                DailyClaimCounter,
                (
                    DailyClaimCounter.coupon_id == coupon.id,
                    DailyClaimCounter.user_id == customer.id,
                    DailyClaimCounter.day == today,
                ),
                coupon.daily_limit,
            ):
                raise named(
                    coupon, LimitReached(_l("Limit %(n)s per customer per day.", n=coupon.daily_limit))
                )
        if not take_one(coupon):
            db.session.refresh(coupon, ["status"])
            if coupon.status != CouponStatus.APPROVED:
                raise named(coupon, NotClaimable(_l("This offer has ended.")))
            raise named(coupon, SoldOut())


def take_one(coupon: Coupon) -> bool:
    """One from the stock of an approved coupon, if any is left."""
    taken = db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.stock_remaining > 0, Coupon.status == CouponStatus.APPROVED)
        .values(stock_remaining=Coupon.stock_remaining - 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(coupon, ["stock_remaining"])
    return bool(taken)


def give_back_one(coupon_id: int) -> None:
    db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.stock_remaining < Coupon.stock_total)
        .values(stock_remaining=Coupon.stock_remaining + 1)
        .execution_options(synchronize_session=False)
    )


def issue_vouchers(customer_id: int, coupons: list[Coupon], now: datetime, **voucher_fields) -> list[Voucher]:
    """A voucher of each coupon (whose stock was taken), with extra fields such as `promotion_id`."""
    issued = []
    for coupon in sorted(coupons, key=lambda c: c.id):
        valid_from, valid_until = vouchers.validity_for(coupon, now)
        issued.append(
            _insert_voucher(
                coupon_id=coupon.id,
                user_id=customer_id,
                merchant_id=coupon.merchant_id,
                status=VoucherStatus.ACTIVE,
                claimed_at=now,
                valid_from=valid_from,
                valid_until=valid_until,
                **voucher_fields,
            )
        )
    return issued


def _insert_voucher(**values) -> Voucher:
    """A voucher with a fresh random code; a clash with an existing code (about one in 10^16) retries."""
    for _attempt in range(5):
        voucher = Voucher(code=codes.new_code(vouchers.CODE_LENGTH), **values)
        try:
            with db.session.begin_nested():
                db.session.add(voucher)
                db.session.flush()
        except IntegrityError:
            if values.get("issued_by_redemption_id") is not None:
                raise
            continue
        return voucher
    raise RuntimeError("could not find a free voucher code")

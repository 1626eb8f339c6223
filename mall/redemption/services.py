"""Redeeming a voucher at a till (核销), reversing it within the window, and the merchant's records.

Checks, in order: who is asking, the code or payload (failures count against the merchant's
attempts), the merchant (own or partner), the state, the validity, the weekday and hour, the minimum
spend. Then one conditional UPDATE turns the voucher from active to redeemed: of any number of tills
trying at once, exactly one changes the row; the others see `already_redeemed`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from alliance.audit.services import record
from alliance.branches.services import can_manage_branch
from alliance.core import clock
from alliance.core.errors import (
    AlreadyRedeemed,
    Expired,
    Forbidden,
    InvalidCode,
    InvalidState,
    NotFound,
    ValidationFailed,
    WrongMerchant,
)
from alliance.core.extensions import attempts, db
from alliance.core.i18n import localtime
from alliance.merchants.models import Merchant
from mall.coupons import rules
from mall.redemption import hooks, spending
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher, VoucherStatus

REASON_MAX = 500


def reversal_window() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("REVERSAL_WINDOW_MINUTES", 30)))


def _till_merchant(actor) -> Merchant:
    """The merchant an owner or clerk redeems for; it must be an active member."""
    if actor is None or actor.role not in ("merchant", "clerk") or not actor.merchant_id:
        raise Forbidden(_l("Only a shop's owner and clerks redeem vouchers."))
    merchant = db.session.get(Merchant, actor.merchant_id)
    if merchant is None or not rules.merchant_can_trade(merchant):
        raise Forbidden(_l("This shop is not an active member of the alliance."))
    return merchant


def _attempt_key(actor) -> str:
    """Failures count per till account (the clerk or owner signed in), not per shop: one careless
    till never stops the shop's others (API.md)."""
    return f"till:{actor.id}"


def resolve(actor, *, code: str | None = None, qr_payload: str | None = None, now: datetime | None = None):
    """(voucher, method) for a typed code or a scanned payload. Unknown codes and forged payloads
    count as failed attempts of the till account; past the limit it answers `rate_limited`."""
    _till_merchant(actor)
    if bool(code) == bool(qr_payload):
        raise ValidationFailed({"code": [_l("Give either a code or a QR payload.")]})
    attempt = attempts.attempt("redeem", _attempt_key(actor))  # counted first, forgiven if not a guess
    if code:
        voucher = vouchers.find_by_code(code)
        if voucher is None:
            raise InvalidCode()
        attempt.forgive()
        return voucher, "code"
    try:
        voucher = vouchers.voucher_from_payload(qr_payload, now)
    except vouchers.ForgedPayload:
        raise
    except Exception:
        attempt.forgive()  # a stale QR or the like: a real voucher, not a guess
        raise
    attempt.forgive()
    return voucher, "qr"


def accepted_at(voucher: Voucher, merchant_id: int) -> bool:
    return voucher.merchant_id == merchant_id or merchant_id in voucher.coupon.partner_merchant_ids


def _used_at_text(voucher: Voucher, now: datetime) -> str:
    when = voucher.redeemed_at
    if when is None:
        return ""
    if clock.to_local(when).date() == clock.to_local(now).date():
        return localtime(when, "time")
    return localtime(when, "short")


def check(actor, voucher: Voucher, order_amount_fen: int, now: datetime | None = None) -> rules.Quote:
    """Every check short of writing; the quote the till shows before the clerk confirms."""
    now = now or clock.now_utc()
    merchant = _till_merchant(actor)
    if not accepted_at(voucher, merchant.id):
        raise WrongMerchant()
    if voucher.status == VoucherStatus.REDEEMED:
        raise AlreadyRedeemed(_l("Already used at %(when)s.", when=_used_at_text(voucher, now)))
    if voucher.status == VoucherStatus.REVOKED:
        raise InvalidState(_l("This voucher was taken back: the purchase that gave it was reversed."))
    if voucher.status == VoucherStatus.EXPIRED:
        raise Expired(_l("Expired on %(when)s.", when=localtime(voucher.valid_until or voucher.expired_at)))
    refusal = rules.usability_refusal(voucher.coupon, voucher.valid_from, voucher.valid_until, now)
    if refusal is not None:
        raise refusal
    return rules.quote(voucher.coupon, order_amount_fen)


def redeem(
    actor,
    voucher: Voucher,
    order_amount_fen: int,
    *,
    method: str = "code",
    now: datetime | None = None,
    incentive_fen: int = 0,
    customer_id: int | None = None,
) -> Redemption:
    """Use `voucher` for an order at the actor's till. Exactly one concurrent attempt succeeds.
    `incentive_fen` of the holder's incentive cash (激励金) is spent on what remains to pay."""
    now = now or clock.now_utc()
    quote = check(actor, voucher, order_amount_fen, now)
    spending.check_spend(voucher.user_id, customer_id, incentive_fen, quote.payable_fen)
    won = db.session.execute(
        sa.update(Voucher)
        .where(
            Voucher.id == voucher.id,
            Voucher.status == VoucherStatus.ACTIVE,
            sa.or_(Voucher.valid_until.is_(None), Voucher.valid_until > now),
        )
        .values(status=VoucherStatus.REDEEMED, redeemed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        db.session.refresh(voucher)
        if voucher.status == VoucherStatus.REDEEMED:
            raise AlreadyRedeemed(_l("Already used at %(when)s.", when=_used_at_text(voucher, now)))
        raise Expired()
    # The row now says what this statement wrote: no reload to answer with it.
    set_committed_value(voucher, "status", VoucherStatus.REDEEMED)
    set_committed_value(voucher, "redeemed_at", now)
    redemption = Redemption(
        voucher=voucher,
        voucher_id=voucher.id,
        merchant_id=actor.merchant_id,
        clerk_id=actor.id,
        customer_id=voucher.user_id,
        order_amount_fen=quote.order_amount_fen,
        discount_fen=quote.discount_fen,
        payable_fen=quote.payable_fen - incentive_fen,
        cashback_fen=quote.cashback_fen,
        incentive_fen=incentive_fen,
        method=method,
        redeemed_at=now,
    )
    # The voucher row was won above, so the unique index on standing redemptions cannot refuse this
    # row unless the database was changed by hand; then the whole transaction rolls back.
    try:
        db.session.add(redemption)
        db.session.flush()
    except IntegrityError:
        raise AlreadyRedeemed()
    spending.spend(redemption)
    event = hooks.after_redeem(hooks.RedemptionEvent(redemption, voucher, actor, now))
    redemption.extras = event.extras
    return redemption


def issued_by(redemption: Redemption) -> list[Voucher]:
    """The vouchers a redemption's after-redeem hooks issued the customer (a chain's rewards)."""
    return list(
        db.session.scalars(
            sa.select(Voucher)
            .where(Voucher.issued_by_redemption_id == redemption.id)
            .order_by(Voucher.coupon_id)
        )
    )


def get_for_merchant(actor, redemption_id: int) -> Redemption:
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or actor is None or redemption.merchant_id != actor.merchant_id:
        raise NotFound()
    if actor.role not in ("merchant", "clerk"):
        raise NotFound()
    return redemption


def can_reverse(redemption: Redemption, now: datetime | None = None) -> bool:
    now = now or clock.now_utc()
    return redemption.reversed_at is None and now - redemption.redeemed_at <= reversal_window()


def reverse(actor, redemption_id: int, reason: str | None, now: datetime | None = None) -> Redemption:
    """Undo a redemption of the actor's shop within the window: the voucher is active again and the
    after-reverse hooks undo what their after-redeem half did (cashback is taken back, ...)."""
    now = now or clock.now_utc()
    redemption = get_for_merchant(actor, redemption_id)
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=REASON_MAX)]})
    if redemption.reversed_at is not None:
        raise InvalidState(_l("This redemption was already reversed."))
    if now - redemption.redeemed_at > reversal_window():
        raise InvalidState(
            _l(
                "Only redemptions of the last %(n)s minutes can be reversed.",
                n=int(reversal_window().total_seconds() // 60),
            )
        )
    done = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.reversed_at.is_(None))
        .values(reversed_at=now, reversed_by_id=actor.id, reversal_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise InvalidState(_l("This redemption was already reversed."))
    db.session.execute(
        sa.update(Voucher)
        .where(Voucher.id == redemption.voucher_id, Voucher.status == VoucherStatus.REDEEMED)
        .values(status=VoucherStatus.ACTIVE, redeemed_at=None)
        .execution_options(synchronize_session=False)
    )
    spending.refund(redemption, reason)
    event = hooks.after_reverse(
        hooks.RedemptionEvent(redemption, redemption.voucher, actor, now, reason=reason)
    )
    db.session.refresh(redemption)
    redemption.extras = event.extras
    if redemption.voucher is not None:  # incentive cash spent alone has no voucher
        db.session.expire(redemption.voucher)
    record(actor, "redemption.reverse", redemption, reason=reason, data={"voucher_id": redemption.voucher_id})
    return redemption


def list_for_merchant(
    actor, merchant_id: int, *, day: date | None = None, limit: int = 200, offset: int = 0
) -> tuple[list[Redemption], int]:
    """A merchant's redemptions, newest first; for its owner and clerks, and the branch's staff."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or actor is None:
        raise NotFound()
    own = actor.role in ("merchant", "clerk") and actor.merchant_id == merchant_id
    staff = actor.role in ("staff", "admin") and can_manage_branch(actor, merchant.district.branch_id)
    if not (own or staff):
        raise NotFound()
    stmt = sa.select(Redemption).where(Redemption.merchant_id == merchant_id)
    if day is not None:
        start = clock.local_midnight_utc(day)
        stmt = stmt.where(Redemption.redeemed_at >= start, Redemption.redeemed_at < start + timedelta(days=1))
    total = db.session.scalar(stmt.with_only_columns(sa.func.count(Redemption.id)))
    items = list(
        db.session.scalars(
            stmt.order_by(Redemption.redeemed_at.desc(), Redemption.id.desc()).limit(limit).offset(offset)
        )
    )
    return items, int(total or 0)


def today_summary(items: list[Redemption]) -> dict[str, int]:
    standing = [r for r in items if r.reversed_at is None]
    return {
        "count": len(standing),
        "discount_fen": sum(r.discount_fen for r in standing),
        "cashback_fen": sum(r.cashback_fen or 0 for r in standing),
        "order_fen": sum(r.order_amount_fen for r in standing),
    }

"""Incentive cash (激励金) spent on a redemption: checked before the voucher is used, taken from the
customer's balance in the redemption's own transaction, put back when the redemption is reversed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from alliance.core.errors import ValidationFailed
from alliance.core.extensions import db
from alliance.core.money import format_fen
from alliance.incentives import services as incentives
from alliance.merchants.models import Merchant

SOURCE = "redemption"


def check_spend(holder_id: int | None, customer_id: int | None, incentive_fen: int, payable_fen: int) -> None:
    """Refuse what no balance could pay: more than the order's amount to pay, or a payment code of
    someone other than the voucher's holder."""
    if incentive_fen < 0:
        raise ValidationFailed({"incentive_fen": [_l("Must not be negative.")]})
    if incentive_fen > payable_fen:
        raise ValidationFailed(
            {"incentive_fen": [_l("At most the amount to pay, %(amount)s.", amount=format_fen(payable_fen))]}
        )
    if customer_id is not None and holder_id is not None and customer_id != holder_id:
        raise ValidationFailed(
            {"customer_code": [_l("This payment code belongs to someone other than the voucher's holder.")]}
        )


def spend(redemption) -> None:
    """Take the redemption's incentive cash from its customer's balance, or InsufficientBalance
    (which refuses the whole redemption: the voucher stays unused)."""
    if not redemption.incentive_fen:
        return
    merchant = db.session.get(Merchant, redemption.merchant_id)
    incentives.spend(
        redemption.customer_id,
        redemption.incentive_fen,
        source_type=SOURCE,
        source_id=redemption.id,
        branch_id=merchant.branch_id if merchant else None,
        note=merchant.name[:200] if merchant else None,
    )


def refund(redemption, reason: str | None = None) -> None:
    """A reversal puts the incentive cash back, once."""
    if redemption.incentive_fen:
        incentives.refund_spend(source_type=SOURCE, source_id=redemption.id, note=reason)

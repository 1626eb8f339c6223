"""Cashback (激励金) vouchers: the amount is credited to the customer's incentive balance when the
voucher is redeemed, and taken back by a compensating entry when that redemption is reversed."""

from __future__ import annotations

from alliance.core.extensions import db
from alliance.incentives import services as incentives
from alliance.merchants.models import Merchant
from mall.redemption.hooks import RedemptionEvent, RedemptionHook

SOURCE = "redemption"


def credit_cashback(event: RedemptionEvent) -> None:
    redemption = event.redemption
    if redemption.cashback_fen and event.voucher is not None:
        merchant = db.session.get(Merchant, redemption.merchant_id)
        incentives.credit(
            redemption.customer_id,
            redemption.cashback_fen,
            incentives.CASHBACK,
            source_type=SOURCE,
            source_id=redemption.id,
            note=event.voucher.coupon.title[:200],
            branch_id=merchant.branch_id if merchant else None,
        )


def take_back_cashback(event: RedemptionEvent) -> None:
    incentives.reverse(
        source_type=SOURCE,
        source_id=event.redemption.id,
        kind=incentives.CASHBACK,
        reversal_kind=incentives.CASHBACK_REVERSAL,
        note=event.reason,
    )


HOOK = RedemptionHook("cashback", after_redeem=credit_cashback, after_reverse=take_back_cashback)

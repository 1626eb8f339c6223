"""Referral conversions (MGM 转介绍): a customer's first redemption anywhere in the alliance converts
the referral that brought them, under the rules of the redeeming shop's branch. Runs inside the
redemption's transaction, so a retried or racing first redemption converts it once."""

from __future__ import annotations

from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from alliance.referrals import services as referrals
from mall.redemption.hooks import RedemptionEvent, RedemptionHook


def convert_referral(event: RedemptionEvent) -> None:
    redemption = event.redemption
    merchant = db.session.get(Merchant, redemption.merchant_id)
    referrals.convert_customer(
        redemption.customer_id,
        branch_id=merchant.branch_id if merchant else None,
        redemption_id=redemption.id,
        now=event.now,
    )


HOOK = RedemptionHook("referrals", after_redeem=convert_referral)

"""After-redeem: a redemption remembers the branch and district its shop stood in at that moment, so
reports of the past do not move when a merchant later changes district."""

from __future__ import annotations

from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.redemption.hooks import RedemptionEvent, RedemptionHook


def remember_place(event: RedemptionEvent) -> None:
    redemption = event.redemption
    merchant = db.session.get(Merchant, redemption.merchant_id)  # the till's shop, loaded already
    redemption.district_id = merchant.district_id
    redemption.branch_id = merchant.district.branch_id


HOOK = RedemptionHook("reports", after_redeem=remember_place)

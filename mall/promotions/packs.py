"""Coupon packs (券包): one claim gives the customer a voucher of every member coupon, or nothing."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.errors import Forbidden, NotClaimable, NotFound
from alliance.core.extensions import db
from mall.promotions import claiming
from mall.promotions.channel import claiming_inside_promotion
from mall.promotions.models import Promotion, PromotionStatus, Shape
from mall.promotions.services import member_coupons
from mall.vouchers.models import Voucher


def claim_pack(customer, promotion_id: int, now: datetime | None = None) -> list[Voucher]:
    """Every member's voucher for `customer`, each member's limits, window and stock holding, or a
    refusal naming the member that failed (and no stock taken from any)."""
    if customer is None or customer.role != "customer":
        raise Forbidden(_l("Only customers claim vouchers."))
    now = now or clock.now_utc()
    promotion = db.session.get(Promotion, promotion_id)
    if promotion is None or promotion.shape != Shape.PACK:
        raise NotFound()
    if promotion.status != PromotionStatus.APPROVED:
        raise NotClaimable(_l("This coupon pack is not open."))
    with claiming_inside_promotion():
        return claiming.claim_all(customer, member_coupons(promotion), now, promotion_id=promotion.id)

"""Builders for promotions: a lead and partners of other trades, taken through set-up and review."""

from __future__ import annotations

from mall.promotions import services as promotions
from tests.mall import factories as mf


def shop(industry: str, district=None, name: str | None = None):
    merchant = mf.merchant(district, industry=industry, name=name)
    return merchant, mf.owner(merchant)


def approved(
    shape: str = "chain",
    *,
    lead_coupon: dict | None = None,
    partner_coupons: list[dict] | None = None,
    industries: tuple[str, ...] = ("entertainment",),
    min_order_fen: int | None = None,
):
    """A lead (catering) with a live coupon, partners (one per industry) each accepting with a live
    coupon, submitted and approved. Returns (promotion, lead, lead_owner, partners)."""
    lead, lead_owner = shop("catering")
    coupon = mf.live_coupon(lead, lead_owner, **(lead_coupon or {}))
    partners = []
    for i, industry in enumerate(industries):
        merchant, owner = shop(industry, lead.district)
        fields = (partner_coupons or [{}] * len(industries))[i] or {}
        fields = {"kind": "cash", "amount_fen": 2000, "title": "¥20 代金券", "channel": "reward", **fields}
        partner_coupon = mf.live_coupon(merchant, owner, **fields)
        partners.append((merchant, owner, partner_coupon))
    promotion = promotions.create_promotion(
        lead_owner,
        {
            "merchant_id": lead.id,
            "title": "吃完火锅去唱歌",
            "shape": shape,
            "coupon_id": coupon.id,
            "partner_merchant_ids": [m.id for m, _, _ in partners],
            "min_order_fen": min_order_fen,
        },
    )
    for merchant, owner, partner_coupon in partners:
        promotions.decide(owner, promotion, merchant.id, "accept", partner_coupon.id)
    promotions.submit(lead_owner, promotion)
    promotions.review(mf.staff_for(lead), promotion, "approve")
    return promotion, lead, lead_owner, partners

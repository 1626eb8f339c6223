"""Demo data: live coupons of every kind across the alliance's active merchants (none if there are none)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alliance.audit.services import record
from alliance.core import clock
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from mall.coupons import rules, services
from mall.coupons.models import Coupon, CouponStatus

# One offer of each kind, then a few with rules worth seeing (weekdays and hours, new customers only,
# a small stock, a claim window that opens tomorrow).
OFFERS = [
    {
        "title": "满100减20",
        "kind": "threshold_cut",
        "threshold_fen": 10000,
        "cut_fen": 2000,
        "stock_total": 200,
        "per_customer_limit": 2,
        "valid_days_after_claim": 7,
    },
    {
        "title": "全场8.5折",
        "kind": "discount",
        "percent_off": 15,
        "cap_fen": 5000,
        "stock_total": 150,
        "valid_days_after_claim": 14,
    },
    {
        "title": "10元代金券",
        "kind": "cash",
        "amount_fen": 1000,
        "threshold_fen": 3000,
        "stock_total": 300,
        "valid_days_after_claim": 30,
    },
    {"title": "到店送饮品一杯", "kind": "gift", "gift_name": "饮品一杯", "stock_total": 80},
    {
        "title": "消费满50返5元激励金",
        "kind": "cashback",
        "amount_fen": 500,
        "threshold_fen": 5000,
        "stock_total": 100,
        "per_customer_limit": 3,
        "daily_limit": 1,
    },
    {
        "title": "周三午市半价",
        "kind": "discount",
        "percent_off": 50,
        "cap_fen": 3000,
        "stock_total": 60,
        "usable_weekdays": [3],
        "usable_hours": "11:00-14:00",
        "valid_days_after_claim": 7,
    },
    {
        "title": "新客立减15元",
        "kind": "cash",
        "amount_fen": 1500,
        "stock_total": 50,
        "audience": "new_customers",
    },
    {
        "title": "限量20张 满200减50",
        "kind": "threshold_cut",
        "threshold_fen": 20000,
        "cut_fen": 5000,
        "stock_total": 20,
    },
    {
        "title": "明日开抢 满80减30",
        "kind": "threshold_cut",
        "threshold_fen": 8000,
        "cut_fen": 3000,
        "stock_total": 100,
        "starts_tomorrow": True,
    },
]


def _publish(merchant: Merchant, offer: dict, partners: list[int]) -> Coupon:
    data = {k: v for k, v in offer.items() if k != "starts_tomorrow"}
    now = clock.now_utc()
    if offer.get("starts_tomorrow"):
        data["claim_starts_at"] = clock.local_midnight_utc(
            clock.local_today() + timedelta(days=1)
        ) + timedelta(hours=10)
    data["partner_merchant_ids"] = partners
    clean = rules.check_fields(data, merchant_id=merchant.id, now=now)
    coupon = Coupon(merchant_id=merchant.id, status=CouponStatus.DRAFT)
    coupon.merchant = merchant
    services._apply(coupon, clean)
    db.session.add(coupon)
    db.session.flush()
    record(None, "coupon.create", coupon, data={"demo": True})
    coupon.status = CouponStatus.PENDING_REVIEW
    coupon.submitted_at = now
    services.review(None, coupon, "approve")
    return coupon


def seed() -> list[tuple[str, str, str]]:
    merchants = list(
        db.session.scalars(
            sa.select(Merchant).where(Merchant.status == MerchantStatus.ACTIVE).order_by(Merchant.id)
        )
    )
    if not merchants:
        return []
    existing = {(m, t) for m, t in db.session.execute(sa.select(Coupon.merchant_id, Coupon.title)).all()}
    # Every merchant gets three offers, taken in turn from the list, so every kind is live somewhere.
    for index, merchant in enumerate(merchants):
        picks = [OFFERS[(index * 3 + k) % len(OFFERS)] for k in range(3)]
        if index == 0:
            picks = OFFERS[:5] + picks[5:]
        for offer in picks:
            if (merchant.id, offer["title"]) in existing:
                continue
            partner = merchants[(index + 1) % len(merchants)]
            partners = [partner.id] if offer["kind"] == "cash" and partner.id != merchant.id else []
            _publish(merchant, offer, partners)
            existing.add((merchant.id, offer["title"]))
    return []

"""Demo data: live coupons of every kind across the alliance's active merchants (none if there are none),
each shop's offers fitting its trade, and a couple of new offers waiting for the branch's review."""

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

YUAN = 100  # fen


def cut(title: str, threshold: int, amount: int, stock: int, **extra) -> dict:
    return {
        "title": title,
        "kind": "threshold_cut",
        "threshold_fen": threshold * YUAN,
        "cut_fen": amount * YUAN,
        "stock_total": stock,
        **extra,
    }


def off(title: str, percent: int, cap: int, stock: int, **extra) -> dict:
    return {
        "title": title,
        "kind": "discount",
        "percent_off": percent,
        "cap_fen": cap * YUAN,
        "stock_total": stock,
        **extra,
    }


def cash(title: str, amount: int, stock: int, threshold: int | None = None, **extra) -> dict:
    offer = {"title": title, "kind": "cash", "amount_fen": amount * YUAN, "stock_total": stock, **extra}
    if threshold:
        offer["threshold_fen"] = threshold * YUAN
    return offer


def gift(title: str, gift_name: str, stock: int, **extra) -> dict:
    return {"title": title, "kind": "gift", "gift_name": gift_name, "stock_total": stock, **extra}


def back(title: str, amount: int, threshold: int, stock: int, **extra) -> dict:
    return {
        "title": title,
        "kind": "cashback",
        "amount_fen": amount * YUAN,
        "threshold_fen": threshold * YUAN,
        "stock_total": stock,
        **extra,
    }


TOMORROW = {"starts_tomorrow": True}
NEW_ONLY = {"audience": "new_customers"}

# Offers by trade: a shop takes three in turn from its trade's list, so shops of one trade differ and
# every kind is live somewhere; some carry rules worth seeing (weekdays and hours, new customers only,
# a small stock, a claim window that opens tomorrow).
OFFERS: dict[str, list[dict]] = {
    "food": [
        cut("满100减20", 100, 20, 200, per_customer_limit=2, valid_days_after_claim=7),
        off("堂食8.5折", 15, 50, 150, valid_days_after_claim=14),
        gift("到店送饮品一杯", "饮品一杯", 80),
        cash("10元代金券", 10, 300, threshold=30, valid_days_after_claim=30),
        back("消费满50返5元激励金", 5, 50, 100, per_customer_limit=3, daily_limit=1),
        off(
            "周三午市半价",
            50,
            30,
            60,
            usable_weekdays=[3],
            usable_hours="11:00-14:00",
            valid_days_after_claim=7,
        ),
        cash("新客立减15元", 15, 50, **NEW_ONLY),
        cut("限量20张 满200减50", 200, 50, 20),
        cut("明日开抢 满80减30", 80, 30, 100, **TOMORROW),
    ],
    "retail": [
        cut("满100减20", 100, 20, 200, per_customer_limit=2, valid_days_after_claim=7),
        off("日用百货9折", 10, 30, 150, valid_days_after_claim=14),
        cash("10元代金券", 10, 300, threshold=50, valid_days_after_claim=30),
        gift("满68送环保购物袋", "环保购物袋一个", 100),
        back("消费满50返5元激励金", 5, 50, 100, per_customer_limit=3, daily_limit=1),
        cut("明日开抢 满199减40", 199, 40, 100, **TOMORROW),
    ],
    "clothing": [
        off("换季新款8.5折", 15, 100, 150, valid_days_after_claim=14),
        cut("满300减50", 300, 50, 100, per_customer_limit=2),
        gift("购物送品牌袜一双", "品牌袜一双", 60),
        cash("新客立减20元", 20, 50, threshold=100, **NEW_ONLY),
    ],
    "pharmacy": [
        cut("满88减10", 88, 10, 200, valid_days_after_claim=14),
        gift("到店免费测血压", "血压测量一次", 100),
        off("保健品9折", 10, 50, 80),
    ],
    "stay": [
        cut("连住两晚减50", 300, 50, 60, valid_days_after_claim=60),
        gift("入住送双人早餐", "双人早餐", 40),
        cash("新客立减30元", 30, 50, threshold=150, **NEW_ONLY),
        back("住一晚返10元激励金", 10, 100, 100, per_customer_limit=2),
    ],
    "travel": [
        cut("跟团游满2000减200", 2000, 200, 50, valid_days_after_claim=90),
        off("周边一日游9折", 10, 100, 80),
        gift("报名送旅行颈枕", "旅行颈枕一个", 50),
    ],
    "hair": [
        off("洗剪吹8折", 20, 20, 100, valid_days_after_claim=30),
        cash("烫染立减30元", 30, 60, threshold=200),
        gift("剪发送护发一次", "护发一次", 50),
    ],
    "beauty": [
        cut("护理满300减60", 300, 60, 80, valid_days_after_claim=30),
        gift("到店送面膜一片", "面膜一片", 100),
        cash("新客体验立减50元", 50, 30, threshold=198, **NEW_ONLY),
        back("消费满200返20元激励金", 20, 200, 60),
    ],
    "courier": [
        cut("寄件满30减5", 30, 5, 300, valid_days_after_claim=30),
        cash("首单寄件立减8元", 8, 100, **NEW_ONLY),
        off("大件物流9折", 10, 50, 100),
    ],
    "fun": [
        cash("20元欢乐券", 20, 200, threshold=60, valid_days_after_claim=30),
        gift("到店送小食一份", "小食一份", 80),
        off("工作日下午场8折", 20, 40, 100, usable_weekdays=[1, 2, 3, 4, 5], usable_hours="13:00-17:00"),
        back("消费满100返10元激励金", 10, 100, 100, per_customer_limit=3),
    ],
    "culture": [
        cut("满100减20", 100, 20, 150, valid_days_after_claim=30),
        gift("到店送文创小礼品", "文创小礼品一份", 30),
        off("会员日9折", 10, 50, 100, usable_weekdays=[6, 7]),
        cash("新客立减10元", 10, 50, **NEW_ONLY),
        back("消费满100返10元激励金", 10, 100, 100, per_customer_limit=3),
        cut("限量30张 满200减40", 200, 40, 30),
    ],
    "home": [
        cash("首次保洁立减30元", 30, 60, threshold=150, **NEW_ONLY),
        cut("深度保洁满300减50", 300, 50, 80, valid_days_after_claim=60),
        gift("上门服务送除螨一次", "除螨一次", 40),
    ],
    "agency": [
        off("租房服务费8折", 20, 500, 50, valid_days_after_claim=90),
        gift("看房送搬家纸箱一套", "搬家纸箱一套", 40),
        cash("签约立减200元", 200, 30, threshold=2000),
    ],
    "building": [
        cut("建材满5000减300", 5000, 300, 50, valid_days_after_claim=90),
        off("瓷砖地板9折", 10, 1000, 60),
        gift("下单送上门测量", "上门测量一次", 40),
    ],
}
# A new offer per trade that the first two shops have sent in and the branch has yet to review.
NEW_OFFERS: dict[str, dict] = {
    "food": cut("周末家庭套餐满300减60", 300, 60, 50),
    "retail": cut("周末生鲜满199减30", 199, 30, 100),
    "clothing": cut("会员专享满500减100", 500, 100, 50),
    "pharmacy": cash("慢病用药立减10元", 10, 50, threshold=100),
    "stay": off("周末入住8.8折", 12, 100, 40),
    "travel": cash("亲子游立减100元", 100, 20, threshold=1000),
    "hair": cut("烫发满300减60", 300, 60, 30),
    "beauty": off("美甲8折", 20, 50, 40),
    "courier": back("月结寄件返10元激励金", 10, 100, 50),
    "fun": cut("包厢满300减50", 300, 50, 40),
    "culture": cut("年卡满1000减100", 1000, 100, 20),
    "home": off("家电清洗8.5折", 15, 60, 40),
    "agency": gift("签约送一次保洁", "保洁一次", 20),
    "building": cash("定制柜立减500元", 500, 20, threshold=10000),
}
WAITING_FOR_REVIEW = 2

# A shop's trade for its offers: the shop type says most (a salon is a salon whatever its trade),
# then the trade (十行) for shops of another type.
BY_STORE_TYPE = {
    "restaurant": "food",
    "hotel": "stay",
    "barber": "hair",
    "beauty": "beauty",
    "clothing_shop": "clothing",
    "pharmacy": "pharmacy",
    "convenience": "retail",
}
BY_INDUSTRY = {
    "catering": "food",
    "construction": "building",
    "clothing": "clothing",
    "trading": "retail",
    "logistics": "courier",
    "travel": "travel",
    "agency": "agency",
    "housekeeping": "home",
    "entertainment": "fun",
    "culture_sports": "culture",
}


def trade_of(merchant: Merchant) -> str:
    return BY_STORE_TYPE.get(merchant.store_type or "") or BY_INDUSTRY.get(merchant.industry, "retail")


def _publish(merchant: Merchant, offer: dict, partners: list[int], *, approve: bool = True) -> Coupon:
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
    if approve:
        services.review(None, coupon, "approve")
    else:
        record(None, "coupon.submit", coupon, data={"demo": True})
    db.session.flush()
    return coupon


def seed() -> list[tuple[str, str, str]]:
    merchants = list(
        db.session.scalars(
            sa.select(Merchant).where(Merchant.status == MerchantStatus.ACTIVE).order_by(Merchant.id)
        )
    )
    if not merchants:
        return []
    # Restaurants last: their coupons are then the newest, the ones the programme's demo food theme
    # and Wednesday deal pick up.
    merchants.sort(key=lambda m: (trade_of(m) == "food", m.id))
    existing = {(m, t) for m, t in db.session.execute(sa.select(Coupon.merchant_id, Coupon.title)).all()}
    rank: dict[str, int] = {}
    for index, merchant in enumerate(merchants):
        trade = trade_of(merchant)
        offers = OFFERS[trade]
        turn = rank.get(trade, 0)
        rank[trade] = turn + 1
        picks = [(offers[(turn * 3 + k) % len(offers)], True) for k in range(3)]
        if index < WAITING_FOR_REVIEW:
            picks.insert(0, (NEW_OFFERS[trade], False))
        partner = merchants[(index + 1) % len(merchants)]
        for offer, approve in picks:
            if (merchant.id, offer["title"]) in existing:
                continue
            partners = [partner.id] if offer["kind"] == "cash" and partner.id != merchant.id else []
            _publish(merchant, offer, partners, approve=approve)
            existing.add((merchant.id, offer["title"]))
    return []

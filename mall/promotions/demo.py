"""Demo data: cross-industry promotions around 万达广场 that a demo customer can try at once.

- a chain (连环券): 海底捞's 满100减20 gives a reward voucher of 丽人美容会所 and of 星光影城; alice holds
  a voucher of it, so owner2 or clerk2 can redeem it at the till and see what she receives;
- a coupon pack (券包): 优衣库, 海底捞 and 星光影城 reward coupons claimed together from the mall;
- an invitation still waiting: 海底捞 invites 动感健身房 (its owner sees it among its joint offers).
Running it again changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from mall.coupons import services as coupons
from mall.coupons.models import Coupon, CouponStatus
from mall.promotions import services
from mall.promotions.models import Promotion
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher, VoucherStatus

CHAIN_TITLE = "吃完火锅去变美：海底捞送美容和电影券"
PACK_TITLE = "万达广场逛吃券包"
INVITE_TITLE = "吃完火锅去健身"


def _shop(name: str) -> Merchant | None:
    return db.session.scalar(
        sa.select(Merchant).where(Merchant.name == name, Merchant.status == MerchantStatus.ACTIVE)
    )


def _owner(merchant: Merchant) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.merchant_id == merchant.id, User.role == "merchant").order_by(User.id)
    )


def _reward(merchant: Merchant, title: str, amount_yuan: int, stock: int, threshold_yuan: int | None = None):
    """A live reward-only cash coupon of the shop (made once, found by title after)."""
    found = db.session.scalar(
        sa.select(Coupon).where(Coupon.merchant_id == merchant.id, Coupon.title == title)
    )
    if found is not None:
        return found
    owner = _owner(merchant)
    data = {
        "title": title,
        "kind": "cash",
        "amount_fen": amount_yuan * 100,
        "stock_total": stock,
        "channel": "reward",
        "valid_days_after_claim": 30,
    }
    if threshold_yuan:
        data["threshold_fen"] = threshold_yuan * 100
    coupon = coupons.create_coupon(owner, merchant.id, data)
    coupons.submit(owner, coupon)
    coupons.review(None, coupon, "approve")
    return coupon


def _lead_coupon(merchant: Merchant) -> Coupon | None:
    """The lead's live mall coupon that works at any hour (the demo's 满100减20 when there is one)."""
    found = db.session.scalars(
        sa.select(Coupon)
        .where(
            Coupon.merchant_id == merchant.id,
            Coupon.status == CouponStatus.APPROVED,
            Coupon.channel == "mall",
            Coupon.usable_weekdays.is_(None),
            Coupon.usable_from_minute.is_(None),
            Coupon.audience == "all",
            Coupon.claim_starts_at.is_(None),
        )
        .order_by(Coupon.title != "满100减20", Coupon.id)
    ).first()
    return found


def _promotion(title: str) -> Promotion | None:
    return db.session.scalar(sa.select(Promotion).where(Promotion.title == title))


def _set_up(lead, title, shape, coupon, partners: list[tuple[Merchant, Coupon | None]], staff, **extra):
    if _promotion(title) is not None:
        return _promotion(title)
    owner = _owner(lead)
    promotion = services.create_promotion(
        owner,
        {
            "merchant_id": lead.id,
            "title": title,
            "shape": shape,
            "coupon_id": coupon.id,
            "partner_merchant_ids": [m.id for m, _ in partners],
            **extra,
        },
    )
    if any(c is None for _, c in partners):
        return promotion  # still inviting: a partner has yet to answer
    for merchant, partner_coupon in partners:
        services.decide(_owner(merchant), promotion, merchant.id, "accept", partner_coupon.id)
    services.submit(owner, promotion)
    services.review(staff, promotion, "approve")
    return promotion


def seed() -> list[tuple[str, str, str]]:
    hotpot, salon, cinema = _shop("海底捞火锅(万达店)"), _shop("丽人美容会所"), _shop("星光影城")
    clothes, gym = _shop("优衣库(万达店)"), _shop("动感健身房")
    staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
    if None in (hotpot, salon, cinema, clothes, staff) or _lead_coupon(hotpot) is None:
        return []
    lead_coupon = _lead_coupon(hotpot)
    chain = _set_up(
        hotpot,
        CHAIN_TITLE,
        "chain",
        lead_coupon,
        [
            (salon, _reward(salon, "隔壁美容 ¥20 代金券", 20, 500, threshold_yuan=100)),
            (cinema, _reward(cinema, "观影立减 ¥15", 15, 500)),
        ],
        staff,
        description="在海底捞用满100减20消费，立得丽人美容和星光影城代金券。",
        min_order_fen=10000,
    )
    _set_up(
        clothes,
        PACK_TITLE,
        "pack",
        _reward(clothes, "优衣库 ¥30 代金券", 30, 200, threshold_yuan=199),
        [
            (hotpot, _reward(hotpot, "海底捞 ¥25 代金券", 25, 200, threshold_yuan=150)),
            (cinema, _reward(cinema, "星光影城 ¥20 观影券", 20, 200)),
        ],
        staff,
        description="一次领取三家店的代金券：买衣服、吃火锅、看电影。",
    )
    if gym is not None:
        _set_up(hotpot, INVITE_TITLE, "chain", lead_coupon, [(gym, None)], staff)

    # alice holds the chain's lead voucher, ready for the till.
    alice = db.session.scalar(sa.select(User).where(User.username == "alice"))
    if alice is not None:
        held = db.session.scalar(
            sa.select(Voucher.id).where(
                Voucher.user_id == alice.id,
                Voucher.coupon_id == chain.coupon_id,
                Voucher.status == VoucherStatus.ACTIVE,
            )
        )
        if held is None:
            try:
                with db.session.begin_nested():
                    vouchers.claim(alice, chain.coupon_id)
            except DomainError:
                pass
    db.session.flush()
    return []

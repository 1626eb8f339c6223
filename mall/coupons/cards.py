"""Coupon cards as a viewer sees them: the value big, the condition, when it works, and one button whose
word tells its state (立即领取 → 去使用 / 已领取 → 已抢光 → 已结束). Two queries for any number of cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alliance.core import clock
from alliance.core.errors import SoldOut
from mall.coupons import rules, wording
from mall.coupons.models import Coupon, CouponStatus

CLAIM = "claim"  # 立即领取
HELD = "held"  # 去使用: the viewer holds a voucher ready to use
CLAIMED = "claimed"  # 已领取: the viewer's limit is used up
SOLD_OUT = "sold_out"  # 已抢光
UPCOMING = "upcoming"  # 即将开抢
ENDED = "ended"  # 已结束


@dataclass(frozen=True)
class Card:
    coupon: Coupon
    big: str
    small: str
    when: str
    state: str
    voucher_id: int | None
    low_stock: bool
    stock_percent: int
    validity: str = ""

    @property
    def id(self) -> int:
        return self.coupon.id


def when_text(coupon: Coupon) -> str:
    """Days and hours it works, or nothing when it works any time."""
    parts = []
    if coupon.usable_weekdays:
        parts.append(wording.weekdays_text(coupon.weekdays))
    if coupon.usable_hours:
        parts.append(coupon.usable_hours.replace("-", "–"))
    return " ".join(parts)


def state_of(coupon: Coupon, now: datetime, held: int | None, claimed: int) -> str:
    if held:
        return HELD
    refusal = rules.claim_refusal(coupon, now)
    if isinstance(refusal, SoldOut):
        return SOLD_OUT
    if refusal is not None:
        not_yet = coupon.status == CouponStatus.APPROVED and (
            (coupon.claim_starts_at and now < coupon.claim_starts_at)
            # A claim rule (the programme's) may say the coupon opens later, e.g. on its next day.
            or getattr(refusal, "detail", None) == "upcoming"
        )
        return UPCOMING if not_yet else ENDED
    if claimed >= coupon.per_customer_limit:
        return CLAIMED
    return CLAIM


def cards_for(viewer, coupons: list[Coupon], now: datetime | None = None) -> list[Card]:
    from mall.vouchers import services as vouchers

    now = now or clock.now_utc()
    customer = viewer if getattr(viewer, "is_authenticated", False) and viewer.role == "customer" else None
    ids = [c.id for c in coupons]
    held = vouchers.held_vouchers(customer, ids, now)
    claimed = vouchers.claimed_counts(customer, ids)
    cards = []
    for coupon in coupons:
        big, small = wording.card_value(coupon)
        cards.append(
            Card(
                coupon=coupon,
                big=big,
                small=small,
                when=when_text(coupon),
                state=state_of(coupon, now, held.get(coupon.id), claimed.get(coupon.id, 0)),
                voucher_id=held.get(coupon.id),
                low_stock=wording.low_stock(coupon),
                stock_percent=wording.stock_percent(coupon),
                validity=wording.validity_text(coupon),
            )
        )
    return cards

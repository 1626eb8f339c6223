"""The rules of a coupon, in one place: its fields checked together, when it is claimable (in Python and
as the mall's SQL filter, which must agree), when a voucher of it is usable, and the discount it gives.

Claimability is extensible: another feature (the programme's themes, festivals and daily deals) adds a
`ClaimRule` with `add_claim_rule`, and both the claim and the mall list obey it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.errors import (
    DomainError,
    Expired,
    MinSpendNotMet,
    NotClaimable,
    NotValidNow,
    SoldOut,
    ValidationFailed,
)
from alliance.core.money import MAX_FEN, format_fen
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from alliance.merchants.services import can_trade
from mall.coupons.models import KIND_LABELS, Audience, Channel, Coupon, CouponKind, CouponStatus

# ---------------------------------------------------------------------------------------------------
# Fields, checked together
# ---------------------------------------------------------------------------------------------------

VALUE_FIELDS = ("threshold_fen", "cut_fen", "percent_off", "cap_fen", "amount_fen", "gift_name")

# For each kind: the value fields it needs, and those it may have.
KIND_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    CouponKind.THRESHOLD_CUT: ({"threshold_fen", "cut_fen"}, set()),
    CouponKind.DISCOUNT: ({"percent_off"}, {"cap_fen", "threshold_fen"}),
    CouponKind.CASH: ({"amount_fen"}, {"threshold_fen"}),
    CouponKind.GIFT: ({"gift_name"}, set()),
    CouponKind.CASHBACK: ({"amount_fen"}, {"threshold_fen"}),
}

STOCK_MAX = 1_000_000
LIMIT_MAX = 100
VALID_DAYS_MAX = 3650
PARTNERS_MAX = 20
HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> tuple[int, int]:
    """'10:00-14:00' -> (600, 840); an end before the start crosses midnight ('22:00-02:00')."""
    match = HOURS_RE.match(text or "")
    if not match:
        raise ValueError("not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or end > 24 * 60 or start == end:
        raise ValueError("not a time range")
    return start, end


def check_fields(data: dict[str, Any], *, merchant_id: int, now: datetime) -> dict[str, Any]:
    """Every rule of a coupon's fields at once; returns the cleaned values or raises ValidationFailed
    with a message per field, so a form or an API client can fix everything in one go."""
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}

    def err(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    title = (data.get("title") or "").strip()
    if not title:
        err("title", _l("Please give the coupon a title."))
    elif len(title) > 100:
        err("title", _l("At most 100 characters."))
    clean["title"] = title
    description = (data.get("description") or "").strip()
    if len(description) > 2000:
        err("description", _l("At most 2000 characters."))
    clean["description"] = description or None

    kind = data.get("kind")
    if kind not in KIND_FIELDS:
        err("kind", _l("Choose one of the five kinds of coupon."))
    else:
        needed, optional = KIND_FIELDS[kind]
        kind_label = KIND_LABELS[CouponKind(kind)]
        for field in VALUE_FIELDS:
            value = data.get(field)
            if field == "gift_name":
                value = (value or "").strip() or None
            if value is None:
                if field in needed:
                    err(field, _l("A %(kind)s coupon needs this.", kind=kind_label))
                clean[field] = None
                continue
            if field not in needed | optional:
                err(field, _l("A %(kind)s coupon does not use this.", kind=kind_label))
                continue
            clean[field] = value
        _check_values(kind, clean, err)
    clean["kind"] = kind

    stock = data.get("stock_total")
    if stock is None:
        err("stock_total", _l("How many vouchers can be claimed in total?"))
    elif not 1 <= stock <= STOCK_MAX:
        err("stock_total", _l("Between 1 and %(n)s vouchers.", n=STOCK_MAX))
    clean["stock_total"] = stock
    per_customer = data.get("per_customer_limit")
    per_customer = 1 if per_customer is None else per_customer
    if not 1 <= per_customer <= LIMIT_MAX:
        err("per_customer_limit", _l("Between 1 and %(n)s per customer.", n=LIMIT_MAX))
    clean["per_customer_limit"] = per_customer
    daily = data.get("daily_limit")
    if daily is not None and not 1 <= daily <= per_customer:
        err("daily_limit", _l("Between 1 and the per-customer limit (%(n)s).", n=per_customer))
    clean["daily_limit"] = daily

    starts, ends = data.get("claim_starts_at"), data.get("claim_ends_at")
    if starts and ends and ends <= starts:
        err("claim_ends_at", _l("The claim window must end after it starts."))
    elif ends and ends <= now:
        err("claim_ends_at", _l("The claim window has already ended."))
    clean["claim_starts_at"], clean["claim_ends_at"] = starts, ends

    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    days = data.get("valid_days_after_claim")
    if days is not None and (valid_from or valid_until):
        err(
            "valid_days_after_claim",
            _l("Choose fixed validity dates or a number of days after claiming, not both."),
        )
    if days is not None and not 1 <= days <= VALID_DAYS_MAX:
        err("valid_days_after_claim", _l("Between 1 and %(n)s days.", n=VALID_DAYS_MAX))
    if valid_from and valid_until and valid_until <= valid_from:
        err("valid_until", _l("Validity must end after it starts."))
    elif valid_until and valid_until <= now:
        err("valid_until", _l("This validity has already ended."))
    elif valid_until and starts and valid_until <= starts:
        err("valid_until", _l("Vouchers would expire before anyone could claim them."))
    if valid_from and ends and valid_from > ends + timedelta(days=366):
        err("valid_from", _l("Validity starts more than a year after claiming ends."))
    clean["valid_from"], clean["valid_until"], clean["valid_days_after_claim"] = valid_from, valid_until, days

    weekdays = data.get("usable_weekdays")
    clean["usable_weekdays"] = None
    if weekdays is not None:
        if not weekdays:
            err("usable_weekdays", _l("Choose at least one weekday."))
        elif any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
            err("usable_weekdays", _l("Weekdays are numbers from 1 (Monday) to 7 (Sunday)."))
        elif len(set(weekdays)) != len(weekdays):
            err("usable_weekdays", _l("Each weekday once."))
        elif len(weekdays) < 7:
            clean["usable_weekdays"] = "".join(str(d) for d in sorted(weekdays))

    hours = data.get("usable_hours")
    clean["usable_from_minute"] = clean["usable_until_minute"] = None
    if hours:
        try:
            clean["usable_from_minute"], clean["usable_until_minute"] = parse_hours(hours)
        except ValueError:
            err("usable_hours", _l("Write the hours as HH:MM-HH:MM, for example 10:00-14:00."))

    audience = data.get("audience") or Audience.ALL
    if audience not in {a.value for a in Audience}:
        err("audience", _l("Everyone, or new customers only."))
    clean["audience"] = audience

    channel = data.get("channel") or Channel.MALL
    if channel not in {c.value for c in Channel}:
        err("channel", _l("In the mall, or rewards only."))
    clean["channel"] = channel

    partners = data.get("partner_merchant_ids") or []
    if len(set(partners)) != len(partners):
        err("partner_merchant_ids", _l("Each partner once."))
    elif len(partners) > PARTNERS_MAX:
        err("partner_merchant_ids", _l("At most %(n)s partner shops.", n=PARTNERS_MAX))
    elif merchant_id in partners:
        err("partner_merchant_ids", _l("Your own shop is not a partner of itself."))
    clean["partner_merchant_ids"] = sorted(set(partners))

    if errors:
        raise ValidationFailed(errors)
    return clean


def _check_values(kind: str, clean: dict, err: Callable) -> None:
    def money(field: str, minimum: int) -> None:
        value = clean.get(field)
        if value is not None and not minimum <= value <= MAX_FEN:
            err(field, _l("An amount in fen of at least %(n)s.", n=minimum))

    money("threshold_fen", 1 if kind == CouponKind.THRESHOLD_CUT else 0)
    money("cut_fen", 1)
    money("cap_fen", 1)
    money("amount_fen", 1)
    percent = clean.get("percent_off")
    if percent is not None and not 1 <= percent <= 99:
        err("percent_off", _l("A discount takes 1 to 99 percent off."))
    cut, threshold = clean.get("cut_fen"), clean.get("threshold_fen")
    if kind == CouponKind.THRESHOLD_CUT and cut and threshold and cut > threshold:
        err("cut_fen", _l("The cut cannot be larger than the spend it needs."))
    if kind != CouponKind.THRESHOLD_CUT and threshold == 0:
        clean["threshold_fen"] = None
    gift = clean.get("gift_name")
    if gift is not None and len(gift) > 100:
        err("gift_name", _l("At most 100 characters."))


# ---------------------------------------------------------------------------------------------------
# Claimable now
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRule:
    """An extra condition on claiming, given twice: for one coupon, and as a SQL filter for lists.

    `refusal(coupon, now)` returns the NotClaimable to raise, or None; `clause(now)` is the same
    condition on the `coupons` table. Both must agree, exactly at the boundaries.
    """

    name: str
    refusal: Callable[[Coupon, datetime], DomainError | None]
    clause: Callable[[datetime], sa.ColumnElement[bool]]
    # True when `refusal` judges from data a process keeps for a moment (a cache): a claim's stock
    # statement then re-checks `clause` in its WHERE, so a stale copy never lets a claim through.
    recheck_on_write: bool = False


_claim_rules: list[ClaimRule] = []


def add_claim_rule(rule: ClaimRule) -> None:
    if all(r.name != rule.name for r in _claim_rules):
        _claim_rules.append(rule)


def claim_window_open(coupon: Coupon, now: datetime) -> bool:
    """Inside [claim_starts_at, claim_ends_at): open exactly at the start, closed exactly at the end."""
    if coupon.claim_starts_at is not None and now < coupon.claim_starts_at:
        return False
    return coupon.claim_ends_at is None or now < coupon.claim_ends_at


def merchant_can_trade(merchant: Merchant) -> bool:
    """Whether a shop takes part now (its coupons are claimable, its tills redeem)."""
    return can_trade(merchant)


def claim_refusal(coupon: Coupon, now: datetime) -> DomainError | None:
    """Why `coupon` cannot be claimed at `now`, or None. Sold out only for an otherwise live coupon."""
    if coupon.status != CouponStatus.APPROVED:
        if coupon.status in (CouponStatus.WITHDRAWN, CouponStatus.ENDED):
            return NotClaimable(_l("This offer has ended."))
        return NotClaimable(_l("This coupon is not published."))
    if coupon.claim_starts_at is not None and now < coupon.claim_starts_at:
        return NotClaimable(_l("Not started yet."))
    if coupon.claim_ends_at is not None and now >= coupon.claim_ends_at:
        return NotClaimable(_l("This offer has ended."))
    if coupon.valid_until is not None and now >= coupon.valid_until:
        return NotClaimable(_l("This offer has ended."))
    if not merchant_can_trade(coupon.merchant):
        return NotClaimable(_l("This shop is not taking part at the moment."))
    for rule in _claim_rules:
        refusal = rule.refusal(coupon, now)
        if refusal is not None:
            return refusal
    if coupon.stock_remaining <= 0:
        return SoldOut()
    return None


def is_live(coupon: Coupon, now: datetime) -> bool:
    return claim_refusal(coupon, now) is None


def merchant_live_clause() -> sa.ColumnElement[bool]:
    """The SQL twin of `merchant_can_trade`, on `merchants`."""
    return Merchant.status == MerchantStatus.ACTIVE


def claimable_clause(now: datetime, *, with_merchant: bool = True) -> sa.ColumnElement[bool]:
    """The SQL twin of `claim_refusal(...) is None`, minus stock. With `with_merchant`, `merchants`
    must be joined; without, the caller restricts `coupons.merchant_id` to live merchants itself."""
    conditions = [
        Coupon.status == CouponStatus.APPROVED,
        sa.or_(Coupon.claim_starts_at.is_(None), Coupon.claim_starts_at <= now),
        sa.or_(Coupon.claim_ends_at.is_(None), Coupon.claim_ends_at > now),
        sa.or_(Coupon.valid_until.is_(None), Coupon.valid_until > now),
    ]
    if with_merchant:
        conditions.append(merchant_live_clause())
    conditions.extend(rule.clause(now) for rule in _claim_rules)
    return sa.and_(*conditions)


def write_recheck_clause(now) -> sa.ColumnElement[bool]:
    """What a claim's stock statement re-checks of the coupon in its WHERE: its status, claim window
    and validity, and the rules judged from a cache. `now` may be a bound parameter."""
    conditions = [
        Coupon.status == CouponStatus.APPROVED,
        sa.or_(Coupon.claim_starts_at.is_(None), Coupon.claim_starts_at <= now),
        sa.or_(Coupon.claim_ends_at.is_(None), Coupon.claim_ends_at > now),
        sa.or_(Coupon.valid_until.is_(None), Coupon.valid_until > now),
    ]
    conditions.extend(rule.clause(now) for rule in _claim_rules if rule.recheck_on_write)
    return sa.and_(*conditions)


def recheck_rule_names() -> tuple[str, ...]:
    return tuple(rule.name for rule in _claim_rules if rule.recheck_on_write)


def live_clause(now: datetime, *, with_merchant: bool = True) -> sa.ColumnElement[bool]:
    """Live coupons: claimable now and stock left."""
    return sa.and_(claimable_clause(now, with_merchant=with_merchant), Coupon.stock_remaining > 0)


def display_status(coupon: Coupon, now: datetime) -> str:
    """The status as of `now`: an approved coupon whose claim window is over has ended, job or no job."""
    if coupon.status == CouponStatus.APPROVED and any(
        end is not None and now >= end for end in (coupon.claim_ends_at, coupon.valid_until)
    ):
        return CouponStatus.ENDED
    return coupon.status


# ---------------------------------------------------------------------------------------------------
# Usable now (at the till)
# ---------------------------------------------------------------------------------------------------


def usable_today(coupon: Coupon, now: datetime) -> bool:
    return not coupon.usable_weekdays or str(clock.to_local(now).isoweekday()) in coupon.usable_weekdays


def usable_this_hour(coupon: Coupon, now: datetime) -> bool:
    start, end = coupon.usable_from_minute, coupon.usable_until_minute
    if start is None or end is None:
        return True
    local = clock.to_local(now)
    minute = local.hour * 60 + local.minute
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def usability_refusal(
    coupon: Coupon, valid_from: datetime, valid_until: datetime | None, now: datetime
) -> DomainError | None:
    """Why a voucher of `coupon` with this validity cannot be used at `now`, or None."""
    from alliance.core.i18n import localtime

    if valid_until is not None and now >= valid_until:
        return Expired(_l("Expired on %(when)s.", when=localtime(valid_until)))
    if now < valid_from:
        return NotValidNow(_l("Not valid yet: usable from %(when)s.", when=localtime(valid_from)))
    if not usable_today(coupon, now):
        from mall.coupons.wording import weekdays_text

        return NotValidNow(_l("Not usable today. Usable on %(days)s.", days=weekdays_text(coupon.weekdays)))
    if not usable_this_hour(coupon, now):
        return NotValidNow(_l("Not usable at this hour. Usable %(hours)s.", hours=coupon.usable_hours))
    return None


# ---------------------------------------------------------------------------------------------------
# The discount
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    order_amount_fen: int
    discount_fen: int
    payable_fen: int
    cashback_fen: int = 0
    gift_name: str | None = None


def quote(coupon: Coupon, order_amount_fen: int) -> Quote:
    """What the customer pays for an order of `order_amount_fen` with this coupon (API.md's table).

    Discounts round down to the fen: the customer never gets a fraction of a fen more than promised.
    """
    if order_amount_fen < 0:
        raise ValidationFailed({"order_amount_fen": [_l("The order amount cannot be negative.")]})
    threshold = coupon.threshold_fen or 0
    if order_amount_fen < threshold:
        raise MinSpendNotMet(_l("The order must reach %(amount)s.", amount=format_fen(threshold)))
    discount = cashback = 0
    if coupon.kind == CouponKind.THRESHOLD_CUT:
        discount = coupon.cut_fen
    elif coupon.kind == CouponKind.DISCOUNT:
        discount = order_amount_fen * coupon.percent_off // 100
        if coupon.cap_fen is not None:
            discount = min(discount, coupon.cap_fen)
    elif coupon.kind == CouponKind.CASH:
        discount = min(coupon.amount_fen, order_amount_fen)
    elif coupon.kind == CouponKind.CASHBACK:
        cashback = coupon.amount_fen
    discount = min(discount, order_amount_fen)
    return Quote(
        order_amount_fen=order_amount_fen,
        discount_fen=discount,
        payable_fen=order_amount_fen - discount,
        cashback_fen=cashback,
        gift_name=coupon.gift_name if coupon.kind == CouponKind.GIFT else None,
    )

"""A coupon in plain words, in the reader's language: the big value on its card, the condition under
it, and its rules in one line ("满100减20 · 周三可用 · 领取后7天内有效 · 剩余 12 张")."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.i18n import localdate
from alliance.core.money import format_yuan_short
from mall.coupons.models import Audience, Coupon, CouponKind

WEEKDAY_LABELS = {
    1: _l("Mon"),
    2: _l("Tue"),
    3: _l("Wed"),
    4: _l("Thu"),
    5: _l("Fri"),
    6: _l("Sat"),
    7: _l("Sun"),
}

LOW_STOCK_SHARE = 0.2  # below this share of the stock, cards show a thin bar of what is left


def _yuan(fen: int) -> str:
    return format_yuan_short(fen)


def percent_text(percent_off: int) -> str:
    """15 -> '15% off' / '8.5折' (折 counts what you pay, in tenths)."""
    paid = 100 - percent_off
    zhe = str(paid // 10) if paid % 10 == 0 else f"{paid / 10:g}"
    # The Chinese text names 折 (tenths paid) where the English names the percent taken off.
    return _("%(percent)s%% off", percent=percent_off, zhe=zhe)


def weekdays_text(days: list[int]) -> str:
    """[1,2,3,4,5] -> 'Mon–Fri' / '周一至周五'; [3] -> 'Wed' / '周三'; [1,3] -> 'Mon, Wed' / '周一、周三'."""
    if not days:
        return ""
    days = sorted(days)
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("%(start)s to %(end)s", start=WEEKDAY_LABELS[run[0]], end=WEEKDAY_LABELS[run[-1]]))
        else:
            parts.extend(str(WEEKDAY_LABELS[d]) for d in run)
    return _(", ").join(parts)


def card_value(coupon: Coupon) -> tuple[str, str]:
    """(big, small): ('¥20', 'Spend ¥100+') / ('8.5折', '满100可用 · 最高减50') / ('兑换券', '咖啡一杯')."""
    threshold = coupon.threshold_fen
    condition = _("On ¥%(amount)s or more", amount=_yuan(threshold)) if threshold else _("No minimum spend")
    if coupon.kind == CouponKind.THRESHOLD_CUT:
        return f"¥{_yuan(coupon.cut_fen)}", condition
    if coupon.kind == CouponKind.DISCOUNT:
        small = [condition] if threshold else []
        if coupon.cap_fen:
            small.append(_("Up to ¥%(amount)s off", amount=_yuan(coupon.cap_fen)))
        return percent_text(coupon.percent_off), " · ".join(small) or _("No minimum spend")
    if coupon.kind == CouponKind.CASH:
        return f"¥{_yuan(coupon.amount_fen)}", condition
    if coupon.kind == CouponKind.CASHBACK:
        return _("¥%(amount)s back", amount=_yuan(coupon.amount_fen)), _("Incentive cash")
    return _("Gift"), coupon.gift_name or ""


def headline(coupon: Coupon) -> str:
    """The offer in one phrase: '满100减20', '8.5折，最高减50', '¥20代金券', '返¥5激励金'."""
    threshold = coupon.threshold_fen
    if coupon.kind == CouponKind.THRESHOLD_CUT:
        return _(
            "¥%(cut)s off orders of ¥%(threshold)s or more",
            cut=_yuan(coupon.cut_fen),
            threshold=_yuan(threshold),
        )
    if coupon.kind == CouponKind.DISCOUNT:
        text = percent_text(coupon.percent_off)
        if threshold:
            text = _("%(offer)s on orders of ¥%(threshold)s or more", offer=text, threshold=_yuan(threshold))
        if coupon.cap_fen:
            text = _("%(offer)s, at most ¥%(cap)s off", offer=text, cap=_yuan(coupon.cap_fen))
        return text
    if coupon.kind == CouponKind.CASH:
        text = _("¥%(amount)s cash voucher", amount=_yuan(coupon.amount_fen))
    elif coupon.kind == CouponKind.CASHBACK:
        text = _("¥%(amount)s incentive cash back", amount=_yuan(coupon.amount_fen))
    else:
        return _("Gift: %(gift)s", gift=coupon.gift_name)
    if threshold:
        text = _("%(offer)s, on orders of ¥%(threshold)s or more", offer=text, threshold=_yuan(threshold))
    return text


def validity_text(coupon: Coupon) -> str:
    if coupon.valid_days_after_claim:
        return _("Valid for %(n)s days after claiming", n=coupon.valid_days_after_claim)
    if coupon.valid_from and coupon.valid_until:
        return _(
            "Valid %(start)s to %(end)s",
            start=_day(coupon.valid_from),
            end=_day(_last_moment(coupon.valid_until)),
        )
    if coupon.valid_until:
        return _("Valid until %(end)s", end=_day(_last_moment(coupon.valid_until)))
    if coupon.valid_from:
        return _("Valid from %(start)s", start=_day(coupon.valid_from))
    return _("No expiry date")


def _day(value: datetime) -> str:
    """A local day, with its year only when it is not this year: 12月3日 / Dec 3."""
    local = clock.to_local(value)
    same_year = local.year == clock.local_today().year
    if str(get_locale() or "zh") == "zh":
        return localdate(local.date(), "M月d日" if same_year else "y年M月d日")
    return localdate(local.date(), "MMM d" if same_year else "MMM d, y")


def last_day_text(until: datetime | None) -> str:
    """The last local day something is valid: an end at midnight means through the day before."""
    return _day(_last_moment(until)) if until else ""


def _last_moment(until: datetime) -> datetime:
    """An end at local midnight means 'through the day before'."""
    return until - timedelta(seconds=1)


def hours_text(coupon: Coupon) -> str:
    return _("Usable %(hours)s", hours=coupon.usable_hours.replace("-", "–")) if coupon.usable_hours else ""


def rules(coupon: Coupon, *, remaining: bool = True) -> list[str]:
    """The rules in plain words, in the order a customer asks about them."""
    parts = [headline(coupon)]
    if coupon.usable_weekdays:
        parts.append(_("Usable on %(days)s", days=weekdays_text(coupon.weekdays)))
    if coupon.usable_hours:
        parts.append(hours_text(coupon))
    parts.append(validity_text(coupon))
    if coupon.per_customer_limit and coupon.per_customer_limit > 1:
        parts.append(_("Limit %(n)s per customer", n=coupon.per_customer_limit))
    else:
        parts.append(_("One per customer"))
    if coupon.daily_limit:
        parts.append(_("Limit %(n)s per customer per day", n=coupon.daily_limit))
    if coupon.audience == Audience.NEW_CUSTOMERS:
        parts.append(_("New customers of this shop only"))
    if coupon.partners:
        parts.append(_("Also accepted at %(shops)s", shops=_(", ").join(m.name for m in coupon.partners)))
    if remaining:
        parts.append(_("%(n)s left", n=coupon.stock_left))
    return parts


def claim_window_text(coupon: Coupon) -> str:
    if coupon.claim_starts_at and coupon.claim_ends_at:
        return _(
            "Claim from %(start)s until %(end)s",
            start=_short_time(coupon.claim_starts_at),
            end=_short_time(coupon.claim_ends_at),
        )
    if coupon.claim_starts_at:
        return _("Claim from %(start)s", start=_short_time(coupon.claim_starts_at))
    if coupon.claim_ends_at:
        return _("Claim until %(end)s", end=_short_time(coupon.claim_ends_at))
    return ""


def _short_time(value: datetime) -> str:
    from alliance.core.i18n import localtime

    return localtime(value, "short")


def low_stock(coupon: Coupon) -> bool:
    return 0 < coupon.stock_left <= max(1, int(coupon.stock_total * LOW_STOCK_SHARE))


def stock_percent(coupon: Coupon) -> int:
    if not coupon.stock_total:
        return 0
    return round(100 * coupon.stock_left / coupon.stock_total)


def time_left_text(until: datetime | None, now: datetime | None = None) -> str:
    """'3 days left' / '5 hours left' / '12 minutes left' for a voucher's validity."""
    if until is None:
        return _("No expiry date")
    now = now or clock.now_utc()
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return _("Expired")
    if seconds >= 2 * 86400:
        return _("%(n)s days left", n=seconds // 86400)
    if seconds >= 3600:
        return _("%(n)s hours left", n=seconds // 3600)
    return _("%(n)s minutes left", n=max(1, seconds // 60))

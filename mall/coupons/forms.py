"""Web forms for coupons: the owner's coupon form (money in yuan, dates in local time), and review."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.core import clock
from alliance.core.forms import BaseForm
from alliance.core.money import AmountTooLarge, parse_yuan
from mall.coupons.models import AUDIENCE_LABELS, CHANNEL_LABELS, KIND_LABELS, Coupon, CouponKind
from mall.coupons.rules import STOCK_MAX

WEEKDAY_CHOICES = [
    (1, _l("Mon")),
    (2, _l("Tue")),
    (3, _l("Wed")),
    (4, _l("Thu")),
    (5, _l("Fri")),
    (6, _l("Sat")),
    (7, _l("Sun")),
]

# The form's names for the service's fields, so the service's field errors land on the right input.
FORM_FIELD_FOR = {
    "threshold_fen": "threshold",
    "cut_fen": "cut",
    "cap_fen": "cap",
    "amount_fen": "amount",
    "usable_hours": "usable_from",
    "usable_weekdays": "usable_weekdays",
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class YuanField(StringField):
    """An amount typed in yuan ('20', '12.50'); `fen` holds the parsed value."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)
        self.fen: int | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        text = (self.data or "").strip()
        self.fen = None
        if text:
            try:
                self.fen = parse_yuan(text)
            except AmountTooLarge:
                raise ValueError(_l("That amount is far too large."))
            except ValueError:
                raise ValueError(_l("An amount like 20 or 12.50."))

    def _value(self):
        return self.data or ""


class CouponForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=2000)])
    kind = RadioField(
        _l("Kind"),
        choices=[(k.value, KIND_LABELS[k]) for k in CouponKind],
        default=CouponKind.THRESHOLD_CUT.value,
        validators=[DataRequired()],
    )
    threshold = YuanField(
        _l("Minimum spend (yuan)"),
        description=_l("Required for a threshold cut; optional for the other kinds"),
    )
    cut = YuanField(_l("Amount off (yuan)"))
    percent_off = IntegerField(
        _l("Percent off"), validators=[Optional()], description=_l("15 means 15% off, shown as 8.5折")
    )
    cap = YuanField(_l("At most off (yuan, optional)"))
    amount = YuanField(_l("Value (yuan)"))
    gift_name = StringField(_l("Gift"), validators=[Optional(), Length(max=100)])
    stock_total = IntegerField(
        _l("Vouchers in total"),
        validators=[
            InputRequired(),
            NumberRange(min=1, max=STOCK_MAX, message=_l("Between %(min)s and %(max)s.")),
        ],
    )
    per_customer_limit = IntegerField(_l("Per customer"), default=1, validators=[Optional()])
    daily_limit = IntegerField(_l("Per customer per day (optional)"), validators=[Optional()])
    claim_starts_at = DateTimeLocalField(_l("Claiming opens (optional)"), validators=[Optional()])
    claim_ends_at = DateTimeLocalField(_l("Claiming closes (optional)"), validators=[Optional()])
    validity = RadioField(
        _l("Validity"),
        choices=[
            ("days", _l("A number of days after claiming")),
            ("dates", _l("Fixed dates")),
            ("none", _l("No expiry date")),
        ],
        default="days",
    )
    valid_days_after_claim = IntegerField(_l("Days after claiming"), default=7, validators=[Optional()])
    valid_from = DateField(_l("Valid from (optional)"), validators=[Optional()])
    valid_until = DateField(_l("Valid until (last day)"), validators=[Optional()])
    usable_weekdays = MultiCheckboxField(
        _l("Usable on (none ticked: every day)"), choices=WEEKDAY_CHOICES, coerce=int
    )
    usable_from = TimeField(_l("Usable from (optional)"), validators=[Optional()])
    usable_until = TimeField(_l("Usable until"), validators=[Optional()])
    audience = SelectField(
        _l("Who may claim"), choices=[(a.value, label) for a, label in AUDIENCE_LABELS.items()], default="all"
    )
    channel = SelectField(
        _l("Where customers get it"),
        choices=[(c.value, label) for c, label in CHANNEL_LABELS.items()],
        default="mall",
        description=_l("Rewards only: never listed in the mall; given by a chain or inside a coupon pack."),
    )
    partner_merchant_ids = MultiCheckboxField(_l("Also accepted at (partner shops)"), coerce=int, choices=[])
    submit = SubmitField(_l("Save draft"))

    def validate_usable_until(self, field):
        if bool(self.usable_from.data) != bool(field.data):
            raise ValidationError(_l("Give both times, or neither."))

    def to_data(self) -> dict:
        """The service's fields: fen, aware UTC times, 'HH:MM-HH:MM'."""

        def local(value: datetime | None) -> datetime | None:
            return clock.ensure_utc(value) if value else None

        def day_start(day) -> datetime | None:
            return clock.local_midnight_utc(day) if day else None

        hours = None
        if self.usable_from.data and self.usable_until.data:
            end = self.usable_until.data.strftime("%H:%M")
            hours = f"{self.usable_from.data.strftime('%H:%M')}-{'24:00' if end == '00:00' else end}"
        validity = self.validity.data
        kind = self.kind.data
        value_fields = {
            CouponKind.THRESHOLD_CUT: ("threshold", "cut"),
            CouponKind.DISCOUNT: ("percent_off", "cap", "threshold"),
            CouponKind.CASH: ("amount", "threshold"),
            CouponKind.GIFT: ("gift_name",),
            CouponKind.CASHBACK: ("amount", "threshold"),
        }.get(kind, ())

        def value(name: str):
            if name not in value_fields:
                return None
            field = getattr(self, name)
            if isinstance(field, YuanField):
                return field.fen
            return field.data if field.data != "" else None

        return {
            "title": self.title.data,
            "description": self.description.data,
            "kind": kind,
            "threshold_fen": value("threshold"),
            "cut_fen": value("cut"),
            "percent_off": value("percent_off"),
            "cap_fen": value("cap"),
            "amount_fen": value("amount"),
            "gift_name": value("gift_name"),
            "stock_total": self.stock_total.data,
            "per_customer_limit": self.per_customer_limit.data,
            "daily_limit": self.daily_limit.data,
            "claim_starts_at": local(self.claim_starts_at.data),
            "claim_ends_at": local(self.claim_ends_at.data),
            "valid_days_after_claim": self.valid_days_after_claim.data if validity == "days" else None,
            "valid_from": day_start(self.valid_from.data) if validity == "dates" else None,
            "valid_until": (
                day_start(self.valid_until.data + timedelta(days=1))
                if validity == "dates" and self.valid_until.data
                else None
            ),
            "usable_weekdays": list(self.usable_weekdays.data) or None,
            "usable_hours": hours,
            "audience": self.audience.data,
            "channel": self.channel.data,
            "partner_merchant_ids": list(self.partner_merchant_ids.data or []),
        }

    def fill_from(self, coupon: Coupon) -> None:
        """Show a saved coupon in the form (money back in yuan, times in local time)."""
        from alliance.core.money import format_yuan_short

        def local(value):
            return clock.to_local(value).replace(tzinfo=None) if value else None

        self.title.data = coupon.title
        self.description.data = coupon.description
        self.kind.data = coupon.kind
        for name in ("threshold", "cut", "cap", "amount"):
            fen = getattr(coupon, f"{name}_fen")
            getattr(self, name).data = format_yuan_short(fen) if fen is not None else ""
        self.percent_off.data = coupon.percent_off
        self.gift_name.data = coupon.gift_name
        self.stock_total.data = coupon.stock_total
        self.per_customer_limit.data = coupon.per_customer_limit
        self.daily_limit.data = coupon.daily_limit
        self.claim_starts_at.data = local(coupon.claim_starts_at)
        self.claim_ends_at.data = local(coupon.claim_ends_at)
        if coupon.valid_days_after_claim:
            self.validity.data = "days"
        elif coupon.valid_from or coupon.valid_until:
            self.validity.data = "dates"
        else:
            self.validity.data = "none"
        self.valid_days_after_claim.data = coupon.valid_days_after_claim
        self.valid_from.data = local(coupon.valid_from).date() if coupon.valid_from else None
        self.valid_until.data = (
            (local(coupon.valid_until) - timedelta(seconds=1)).date() if coupon.valid_until else None
        )
        self.usable_weekdays.data = coupon.weekdays
        if coupon.usable_from_minute is not None:
            self.usable_from.data = time(coupon.usable_from_minute // 60, coupon.usable_from_minute % 60)
            end = coupon.usable_until_minute % (24 * 60)
            self.usable_until.data = time(end // 60, end % 60)
        self.audience.data = coupon.audience
        self.channel.data = coupon.channel
        self.partner_merchant_ids.data = coupon.partner_merchant_ids


class ReviewForm(BaseForm):
    reason = TextAreaField(
        _l("Reason (needed to reject; the merchant sees it)"),
        validators=[Optional(), Length(max=500)],
        render_kw={"rows": 2},
    )
    # Funding (mall.funding), optional: a budget pays the bank's share of each discount.
    budget_id = SelectField(
        _l("Budget for the bank's share"), coerce=int, choices=[], validators=[Optional()]
    )
    bank_share_percent = IntegerField(
        _l("Bank's share of each discount (%)"),
        validators=[Optional(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "numeric"},
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class WithdrawForm(BaseForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Withdraw"))

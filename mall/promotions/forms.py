"""Web forms for promotions: the lead's set-up, a partner's decision, staff review."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from alliance.core.forms import BaseForm
from alliance.core.money import AmountTooLarge, parse_yuan
from mall.coupons.forms import MultiCheckboxField
from mall.promotions.models import SHAPE_LABELS


class PromotionForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(
        _l("What customers are told (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    shape = RadioField(
        _l("Shape"), choices=[(s.value, label) for s, label in SHAPE_LABELS.items()], default="chain"
    )
    coupon_id = SelectField(_l("Your coupon"), coerce=int, choices=[])
    min_order = StringField(
        _l("Chain: smallest order that earns the rewards, in yuan (optional)"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal"},
    )
    partner_merchant_ids = MultiCheckboxField(_l("Partner shops of other trades"), coerce=int, choices=[])
    submit = SubmitField(_l("Send invitations"))

    def validate_min_order(self, field):
        if field.data:
            try:
                self.min_order_fen = parse_yuan(field.data)
            except (ValueError, AmountTooLarge):
                raise ValidationError(_l("Write an amount in yuan, for example 100 or 88.50."))

    def to_data(self, merchant_id: int) -> dict:
        return {
            "merchant_id": merchant_id,
            "title": self.title.data,
            "description": self.description.data,
            "shape": self.shape.data,
            "coupon_id": self.coupon_id.data,
            "min_order_fen": getattr(self, "min_order_fen", None) if self.min_order.data else None,
            "partner_merchant_ids": list(self.partner_merchant_ids.data or []),
        }


class DecisionForm(BaseForm):
    coupon_id = SelectField(_l("The coupon you bring"), coerce=int, choices=[], validate_choice=False)
    reason = StringField(_l("Reason for declining"), validators=[Optional(), Length(max=500)])
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class ReviewForm(BaseForm):
    reason = TextAreaField(
        _l("Reason (needed to reject; the merchants see it)"),
        validators=[Optional(), Length(max=500)],
        render_kw={"rows": 2},
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))

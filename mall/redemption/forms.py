"""The till's forms: scan or type, the amount, confirm; and a reversal with its reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from alliance.core.forms import BaseForm
from alliance.core.money import AmountTooLarge, parse_yuan


class TillForm(BaseForm):
    code = StringField(
        _l("Voucher code"),
        validators=[Optional(), Length(max=64)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "placeholder": "K7Q9-M2XP-ABCD",
            "enterkeyhint": "next",
        },
    )
    qr_payload = HiddenField(validators=[Optional(), Length(max=1000)])
    photo = FileField(
        _l("Photo of the QR code"),
        validators=[
            Optional(),
            FileAllowed(["jpg", "jpeg", "png", "webp", "heic", "gif"], _l("A photo, please.")),
        ],
        render_kw={"accept": "image/*", "capture": "environment"},
    )
    amount = StringField(
        _l("Order amount (yuan)"),
        validators=[DataRequired(message=_l("Enter the order amount."))],
        render_kw={
            "inputmode": "decimal",
            "autocomplete": "off",
            "placeholder": "0.00",
            "enterkeyhint": "go",
        },
    )
    submit = SubmitField(_l("Next"))

    def validate_amount(self, field):
        try:
            fen = parse_yuan(field.data)
        except AmountTooLarge:
            raise ValidationError(_l("That amount is far too large."))
        except ValueError:
            raise ValidationError(_l("An amount like 128 or 128.50."))
        if fen < 0:
            raise ValidationError(_l("An amount like 128 or 128.50."))
        self.amount_fen = fen


class ConfirmRedemptionForm(BaseForm):
    ticket = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Confirm redemption"))


class ReversalForm(BaseForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Say why, for the records.")), Length(max=500)],
        render_kw={"rows": 2, "placeholder": _l("For example: the customer cancelled the order")},
    )
    submit = SubmitField(_l("Reverse"))

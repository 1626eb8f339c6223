"""The till's forms: one screen to scan or type, enter the amount and confirm; a reversal with its reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from alliance.core.forms import BaseForm
from alliance.core.money import AmountTooLarge, parse_yuan


class TillForm(BaseForm):
    code = StringField(
        _l("Voucher code"),
        # a scanner gun types the whole signed QR payload into this field
        validators=[Optional(), Length(max=1000)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "placeholder": "K7Q9-M2XP-ABCD",
            "enterkeyhint": "next",
            "autofocus": True,
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
    # The customer's payment code for incentive cash (激励金), with a voucher or alone.
    customer_code = StringField(
        _l("Payment code for incentive cash (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    nonce = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])
    submit = SubmitField(_l("Confirm redemption"))

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


REVERSAL_REASONS = [
    _l("The customer cancelled the order"),
    _l("Wrong amount entered"),
    _l("Wrong voucher scanned"),
    _l("The customer asked to pay without the voucher"),
]


class ReversalForm(BaseForm):
    preset = RadioField(
        _l("Reason"),
        choices=[(str(i), label) for i, label in enumerate(REVERSAL_REASONS)] + [("other", _l("Other"))],
        validators=[Optional()],
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=500)],
        render_kw={"rows": 2, "placeholder": _l("For example: the customer cancelled the order")},
    )
    submit = SubmitField(_l("Reverse"))

    def validate_reason(self, field):
        preset = self.preset.data
        if preset not in (None, "", "None", "other") and preset.isdigit():
            field.data = str(REVERSAL_REASONS[int(preset)])
        elif not (field.data or "").strip():
            raise ValidationError(_l("Say why, for the records."))

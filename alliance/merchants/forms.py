"""Web forms of the alliance: applying, the shop's profile and clerks, staff decisions, figures,
tier thresholds, service packages, the whitelist, prospects and visits, and the figures import."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from alliance.core.forms import BaseForm
from alliance.core.money import MAX_FEN, parse_yuan
from alliance.merchants.constants import (
    FIGURE_LABELS,
    FIGURES,
    FORMAT_LABELS,
    INDUSTRY_LABELS,
    PROSPECT_STAGE_LABELS,
    STORE_TYPE_LABELS,
    TRANSACTION_COUNT_LABEL,
    VISIT_STEP_LABELS,
    choices,
)
from alliance.merchants.tiers import RANKED_TIERS

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 yuan = 1,000,000 fen


def parse_wan(text: str | None) -> int | None:
    """'50', '12.5' (万元) -> fen; '' -> None; ValueError for anything else."""
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not value.is_finite() or value < 0:
        raise ValueError("not an amount")
    fen = value * FEN_PER_WAN
    if fen != fen.to_integral_value() or fen > MAX_FEN:
        raise ValueError("not an amount")
    return int(fen)


def wan_text(fen: int | None) -> str:
    if fen is None:
        return ""
    value = Decimal(int(fen)) / FEN_PER_WAN
    return format(value.normalize(), "f")


def yuan_text(fen: int | None) -> str:
    if fen is None:
        return ""
    yuan, cents = divmod(int(fen), 100)
    return f"{yuan}.{cents:02d}" if cents else str(yuan)


class WanField(StringField):
    """An amount in 万元 (ten thousand yuan), the unit the branch thinks in; `.fen` after validation."""

    fen: int | None = None

    def pre_validate(self, form):
        try:
            self.fen = parse_wan(self.data)
        except ValueError as exc:
            raise ValidationError(_l("Enter an amount in 10k yuan, like 50 or 12.5.")) from exc


class YuanField(StringField):
    """An amount in yuan with at most two decimals; `.fen` after validation."""

    fen: int | None = None

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if not text:
            self.fen = 0
            return
        try:
            self.fen = parse_yuan(text)
        except ValueError as exc:
            raise ValidationError(_l("Enter an amount in yuan, like 1234.50.")) from exc
        if self.fen < 0:
            raise ValidationError(_l("Enter an amount of zero or more."))


class ShopDetailsMixin:
    name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=100)])
    format = SelectField(_l("Format"), choices=choices(FORMAT_LABELS), default="street_shop")
    industry = SelectField(_l("Trade"), choices=choices(INDUSTRY_LABELS))
    store_type = SelectField(_l("Kind of shop"), choices=choices(STORE_TYPE_LABELS))
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    phone = StringField(
        _l("Shop phone"), validators=[Optional(), Length(max=32)], render_kw={"inputmode": "tel"}
    )
    opening_hours = StringField(
        _l("Opening hours"),
        validators=[Optional(), Length(max=100)],
        description=_l("For example: 10:00–22:00, closed on Mondays"),
    )
    description = TextAreaField(
        _l("About the shop"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3}
    )


CHOOSE = ("", _l("Choose…"))


def _chosen(message):
    """A select that starts on 'Choose…' and must be changed."""
    return [DataRequired(message=message)]


class ApplicationForm(ShopDetailsMixin, BaseForm):
    """A real application: nothing is chosen for the applicant; the bank's fields come with it."""

    district_id = SelectField(
        _l("Business district"),
        coerce=lambda v: int(v) if str(v).isdigit() else None,
        validators=_chosen(_l("Choose the business district.")),
    )
    format = SelectField(
        _l("Format"), choices=[CHOOSE, *choices(FORMAT_LABELS)], validators=_chosen(_l("Choose the format."))
    )
    industry = SelectField(
        _l("Trade"), choices=[CHOOSE, *choices(INDUSTRY_LABELS)], validators=_chosen(_l("Choose the trade."))
    )
    store_type = SelectField(
        _l("Kind of shop"),
        choices=[CHOOSE, *choices(STORE_TYPE_LABELS)],
        validators=_chosen(_l("Choose the kind of shop.")),
    )
    address = StringField(
        _l("Address"),
        validators=[DataRequired(message=_l("Where customers find the shop.")), Length(max=200)],
    )
    legal_name = StringField(
        _l("Legal name (as on the business licence)"),
        validators=[DataRequired(message=_l("As printed on the business licence.")), Length(max=200)],
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(message=_l("The 18 characters on the business licence.")), Length(max=32)],
        render_kw={
            "autocapitalize": "characters",
            "spellcheck": "false",
            "autocomplete": "off",
            "placeholder": "91350100M000100Y43",
        },
        description=_l("18 characters, on the business licence"),
    )
    licence = FileField(
        _l("Photo of the business licence"),
        validators=[FileRequired(_l("Add a photo of the business licence."))],
        description=_l("PNG, JPEG, WebP or GIF, at most 2 MB; only the branch's staff see it"),
        render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif"},
    )
    contact_name = StringField(
        _l("Contact person"), validators=[DataRequired(message=_l("Whom the branch calls.")), Length(max=64)]
    )
    contact_mobile = StringField(
        _l("Contact's mobile number"),
        validators=[DataRequired(message=_l("An 11-digit mobile number.")), Length(max=32)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    username = StringField(
        _l("Username for signing in"),
        validators=[DataRequired(), Length(min=3, max=64)],
        description=_l("3 to 64 letters, digits or - _ . @"),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=8, max=128)],
        description=_l("At least 8 characters"),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    display_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=64)])
    logo = FileField(_l("Logo (optional)"), description=_l("PNG, JPEG, WebP or GIF, at most 2 MB"))
    referral_code = StringField(_l("Referral code (optional)"), validators=[Optional(), Length(max=16)])
    invite = HiddenField()
    submit = SubmitField(_l("Send the application"))

    def validate_credit_code(self, field):
        from alliance.merchants.services.applications import credit_code_error, normalise_credit_code

        message = credit_code_error(normalise_credit_code(field.data))
        if message:
            raise ValidationError(message)


class ShopProfileForm(ShopDetailsMixin, BaseForm):
    submit = SubmitField(_l("Save"))


class LogoForm(BaseForm):
    logo = FileField(
        _l("New logo"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l("PNG, JPEG, WebP or GIF, at most 2 MB"),
    )
    submit = SubmitField(_l("Upload logo"))


class ClerkForm(BaseForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=64)],
        description=_l("3 to 64 letters, digits or - _ . @"),
    )
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=128)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Create clerk account"))


class ReasonForm(BaseForm):
    """A decision with a reason (reject, suspend, remove, leave, whitelist changes)."""

    action = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Confirm"))


class FiguresForm(BaseForm):
    month = StringField(
        _l("Month"),
        validators=[DataRequired()],
        render_kw={"type": "month", "placeholder": "2026-10"},
    )
    avg_daily_balance_fen = YuanField(
        FIGURE_LABELS[FIGURES[0]], render_kw={"inputmode": "decimal"}, description=_l("yuan")
    )
    acquiring_volume_fen = YuanField(
        FIGURE_LABELS[FIGURES[1]], render_kw={"inputmode": "decimal"}, description=_l("yuan")
    )
    fee_income_fen = YuanField(
        FIGURE_LABELS[FIGURES[2]], render_kw={"inputmode": "decimal"}, description=_l("yuan")
    )
    loan_credit_fen = YuanField(
        FIGURE_LABELS[FIGURES[3]], render_kw={"inputmode": "decimal"}, description=_l("yuan")
    )
    transaction_count = IntegerField(
        TRANSACTION_COUNT_LABEL,
        validators=[Optional(), NumberRange(min=0)],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save figures"))


class CareForm(BaseForm):
    account_manager_id = SelectField(_l("Account manager"), coerce=int)
    collection_day = IntegerField(
        _l("Collection day (day of month)"),
        validators=[Optional(), NumberRange(min=1, max=31)],
        render_kw={"inputmode": "numeric"},
    )
    payment_day = IntegerField(
        _l("Payment day (day of month)"),
        validators=[Optional(), NumberRange(min=1, max=31)],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save"))


def tier_policy_form_class():
    """The thresholds form: one 万元 field per tier A–D and figure, and the figures-required setting."""
    attrs = {
        "figures_required": SelectField(
            _l("Figures that must reach a tier's thresholds"),
            coerce=int,
            choices=[(n, str(n)) for n in range(1, 5)],
        ),
        "submit": SubmitField(_l("Save thresholds and re-tier")),
    }
    for tier in RANKED_TIERS:
        for figure in FIGURES:
            attrs[f"{tier}_{figure}"] = WanField(
                FIGURE_LABELS[figure], render_kw={"inputmode": "decimal", "autocomplete": "off"}
            )
    return type("TierPolicyForm", (BaseForm,), attrs)


TierPolicyForm = tier_policy_form_class()


class ServicePackageForm(BaseForm):
    name = StringField(_l("Package name"), validators=[DataRequired(), Length(max=100)])
    rights = TextAreaField(
        _l("Rights and services, one per line"), validators=[DataRequired()], render_kw={"rows": 5}
    )
    submit = SubmitField(_l("Save package"))


class WhitelistPolicyForm(BaseForm):
    min_acquiring_volume_fen = WanField(
        _l("Settlement volume at least (annual acquiring, 10k yuan)"), render_kw={"inputmode": "decimal"}
    )
    min_avg_daily_balance_fen = WanField(
        _l("Retained balance at least (monthly average daily, 10k yuan)"), render_kw={"inputmode": "decimal"}
    )
    min_fee_income_fen = WanField(
        _l("Overall contribution at least (annual fee income, 10k yuan)"), render_kw={"inputmode": "decimal"}
    )
    package_name = StringField(
        _l("Recommended settlement package"), validators=[DataRequired(), Length(max=100)]
    )
    package_details = TextAreaField(
        _l("What the package gives"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Save criteria"))


class ProspectForm(BaseForm):
    name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=100)])
    district_id = SelectField(_l("Business district"), coerce=int)
    industry = SelectField(_l("Trade"), choices=choices(INDUSTRY_LABELS))
    store_type = SelectField(_l("Kind of shop"), choices=[("", "—"), *choices(STORE_TYPE_LABELS)])
    format = SelectField(_l("Format"), choices=[("", "—"), *choices(FORMAT_LABELS)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=64)])
    contact_phone = StringField(
        _l("Contact phone"), validators=[Optional(), Length(max=32)], render_kw={"inputmode": "tel"}
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    assigned_to_id = SelectField(_l("Account manager"), coerce=int)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Save prospect"))


class VisitForm(BaseForm):
    visited_on = DateField(_l("Day of the visit"), validators=[DataRequired()])
    icebreaker = TextAreaField(
        VISIT_STEP_LABELS["icebreaker"], validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    purpose = TextAreaField(
        VISIT_STEP_LABELS["purpose"], validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    needs_found = TextAreaField(
        VISIT_STEP_LABELS["needs_found"], validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    products_proposed = TextAreaField(
        VISIT_STEP_LABELS["products_proposed"],
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Save visit"))


class StageForm(BaseForm):
    stage = SelectField(_l("Stage"), choices=choices(PROSPECT_STAGE_LABELS))
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Change stage"))


class ImportForm(BaseForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l("UTF-8 or GBK, as Excel saves it; at most 50,000 rows"),
    )
    submit = SubmitField(_l("Check the file"))

"""Web forms: programme entries with recurrence in plain choices, cancellations, check-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.core.forms import BaseForm
from mall.programme import recurrence as rec
from mall.programme.constants import FORMAT_LABELS, STATUS_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EntryForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    branch_id = SelectField(_l("Branch"), coerce=int)
    district_ids = MultiCheckboxField(
        _l("Districts"), coerce=int, description=_l("None chosen: the whole branch.")
    )
    event_format = SelectField(
        _l("Kind of event"), choices=[(k.value, v) for k, v in FORMAT_LABELS.items()], validators=[Optional()]
    )
    first_day = DateField(_l("First day"), validators=[DataRequired()])
    last_day = DateField(_l("Last day"), validators=[Optional()])
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    recurrence = SelectField(_l("Repeats"), choices=rec.CHOICES, default=rec.NONE)
    weekdays = MultiCheckboxField(
        _l("On"), coerce=int, choices=[(n + 1, label) for n, label in enumerate(rec.WEEKDAY_LABELS)]
    )
    until = DateField(_l("Repeats until"), validators=[Optional()], description=_l("Empty: no end."))
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    online_url = StringField(_l("Online address"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(
        _l("Seats"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Empty: no registration."),
    )
    colour = StringField(_l("Colour"), validators=[Optional(), Length(max=7)], render_kw={"type": "color"})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    banner = FileField(
        _l("Banner image"),
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], _l("A JPEG, PNG or WebP image."))],
    )
    merchant_ids = MultiCheckboxField(_l("Merchants taking part"), coerce=int)
    coupon_ids = MultiCheckboxField(
        _l("Coupons of this entry"),
        coerce=int,
        description=_l("Claimable only inside this entry's dates (a daily deal: on its days)."),
    )
    status = SelectField(_l("Status"), choices=[(k.value, v) for k, v in STATUS_LABELS.items()])
    submit = SubmitField(_l("Save"))


class CancelOccurrenceForm(BaseForm):
    occurrence = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Cancel this occurrence"))


class RegisterForm(BaseForm):
    occurrence = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Register"))


class CheckinForm(BaseForm):
    payload = StringField(
        _l("Check-in code"),
        validators=[DataRequired(), Length(max=4096)],
        render_kw={"autofocus": True, "autocomplete": "off"},
    )
    submit = SubmitField(_l("Check in"))

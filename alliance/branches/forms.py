"""Web forms for branches and districts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from alliance.core.forms import BaseForm


class BranchForm(BaseForm):
    name = StringField(_l("Branch name"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add branch"))


class DistrictForm(BaseForm):
    name = StringField(_l("District name"), validators=[DataRequired(), Length(max=100)])
    branch_id = SelectField(_l("Branch"), coerce=int)
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Add district"))

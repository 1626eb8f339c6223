"""Web forms: a new budget, a statement's payment reference."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from alliance.core.forms import BaseForm
from mall.coupons.forms import YuanField


class BudgetForm(BaseForm):
    name = StringField(_l("Budget name"), validators=[DataRequired(), Length(max=100)])
    total = YuanField(_l("Amount (yuan)"), validators=[DataRequired()])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    funds_incentives = BooleanField(_l("Pays the incentive cash customers spend at tills"))
    submit = SubmitField(_l("Open the budget"))


class PaidForm(BaseForm):
    reference = StringField(_l("Payment reference"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Mark paid"))

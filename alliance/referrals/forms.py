"""Staff's form for the branch's referral rules (amounts typed in yuan)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from alliance.core.forms import BaseForm
from alliance.core.money import parse_yuan


class YuanField(StringField):
    """An amount in yuan (up to two decimals), zero or more; `.fen` after validation."""

    fen: int = 0

    def pre_validate(self, form):
        try:
            self.fen = parse_yuan((self.data or "").strip())
        except ValueError as exc:
            raise ValidationError(_l("Enter an amount in yuan, like 10 or 12.50.")) from exc
        if self.fen < 0:
            raise ValidationError(_l("Enter an amount of zero or more."))


def _yuan_field(label):
    return YuanField(
        label,
        validators=[DataRequired(message=_l("Enter an amount in yuan, like 10 or 12.50."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class RulesForm(BaseForm):
    referrer_reward = _yuan_field(_l("Reward to the referrer (yuan)"))
    referee_reward = _yuan_field(_l("Welcome reward to the new member (yuan)"))
    monthly_cap = _yuan_field(_l("Monthly cap per referrer (yuan)"))
    submit = SubmitField(_l("Save the rules"))

"""The base of every web form: text fields refuse control characters, and dates outside the years a
person means, each with the field's own error."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms.fields import FileField

from alliance.core.schemas import FIRST_YEAR, LAST_YEAR, YEAR_MESSAGE
from alliance.core.text import CONTROL_MESSAGE, has_control_characters


class BaseForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            if isinstance(field, FileField):
                continue
            values = field.data if isinstance(field.data, list) else [field.data]
            raw = getattr(field, "raw_data", None) or []
            if any(has_control_characters(v) for v in [*values, *raw]):
                field.errors = [*(field.errors or []), CONTROL_MESSAGE]
                ok = False
            elif isinstance(field.data, date) and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
                field.errors = [*(field.errors or []), YEAR_MESSAGE]
                ok = False
        return ok

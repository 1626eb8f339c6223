"""Web forms for signing in, registering and managing accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from alliance.core.forms import BaseForm


class LoginForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class RegisterForm(BaseForm):
    username = StringField(
        _l("Username"),
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
    display_name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("Mobile phone (optional)"), validators=[Optional(), Length(max=32)])
    referral_code = StringField(_l("Referral code (optional)"), validators=[Optional(), Length(max=16)])
    submit = SubmitField(_l("Create account"))


class ProfileForm(BaseForm):
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Save"))


class PasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class UserCreateForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=128)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=64)])
    role = SelectField(
        _l("Role"),
        choices=[("staff", _l("Branch staff")), ("admin", _l("Administrator")), ("clerk", _l("Clerk"))],
    )
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[Optional()])
    merchant_id = SelectField(_l("Merchant (for clerks)"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Create the account"))


class ConfirmForm(BaseForm):
    """A button that changes something: carries only the CSRF token."""

    submit = SubmitField(_l("Confirm"))

"""API shapes for accounts: registration, tokens, users, /me."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_dump, validate

from alliance.core.schemas import BaseSchema, Id, LocalDateTime, OutSchema


class RegisterSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    display_name = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    referral_code = fields.String(load_default=None, allow_none=True)


class UserBriefSchema(OutSchema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()


class TokenRequestSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenSchema(OutSchema):
    token = fields.String()
    expires_at = LocalDateTime()
    user = fields.Nested(UserBriefSchema)


class UserSchema(OutSchema):
    OPTIONAL = ("display_name", "phone", "merchant_id", "branch_id", "referral_code")
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    display_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    merchant_id = fields.Integer(allow_none=True)
    branch_id = fields.Integer(allow_none=True)
    referral_code = fields.String(allow_none=True)
    active = fields.Boolean()

    @post_dump
    def drop_empty(self, data, **kwargs):
        return {k: v for k, v in data.items() if v is not None}


class UserCreateSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    role = fields.String(
        required=True,
        validate=validate.OneOf(
            ["staff", "admin", "clerk"], error=_l("Must be one of: staff, admin, clerk.")
        ),
    )
    branch_id = Id(load_default=None, allow_none=True)
    merchant_id = Id(load_default=None, allow_none=True)
    display_name = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)


class UserListArgs(BaseSchema):
    role = fields.String(
        load_default=None,
        validate=validate.OneOf(["customer", "merchant", "clerk", "staff", "admin"]),
    )

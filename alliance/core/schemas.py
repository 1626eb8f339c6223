"""Marshmallow building blocks shared by every API: strict money, local-zone times, paging."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from alliance.core import clock
from alliance.core.money import MAX_FEN
from alliance.core.text import CONTROL_MESSAGE, has_control_characters

# Marshmallow's own messages, listed so the catalog carries their translations; the API's error
# handler passes every field message through gettext.
MARSHMALLOW_MESSAGES = (
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Unknown field."),
    _l("Invalid input type."),
    _l("Not a valid integer."),
    _l("Not a valid string."),
    _l("Not a valid boolean."),
    _l("Not a valid datetime."),
    _l("Not a valid date."),
    _l("Not a valid list."),
    _l("Not a valid number."),
    _l("Invalid value."),
    _l("Invalid JSON body."),
    _l("Shorter than minimum length 1."),
)


def _carries_control_characters(value) -> bool:
    if isinstance(value, dict):
        return any(_carries_control_characters(k) or _carries_control_characters(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_carries_control_characters(v) for v in value)
    return has_control_characters(value)


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load(pass_collection=True)
    def _refuse_control_characters(self, data, many, **kwargs):
        """Text fields refuse NUL and the like (API.md), before any field reads them."""
        items = data if many and isinstance(data, list) else [data]
        errors: dict = {}
        for item in items:
            if hasattr(item, "items"):
                keys = item.keys()
                for key in keys:
                    values = item.getlist(key) if hasattr(item, "getlist") else [item[key]]
                    if _carries_control_characters(key) or _carries_control_characters(values):
                        errors[str(key).translate(_CONTROL_MAP)] = [CONTROL_MESSAGE]
        if errors:
            raise ValidationError(errors)
        return data


class LocalDateTime(fields.DateTime):
    """ISO 8601 with the configured zone's offset out; input without an offset is local time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return clock.to_local(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        return clock.ensure_utc(parsed)


def Fen(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """An amount of money in fen: a whole number, never negative, never absurd."""
    kwargs.setdefault(
        "validate", validate.Range(min=0, max=MAX_FEN, error=_l("Must be between {min} and {max}."))
    )
    return fields.Integer(strict=True, **kwargs)


_CONTROL_MAP = dict.fromkeys(range(32), "?")

# Row ids are 32-bit integers on every database; a larger number names nothing.
MAX_ID = 2**31 - 1


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """A row id given by the client: a positive whole number within the ids' range."""
    kwargs.setdefault(
        "validate", validate.Range(min=1, max=MAX_ID, error=_l("Must be between {min} and {max}."))
    )
    return fields.Integer(**kwargs)


# The furthest page a list answers: beyond it an OFFSET would overflow the database's integers.
MAX_PAGE = 100000
# In marshmallow's own words, which the error handler translates with the numbers kept.
PAGE_TOO_FAR = f"Must be greater than or equal to 1 and less than or equal to {MAX_PAGE}."


class PageArgs(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ErrorBodySchema(BaseSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ApiErrorSchema(BaseSchema):
    error = fields.Nested(ErrorBodySchema, required=True)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """`{items, page, per_page, total}` around `item_schema`, named for OpenAPI."""
    return type(
        name,
        (BaseSchema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
    )


__all__ = [
    "ApiErrorSchema",
    "BaseSchema",
    "Fen",
    "LocalDateTime",
    "PageArgs",
    "ValidationError",
    "page_schema",
]

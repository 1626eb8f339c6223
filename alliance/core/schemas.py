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


class OutSchema(BaseSchema):
    """An answer's shape: every field is always in it (a nullable one may be null), so each is
    documented `required`. A field that may be left out is named in `OPTIONAL`."""

    OPTIONAL: tuple[str, ...] = ()

    def on_bind_field(self, field_name, field_obj):
        if field_name not in self.OPTIONAL:
            field_obj.required = True


class Computed(fields.Function):
    """A value computed on dump, documented as the field `returns` (its type, nullability, items)."""

    def __init__(self, serialize, returns: fields.Field, **kwargs):
        kwargs.setdefault("allow_none", returns.allow_none)
        super().__init__(serialize, **kwargs)
        self.returns = returns


# Dates a person means: outside these years an input is a typo (and near year 1 or 9999 the zone's
# conversion would leave the calendar).
FIRST_YEAR, LAST_YEAR = 2000, 2199
YEAR_MESSAGE = _l("Choose a date from the year 2000 to 2199.")


def _in_years(value) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(str(YEAR_MESSAGE))


class LocalDateTime(fields.DateTime):
    """ISO 8601 with the configured zone's offset out; input without an offset is local time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return clock.to_local(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        _in_years(parsed)
        return clock.ensure_utc(parsed)


class LocalDate(fields.Date):
    """A day in the configured zone (`2026-12-01`), loaded as the UTC instant of its local midnight.

    A date-time is still accepted on input (read as LocalDateTime reads it) for older clients."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "T" in value:
            return LocalDateTime()._deserialize(value, attr, data, **kwargs)
        day = super()._deserialize(value, attr, data, **kwargs)
        _in_years(day)
        return clock.local_midnight_utc(day)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, datetime):
            value = clock.to_local(value).date()
        return value.isoformat()


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


class ErrorBodySchema(OutSchema):
    OPTIONAL = ("fields",)
    code = fields.String(metadata={"description": "One of API.md's codes, e.g. `sold_out`"})
    message = fields.String(metadata={"description": "Human text in the reader's language"})
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field errors (only for `validation_error`)"},
    )


class ApiErrorSchema(OutSchema):
    """Every error answer: `{"error": {"code", "message", "fields"?}}`."""

    error = fields.Nested(ErrorBodySchema)


class PageMetaSchema(OutSchema):
    """The figures of a page of a list, as sent in the `X-Pagination` header."""

    OPTIONAL = ("previous_page", "next_page")
    total = fields.Integer()
    total_pages = fields.Integer()
    first_page = fields.Integer()
    last_page = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    previous_page = fields.Integer()
    next_page = fields.Integer()


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """`{items, page, per_page, total}` around `item_schema`, named for OpenAPI."""
    return type(
        name,
        (OutSchema,),
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
    "Computed",
    "Fen",
    "LocalDate",
    "LocalDateTime",
    "OutSchema",
    "PageArgs",
    "ValidationError",
    "page_schema",
]

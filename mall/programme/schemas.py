"""API shapes for the programme: occurrences, entries, registrations, check-ins."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate, validates_schema

from alliance.core.schemas import (
    BaseSchema,
    Computed,
    Id,
    LocalDate,
    LocalDateTime,
    OutSchema,
    ValidationError,
)
from mall.programme.constants import EntryKind, EntryStatus, EventFormat

KINDS = [k.value for k in EntryKind]


class CalendarArgs(BaseSchema):
    from_ = LocalDate(data_key="from", required=True, metadata={"description": "First day (inclusive)"})
    to = LocalDate(
        required=True,
        metadata={"description": "Day after the last (exclusive); at most 400 days after `from`"},
    )
    branch_id = Id(load_default=None)
    district_id = Id(load_default=None)
    kind = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=None)


def _seats_left(occ):
    """`occ` is a SeatedOccurrence (registrations.with_seats): its seats were counted beforehand."""
    return occ.seats_left if occ.entry.registrable else None


class OccurrenceSchema(OutSchema):
    entry_id = fields.Integer(attribute="entry.id")
    kind = fields.String(attribute="entry.kind")
    title = fields.String(attribute="entry.title")
    starts_at = LocalDateTime(attribute="start")
    ends_at = LocalDateTime(attribute="end")
    all_day = fields.Boolean(attribute="entry.all_day")
    branch_id = fields.Integer(attribute="entry.branch_id")
    district_ids = Computed(lambda o: [d.id for d in o.entry.districts], fields.List(fields.Integer()))
    place = fields.String(attribute="entry.place", allow_none=True)
    colour = fields.String(attribute="entry.display_colour")
    cancelled = fields.Boolean()
    seats_left = Computed(
        _seats_left, fields.Integer(allow_none=True, metadata={"description": "null: no registration"})
    )


class CancellationSchema(BaseSchema):
    occurrence_start = LocalDateTime(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class EntryInSchema(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    branch_id = Id(required=True, strict=True)
    district_ids = fields.List(Id(strict=True), load_default=list)
    merchant_ids = fields.List(Id(strict=True), load_default=list)
    coupon_ids = fields.List(
        Id(strict=True),
        load_default=list,
        metadata={
            "description": "Coupons claimable only inside this entry's window (themes, festivals, deals)"
        },
    )
    event_format = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf([f.value for f in EventFormat])
    )
    description = fields.String(load_default=None, allow_none=True)
    place = fields.String(load_default=None, allow_none=True)
    online_url = fields.String(load_default=None, allow_none=True)
    colour = fields.String(load_default=None, allow_none=True)
    starts_at = LocalDateTime(required=True, attribute="dtstart")
    ends_at = LocalDateTime(required=True, attribute="dtend")
    all_day = fields.Boolean(load_default=False)
    rrule = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "RFC 5545 RRULE without DTSTART, expanded in the local zone "
            "(e.g. FREQ=WEEKLY;BYDAY=WE)"
        },
    )
    capacity = fields.Integer(load_default=None, allow_none=True, strict=True)
    status = fields.String(
        load_default=EntryStatus.PUBLISHED.value, validate=validate.OneOf([s.value for s in EntryStatus])
    )

    @validates_schema
    def _all_day_dates(self, data, **kwargs):
        if data.get("all_day"):
            for key in ("dtstart", "dtend"):
                value = data.get(key)
                if value is not None:
                    from alliance.core import clock

                    local = clock.to_local(value)
                    if (local.hour, local.minute, local.second) != (0, 0, 0):
                        name = "starts_at" if key == "dtstart" else "ends_at"
                        raise ValidationError(
                            {name: [str(_l("An all-day entry starts and ends at midnight."))]}
                        )


class EntrySchema(EntryInSchema, OutSchema):
    """An entry as answered: its fields, and what became of it."""

    id = fields.Integer()
    district_ids = Computed(lambda e: [d.id for d in e.districts], fields.List(fields.Integer()))
    merchant_ids = Computed(lambda e: [m.id for m in e.merchants], fields.List(fields.Integer()))
    cancelled_occurrences = Computed(
        lambda e: [LocalDateTime()._serialize(c.occurrence_start, None, None) for c in e.cancellations],
        fields.List(fields.String(metadata={"format": "date-time"})),
    )
    phase = fields.String(metadata={"example": "upcoming"})


class EntryQueryArgs(BaseSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    branch_id = Id(load_default=None)


class RegistrationCreateSchema(BaseSchema):
    occurrence_start = LocalDateTime(required=True)


class RegistrationSchema(OutSchema):
    id = fields.Integer()
    entry_id = fields.Integer()
    title = fields.String(attribute="entry.title")
    occurrence_start = LocalDateTime()
    status = fields.String()
    created_at = LocalDateTime()
    checked_in_at = LocalDateTime(allow_none=True)
    checkin_payload = Computed(
        lambda reg: _checkin_payload(reg),
        fields.String(
            allow_none=True, metadata={"description": "The check-in QR's payload while registered"}
        ),
    )


def _checkin_payload(reg):
    from mall.programme.registrations import checkin_payload

    return checkin_payload(reg) if reg.status == "registered" else None


class CheckinSchema(BaseSchema):
    payload = fields.String(required=True, validate=validate.Length(min=1, max=4096))


class CheckinResultSchema(OutSchema):
    registration_id = fields.Integer(attribute="id")
    entry_id = fields.Integer()
    title = fields.String(attribute="entry.title")
    occurrence_start = LocalDateTime()
    customer = fields.String(attribute="user.name")
    checked_in_at = LocalDateTime()

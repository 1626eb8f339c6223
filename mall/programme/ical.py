"""The iCalendar feed: one VEVENT per entry with its RRULE and EXDATEs, as calendar apps expect."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event, vRecur

from alliance.branches.models import Branch, District
from alliance.core import clock, signing
from alliance.core.errors import NotFound
from alliance.core.extensions import db
from mall.programme.constants import EntryStatus
from mall.programme.models import ProgrammeEntry
from mall.programme.recurrence import first_occurrence_start
from mall.programme.services import _end_of, _scope_filter, zone_of

FEED_PURPOSE = "programme.ical"
# The feed shows the programme from this long ago onwards.
FEED_HISTORY = timedelta(days=90)


def feed_token(branch_id: int, district_id: int | None = None) -> str:
    """A subscription token: calendar apps cannot sign in, so the URL itself carries the right."""
    return signing.dumps(
        FEED_PURPOSE, {"b": branch_id, "d": district_id, "t": int(clock.now_utc().timestamp())}
    )


def read_token(token: str) -> tuple[int, int | None]:
    try:
        data = signing.loads(FEED_PURPOSE, token)
        return int(data["b"]), (int(data["d"]) if data.get("d") is not None else None)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound()


def _local(value, entry):
    return value.astimezone(zone_of(entry))


def uid(entry: ProgrammeEntry) -> str:
    """The same for every subscriber, whatever host name they subscribed by."""
    return f"programme-entry-{entry.id}@{current_app.config['CALENDAR_UID_DOMAIN']}"


def build_feed(branch_id: int, district_id: int | None) -> bytes:
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        raise NotFound()
    name = branch.name
    if district_id is not None:
        district = db.session.get(District, district_id)
        if district is None or district.branch_id != branch_id:
            raise NotFound()
        name = f"{branch.name} · {district.name}"
    now = clock.now_utc()
    stmt = _scope_filter(
        sa.select(ProgrammeEntry).where(
            ProgrammeEntry.status == EntryStatus.PUBLISHED,
            sa.or_(ProgrammeEntry.series_end.is_(None), ProgrammeEntry.series_end > now - FEED_HISTORY),
        ),
        branch_id,
        district_id,
    ).order_by(ProgrammeEntry.dtstart, ProgrammeEntry.id)
    cal = Calendar()
    cal.add("prodid", "-//Merchant Alliance//Programme//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", current_app.config["TIMEZONE"])
    for entry in db.session.scalars(stmt):
        # DTSTART is the first real occurrence: a Wednesday deal entered on a Tuesday starts on the
        # Wednesday (RFC 5545 would show DTSTART itself as an occurrence).
        first = first_occurrence_start(entry.dtstart, entry.rrule, zone_of(entry))
        if first is None:
            continue
        last = _end_of(entry, first)
        event = Event()
        event.add("uid", uid(entry))
        event.add("dtstamp", entry.updated_at)
        event.add("summary", entry.title)
        if entry.description:
            event.add("description", entry.description)
        if entry.place or entry.online_url:
            event.add("location", entry.place or entry.online_url)
        event.add("categories", [entry.kind])
        if entry.all_day:
            event.add("dtstart", _local(first, entry).date())
            event.add("dtend", _local(last, entry).date())
        else:
            event.add("dtstart", _local(first, entry))
            event.add("dtend", _local(last, entry))
        if entry.rrule:
            event.add("rrule", vRecur.from_ical(entry.rrule))
            exdates = [c.occurrence_start for c in entry.cancellations]
            if exdates:
                if entry.all_day:
                    event.add("exdate", [_local(x, entry).date() for x in exdates])
                else:
                    event.add("exdate", [_local(x, entry) for x in exdates])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()

"""Builders for programme tests, through the services so the rules apply."""

from __future__ import annotations

from datetime import date, time

from alliance.core.extensions import db
from mall.programme import recurrence, services
from mall.programme.constants import EntryKind
from tests import factories


def staff_of(branch):
    return factories.user("staff", branch_id=branch.id)


def entry(
    staff,
    kind: str,
    first_day: date,
    *,
    last_day: date | None = None,
    start: time | None = None,
    end: time | None = None,
    repeats: str = recurrence.NONE,
    weekdays: list[int] | None = None,
    until: date | None = None,
    title: str | None = None,
    capacity: int | None = None,
    districts=(),
    merchants=(),
    status: str = "published",
    **fields,
):
    if kind == EntryKind.WEEKLY_EVENT:
        fields.setdefault("event_format", "lecture")
        start = start or time(19, 0)
        end = end or time(20, 30)
    if kind == EntryKind.COMMUNITY_EVENT:
        start = start or time(9, 0)
        end = end or time(12, 0)
    dtstart, dtend, all_day, rule = services.plain_timing(
        kind, first_day, last_day, start, end, repeats, weekdays, until
    )
    created, _warnings = services.create_entry(
        staff,
        services.EntryData(
            kind=kind,
            title=title or f"{kind} {first_day}",
            branch_id=staff.branch_id,
            dtstart=dtstart,
            dtend=dtend,
            all_day=all_day,
            rrule=rule,
            capacity=capacity,
            status=status,
            district_ids=[d.id for d in districts],
            merchant_ids=[m.id for m in merchants],
            **fields,
        ),
    )
    db.session.commit()
    return created


def merchant(district, name: str = "Shop", status: str = "active", industry: str = "catering"):
    from alliance.merchants.models import Merchant

    found = Merchant(
        name=name, district_id=district.id, format="street_shop", industry=industry, status=status
    )
    db.session.add(found)
    db.session.flush()
    return found

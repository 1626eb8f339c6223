"""The iCalendar feed: it parses with the icalendar package and, expanded as a calendar app would
(dateutil), shows exactly the occurrences of the staff calendar page, cancelled ones left out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from alliance.core import clock
from mall.programme import ical, services
from mall.programme.constants import EntryKind
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()


def expand_feed(data: bytes, start: datetime, end: datetime) -> set[str]:
    """`<entry id>@<UTC start>` of every occurrence in [start, end), read as a subscriber reads it."""
    found = set()
    for event in Calendar.from_ical(data).walk("VEVENT"):
        entry_id = re.search(r"programme-entry-(\d+)@", str(event["uid"])).group(1)
        first, last = event.decoded("dtstart"), event.decoded("dtend")
        if not isinstance(first, datetime):  # an all-day event: local dates
            first = datetime.combine(first, time(0), tzinfo=SH)
            last = datetime.combine(last, time(0), tzinfo=SH)
        length = last - first
        if "rrule" in event:
            rule = event["rrule"].to_ical().decode()
            starts = rrulestr(rule, dtstart=first).between(start - length, end, inc=True)
        else:
            starts = [first]
        exdates = set()
        raw = event.get("exdate")
        for group in raw if isinstance(raw, list) else ([raw] if raw is not None else []):
            for item in group.dts:
                value = item.dt
                if not isinstance(value, datetime):
                    value = datetime.combine(value, time(0), tzinfo=SH)
                exdates.add(value.astimezone(UTC))
        for occ in starts:
            utc = occ.astimezone(UTC)
            if utc not in exdates and utc < end and utc + length > start:
                found.add(f"{entry_id}@{utc:%Y%m%dT%H%M%SZ}")
    return found


@pytest.fixture
def programme(db):
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=SH))
    branch = factories.branch("城东支行")
    east = factories.district(branch, "万达广场商圈")
    west = factories.district(branch, "老街商圈")
    staff = pf.staff_of(branch)
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="美食主题月")
    deal = pf.entry(
        staff, EntryKind.DAILY_DEAL, date(2026, 11, 4), repeats="weekly", weekdays=[3], title="周三半价"
    )
    lecture = pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 11, 3),
        repeats="weekly",
        weekdays=[2],
        title="经营讲座",
        capacity=30,
    )
    pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 7),
        repeats="monthly_nth",
        title="首周一沙龙",
        start=time(14, 0),
        end=time(16, 0),
        districts=[east],
    )
    pf.entry(
        staff,
        EntryKind.FESTIVAL,
        date(2026, 12, 10),
        last_day=date(2026, 12, 16),
        title="购物节",
        districts=[east],
    )
    pf.entry(staff, EntryKind.COMMUNITY_EVENT, date(2026, 12, 19), title="优惠进社区", districts=[west])
    pf.entry(staff, EntryKind.FESTIVAL, date(2026, 12, 20), title="草稿", status="draft")
    services.cancel_occurrence(
        staff, lecture.id, datetime(2026, 12, 15, 19, tzinfo=SH).astimezone(UTC), "讲师请假"
    )
    services.cancel_occurrence(staff, deal.id, datetime(2026, 12, 23, tzinfo=SH).astimezone(UTC))
    db.session.commit()
    return branch, east, west, staff


def _page_keys(client, **params) -> set[str]:
    page = client.get("/staff/programme/calendar", query_string={"date": "2026-12-01", **params}).get_data(
        as_text=True
    )
    keys = set(re.findall(r'data-occurrence="([^"]+)" data-cancelled="false" data-published="true"', page))
    assert keys, "the page shows no occurrence"
    return keys


@pytest.mark.parametrize("by_district", [False, True])
def test_the_feed_expands_to_the_occurrences_of_the_calendar_page(programme, client, db, by_district):
    branch, east, _west, staff = programme
    factories.login(client, staff)
    district_id = east.id if by_district else None
    token = ical.feed_token(branch.id, district_id)
    client.post("/logout")
    response = client.get(f"/programme/feeds/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert cal.walk("VTIMEZONE"), "the feed carries its time zone"
    start, end = services.local_range(date(2026, 12, 1), date(2026, 12, 31))
    from_feed = expand_feed(response.data, start, end)

    factories.login(client, staff)
    on_page = _page_keys(client, **({"district_id": district_id} if district_id else {}))
    assert from_feed == on_page
    # The cancelled Tuesday and Wednesday are on neither; the draft is not published.
    lecture_cancelled = f"@{datetime(2026, 12, 15, 11, tzinfo=UTC):%Y%m%dT%H%M%SZ}"
    assert not any(k.endswith(lecture_cancelled) for k in from_feed)
    assert len([k for k in from_feed if k.endswith("T160000Z")]) >= 4  # the deal's Wednesdays and the theme
    page = client.get("/staff/programme/calendar?date=2026-12-01").get_data(as_text=True)
    assert page.count('data-cancelled="true"') >= 2  # staff see the cancelled ones, struck through


def test_the_feed_expansion_matches_the_calendar_api(programme, client):
    branch, *_rest = programme
    data = client.get(f"/programme/feeds/{ical.feed_token(branch.id)}.ics").data
    r = client.get(
        "/api/v1/programme/calendar",
        query_string={"from": "2026-12-01T00:00:00", "to": "2027-01-01T00:00:00"},
    )
    assert r.status_code == 200
    from_api = {
        f"{o['entry_id']}@{datetime.fromisoformat(o['starts_at']).astimezone(UTC):%Y%m%dT%H%M%SZ}"
        for o in r.json
    }
    start, end = services.local_range(date(2026, 12, 1), date(2026, 12, 31))
    assert expand_feed(data, start, end) == from_api


def test_a_forged_or_changed_feed_token_is_not_found(programme, client):
    branch, *_rest = programme
    token = ical.feed_token(branch.id)
    assert client.get(f"/programme/feeds/{token[:-2]}xx.ics").status_code == 404
    assert client.get("/programme/feeds/nonsense.ics").status_code == 404

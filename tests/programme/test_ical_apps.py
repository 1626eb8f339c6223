"""The iCalendar feed as RFC 5545 calendar apps read it: expanded with recurring-ical-events, it shows
the same titles, starts and counts as GET /api/v1/programme/calendar for the same two months."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

import pytest
import recurring_ical_events
from icalendar import Calendar

from alliance.core import clock
from mall.programme import ical, services
from mall.programme.constants import EntryKind
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()  # Asia/Shanghai: no daylight saving time
FIRST, AFTER_LAST = date(2026, 12, 1), date(2027, 2, 1)  # December and January


@pytest.fixture
def programme(db):
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=SH))
    branch = factories.branch("城东支行")
    staff = pf.staff_of(branch)
    # Daily, from Tuesday 1 December to 15 January, with Christmas Day cancelled.
    daily = pf.entry(
        staff, EntryKind.DAILY_DEAL, FIRST, repeats="daily", until=date(2027, 1, 15), title="每日特惠"
    )
    # Weekly on Wednesdays, entered on Tuesday 1 December: the first occurrence is Wednesday 2 December.
    pf.entry(staff, EntryKind.DAILY_DEAL, FIRST, repeats="weekly", weekdays=[3], title="周三半价")
    # Weekly at 19:00 on Thursdays and Saturdays, entered on a Tuesday, with one Thursday cancelled.
    lecture = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, FIRST, repeats="weekly", weekdays=[4, 6], title="经营讲座"
    )
    # Monthly: the first Monday at 14:00, and the 19th of each month in the morning.
    pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 7),
        repeats="monthly_nth",
        title="首周一沙龙",
        start=time(14, 0),
        end=time(16, 0),
    )
    pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 19),
        repeats="monthly_day",
        title="月度讲堂",
        start=time(10, 0),
        end=time(11, 30),
    )
    # Once: the month's theme (all day, the whole month) and a festival of several days.
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2027, 1, 1), title="新春主题月")
    pf.entry(staff, EntryKind.FESTIVAL, date(2026, 12, 10), last_day=date(2026, 12, 16), title="购物节")
    services.cancel_occurrence(staff, daily.id, datetime(2026, 12, 25, tzinfo=SH).astimezone(UTC))
    services.cancel_occurrence(staff, lecture.id, datetime(2026, 12, 17, 19, tzinfo=SH).astimezone(UTC))
    db.session.commit()
    return branch


def _local(value) -> str:
    """A start as local ISO text: an all-day date is its local midnight."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=SH)
    return value.astimezone(SH).isoformat()


def from_feed(data: bytes) -> list[tuple[str, str]]:
    calendar = Calendar.from_ical(data)
    return sorted(
        (str(event["SUMMARY"]), _local(event["DTSTART"].dt))
        for event in recurring_ical_events.of(calendar).between(FIRST, AFTER_LAST)
    )


def from_api(client, branch) -> list[tuple[str, str]]:
    answer = client.get(
        "/api/v1/programme/calendar",
        query_string={"from": FIRST.isoformat(), "to": AFTER_LAST.isoformat(), "branch_id": branch.id},
    )
    assert answer.status_code == 200
    return sorted((o["title"], _local(datetime.fromisoformat(o["starts_at"]))) for o in answer.json)


def test_calendar_apps_see_what_the_api_answers(programme, client):
    branch = programme
    feed = client.get(f"/programme/feeds/{ical.feed_token(branch.id)}.ics")
    assert feed.status_code == 200
    apps, api = from_feed(feed.data), from_api(client, branch)
    assert apps == api
    counts = Counter(title for title, _ in apps)
    assert counts == {
        "每日特惠": 31 + 15 - 1,  # 1 December to 15 January, less Christmas Day
        "周三半价": 5 + 4,  # Wednesdays: 2 … 30 December, 6 … 27 January
        "经营讲座": 9 - 1 + 9,  # Thursdays and Saturdays from 3 December, less 17 December
        "首周一沙龙": 2,  # 7 December, 4 January
        "月度讲堂": 2,  # 19 December, 19 January
        "新春主题月": 1,
        "购物节": 1,
    }
    starts = {title: [s for t, s in apps if t == title] for title in counts}
    assert starts["周三半价"][0] == "2026-12-02T00:00:00+08:00"  # not the Tuesday it was entered on
    assert starts["经营讲座"][:2] == ["2026-12-03T19:00:00+08:00", "2026-12-05T19:00:00+08:00"]
    assert "2026-12-17T19:00:00+08:00" not in starts["经营讲座"]
    assert "2026-12-25T00:00:00+08:00" not in starts["每日特惠"]
    assert starts["首周一沙龙"] == ["2026-12-07T14:00:00+08:00", "2027-01-04T14:00:00+08:00"]


def test_a_series_starts_on_its_first_real_occurrence(programme, client):
    data = client.get(f"/programme/feeds/{ical.feed_token(programme.id)}.ics").data
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(data).walk("VEVENT")}
    wednesday = events["周三半价"]
    assert wednesday.decoded("dtstart") == date(2026, 12, 2)
    assert wednesday.decoded("dtend") == date(2026, 12, 3)
    assert wednesday["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=WE"
    lecture = events["经营讲座"]
    assert lecture.decoded("dtstart") == datetime(2026, 12, 3, 19, tzinfo=SH)
    assert lecture.decoded("dtend") == datetime(2026, 12, 3, 20, 30, tzinfo=SH)


def test_event_uids_do_not_depend_on_the_host_name(programme, client, app):
    path = f"/programme/feeds/{ical.feed_token(programme.id)}.ics"

    def uids(base_url: str) -> list[str]:
        data = client.get(path, base_url=base_url).data
        return sorted(str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT"))

    by_address, by_name = uids("http://127.0.0.1"), uids("http://localhost:5000")
    assert by_address == by_name and len(by_address) == 7
    domain = app.config["CALENDAR_UID_DOMAIN"]
    assert all(uid.endswith("@" + domain) for uid in by_address)

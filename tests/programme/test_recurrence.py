"""Recurrence: plain choices become RRULEs, expand in local wall time, and read back for the form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mall.programme import recurrence

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("choice", "day", "weekdays", "rule"),
    [
        ("daily", date(2026, 12, 1), None, "FREQ=DAILY"),
        ("weekdays", date(2026, 12, 1), None, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("weekly", date(2026, 12, 2), [3], "FREQ=WEEKLY;BYDAY=WE"),
        ("weekly", date(2026, 12, 2), [6, 3], "FREQ=WEEKLY;BYDAY=WE,SA"),
        ("monthly_nth", date(2026, 12, 7), None, "FREQ=MONTHLY;BYDAY=+1MO"),
        ("monthly_nth", date(2026, 12, 28), None, "FREQ=MONTHLY;BYDAY=+4MO"),
        ("monthly_nth", date(2026, 12, 29), None, "FREQ=MONTHLY;BYDAY=-1TU"),
        ("monthly_day", date(2026, 12, 15), None, "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("none", date(2026, 12, 15), None, None),
    ],
)
def test_plain_choices_become_rrules_and_read_back(choice, day, weekdays, rule):
    assert recurrence.build_rrule(choice, day, weekdays, zone=SH) == rule
    parsed = recurrence.parse_rrule(rule, SH)
    assert parsed.choice == choice


def test_until_is_the_end_of_the_last_local_day_in_utc():
    rule = recurrence.build_rrule("weekly", date(2026, 12, 2), [3], date(2026, 12, 30), zone=SH)
    assert rule == "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261230T155959Z"
    assert recurrence.parse_rrule(rule, SH).until == date(2026, 12, 30)


def test_every_wednesday_at_19_stays_19_local_across_a_dst_change():
    first = datetime(2026, 3, 4, 19, 0, tzinfo=NY).astimezone(UTC)  # before DST starts on March 8
    starts = recurrence.occurrence_starts(
        first, "FREQ=WEEKLY;BYDAY=WE", NY, first, first + timedelta(days=15), timedelta(hours=1)
    )
    assert [s.astimezone(NY).hour for s in starts] == [19, 19, 19]
    assert [s.hour for s in starts] == [0, 23, 23]  # UTC hours move with the offset


def test_first_monday_of_the_month():
    first = datetime(2026, 1, 5, 10, 0, tzinfo=SH).astimezone(UTC)
    starts = recurrence.occurrence_starts(
        first, "FREQ=MONTHLY;BYDAY=+1MO", SH, first, first + timedelta(days=100), timedelta(hours=1)
    )
    assert [s.astimezone(SH).date() for s in starts] == [
        date(2026, 1, 5),
        date(2026, 2, 2),
        date(2026, 3, 2),
        date(2026, 4, 6),
    ]


def test_a_raw_rrule_is_checked():
    start = datetime(2026, 1, 5, 2, tzinfo=UTC)
    assert recurrence.validate_rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", start, SH) == "FREQ=WEEKLY;BYDAY=MO"
    for bad in (
        "FREQ=SOMETIMES",
        "",
        "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY",
        "FREQ=DAILY;UNTIL=20250101T000000Z",
    ):
        with pytest.raises(recurrence.RecurrenceError):
            recurrence.validate_rrule(bad, start, SH)


def test_the_end_of_a_series():
    start = datetime(2026, 12, 2, 11, tzinfo=UTC)
    assert recurrence.last_occurrence_start(start, "FREQ=WEEKLY;BYDAY=WE", SH) is None
    assert recurrence.last_occurrence_start(start, "FREQ=WEEKLY;COUNT=3", SH) == start + timedelta(days=14)

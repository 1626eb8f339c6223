"""The calendar: occurrences expanded in local time, scoped, filtered; programme windows to the second."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from alliance.core import clock
from alliance.core.errors import ValidationFailed
from mall.programme import services
from mall.programme.constants import EntryKind
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()


def local(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


@pytest.fixture
def setting(db):
    branch = factories.branch()
    d1 = factories.district(branch, "East")
    d2 = factories.district(branch, "West")
    staff = pf.staff_of(branch)
    return branch, d1, d2, staff


def test_a_weekly_event_expands_to_its_wednesdays_without_the_cancelled_one(setting, db):
    _branch, _d1, _d2, staff = setting
    event = pf.entry(staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), repeats="weekly", weekdays=[3])
    start, end = services.local_range(date(2026, 12, 1), date(2026, 12, 31))
    occs = services.calendar(None, start, end)
    assert [o.local_start for o in occs] == [local(2026, 12, d, 19) for d in (2, 9, 16, 23, 30)]
    services.cancel_occurrence(staff, event.id, local(2026, 12, 16, 19).astimezone(UTC), "speaker ill")
    db.session.commit()
    assert [o.local_start.day for o in services.calendar(None, start, end)] == [2, 9, 23, 30]
    flagged = services.calendar(None, start, end, include_cancelled=True)
    assert [o.cancelled for o in flagged] == [False, False, True, False, False]


def test_scope_and_kind_filters(setting, db):
    _branch, d1, d2, staff = setting
    other_staff = pf.staff_of(factories.branch())
    day = date(2026, 12, 10)
    pf.entry(staff, EntryKind.FESTIVAL, day, title="East fest", districts=[d1])
    pf.entry(staff, EntryKind.FESTIVAL, day, title="Everywhere fest")
    pf.entry(staff, EntryKind.COMMUNITY_EVENT, day, title="West community", districts=[d2])
    pf.entry(other_staff, EntryKind.FESTIVAL, day, title="Other branch fest")
    start, end = services.local_range(day, day)

    def titles(**kw):
        return sorted(o.entry.title for o in services.calendar(None, start, end, **kw))

    assert titles(district_id=d1.id) == ["East fest", "Everywhere fest"]
    assert titles(district_id=d2.id) == ["Everywhere fest", "West community"]
    assert titles(kinds=["community_event"]) == ["West community"]
    assert "Other branch fest" not in titles(branch_id=staff.branch_id)
    # Staff see their own branch only, drafts included.
    pf.entry(staff, EntryKind.FESTIVAL, day, title="Draft fest", status="draft")
    staff_titles = sorted(o.entry.title for o in services.calendar(staff, start, end))
    assert staff_titles == ["Draft fest", "East fest", "Everywhere fest", "West community"]
    assert "Draft fest" not in titles()


def test_a_theme_runs_from_the_first_local_midnight_to_the_end_of_its_last_day(setting, db):
    _branch, _d1, _d2, staff = setting
    theme = pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 15), title="Food month")
    assert theme.dtstart == local(2026, 12, 1).astimezone(UTC)
    assert theme.dtend == local(2027, 1, 1).astimezone(UTC)
    start = local(2026, 12, 1)
    assert not services.is_open(theme, start - timedelta(seconds=1))
    assert services.is_open(theme, start)
    assert services.is_open(theme, local(2026, 12, 31, 23, 59, 59))
    assert not services.is_open(theme, local(2027, 1, 1))


def test_a_daily_deal_is_open_only_on_its_weekdays_in_local_time(setting, db):
    _branch, _d1, _d2, staff = setting
    deal = pf.entry(staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[3])
    # Wednesday 2 December in Shanghai begins at 16:00 UTC on Tuesday the 1st.
    assert not services.is_open(deal, datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC))
    assert services.is_open(deal, datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    assert services.is_open(deal, local(2026, 12, 2, 23, 59, 59))
    assert not services.is_open(deal, local(2026, 12, 3))
    assert services.open_entry_ids(local(2026, 12, 9, 12)) == {deal.id}
    assert services.open_entry_ids(local(2026, 12, 10, 12)) == set()
    services.cancel_occurrence(staff, deal.id, local(2026, 12, 9).astimezone(UTC))
    db.session.commit()
    assert not services.is_open(deal, local(2026, 12, 9, 12))


def test_one_theme_per_month_and_scope(setting, db, app):
    _branch, d1, d2, staff = setting
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="East theme", districts=[d1])
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="West theme", districts=[d2])
    with pytest.raises(ValidationFailed) as err:
        pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 20), title="Branch theme")
    with app.test_request_context():
        message = str(err.value.fields["first_day"][0])
    assert "East theme" in message or "West theme" in message
    db.session.rollback()
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2027, 1, 3), title="January theme")


def test_overlapping_festivals_in_one_district_warn_but_save(setting, db, app):
    _branch, d1, d2, staff = setting
    pf.entry(
        staff,
        EntryKind.FESTIVAL,
        date(2026, 12, 10),
        last_day=date(2026, 12, 16),
        title="First",
        districts=[d1],
    )
    dtstart, dtend = services.local_range(date(2026, 12, 15), date(2026, 12, 20))
    data = services.EntryData(
        kind="festival",
        title="Second",
        branch_id=staff.branch_id,
        dtstart=dtstart,
        dtend=dtend,
        all_day=True,
        district_ids=[d1.id],
    )
    entry, warnings = services.create_entry(staff, data)
    with app.test_request_context():
        assert entry.id and len(warnings) == 1 and "First" in str(warnings[0]) and "East" in str(warnings[0])
    data.title, data.district_ids = "Third", [d2.id]
    _entry, warnings = services.create_entry(staff, data)
    assert warnings == []


def test_staff_cannot_plan_for_another_branch(setting, db):
    *_rest, staff = setting
    other = factories.branch()
    dtstart, dtend = services.local_range(date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(ValidationFailed) as err:
        services.create_entry(
            staff,
            services.EntryData(
                kind="festival", title="x", branch_id=other.id, dtstart=dtstart, dtend=dtend, all_day=True
            ),
        )
    assert "branch_id" in err.value.fields


def test_a_daily_deal_must_repeat_and_a_festival_must_not(setting, db):
    *_rest, staff = setting
    with pytest.raises(ValidationFailed):
        services.plain_timing(EntryKind.DAILY_DEAL, date(2026, 12, 1))
    dtstart, dtend = services.local_range(date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(ValidationFailed) as err:
        services.create_entry(
            staff,
            services.EntryData(
                kind="festival",
                title="x",
                branch_id=staff.branch_id,
                dtstart=dtstart,
                dtend=dtend,
                all_day=True,
                rrule="FREQ=DAILY",
            ),
        )
    assert "rrule" in err.value.fields
    with pytest.raises(ValidationFailed):
        services.plain_timing(
            EntryKind.WEEKLY_EVENT, date(2026, 12, 1), start_time=time(20), end_time=time(19)
        )


def test_the_windows_table_agrees_with_the_calendar_to_the_second(setting, db):
    import random

    import sqlalchemy as sa

    _branch, _d1, _d2, staff = setting
    clock.freeze(local(2026, 11, 20, 9))
    theme = pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1))
    deal = pf.entry(staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[3, 4])
    every_day = pf.entry(
        staff, EntryKind.DAILY_DEAL, date(2026, 12, 5), repeats="daily", until=date(2026, 12, 20)
    )
    fest = pf.entry(staff, EntryKind.FESTIVAL, date(2026, 12, 10), last_day=date(2026, 12, 12))
    event = pf.entry(staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), repeats="weekly", weekdays=[3])
    services.cancel_occurrence(staff, deal.id, local(2026, 12, 9).astimezone(UTC))
    draft = pf.entry(staff, EntryKind.FESTIVAL, date(2026, 12, 15), status="draft")
    db.session.commit()
    entries = [theme, deal, every_day, fest, event, draft]
    # Contiguous days are one window: the daily deal from the 5th to the 20th is a single interval.
    spans = db.session.execute(
        sa.select(services.ProgrammeWindow.opens_at, services.ProgrammeWindow.closes_at).where(
            services.ProgrammeWindow.entry_id == every_day.id
        )
    ).all()
    assert spans == [(local(2026, 12, 5).astimezone(UTC), local(2026, 12, 21).astimezone(UTC))]
    boundaries = {local(2026, 12, d) for d in range(1, 32)} | {local(2027, 1, 1)}
    instants = set()
    for b in boundaries:
        b = b.astimezone(UTC)
        instants |= {b - timedelta(seconds=1), b, b + timedelta(seconds=1)}
    rng = random.Random(5)
    instants |= {
        local(2026, 11, 25).astimezone(UTC) + timedelta(seconds=rng.randrange(45 * 86400)) for _ in range(150)
    }
    for at in sorted(instants):
        in_sql = set(db.session.scalars(services.open_entries_clause(at)))
        by_expansion = {e.id for e in entries if services.is_open(e, at)}
        assert in_sql == by_expansion, at


def test_open_ended_series_keep_their_windows_ahead_through_the_rollover(setting, db):
    import sqlalchemy as sa

    from mall.programme import jobs

    *_rest, staff = setting
    clock.freeze(local(2026, 12, 1, 9))
    deal = pf.entry(staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[3])
    far = local(2026, 12, 1).astimezone(UTC) + services.WINDOW_HORIZON + timedelta(days=30)
    assert not set(db.session.scalars(services.open_entries_clause(far)))
    clock.freeze(local(2027, 1, 20, 0, 0, 5))
    jobs.rollover()
    wednesday = far + timedelta(days=(2 - clock.to_local(far).weekday()) % 7, hours=12)
    assert set(db.session.scalars(services.open_entries_clause(wednesday))) == {deal.id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(services.ProgrammeWindow)) > 50

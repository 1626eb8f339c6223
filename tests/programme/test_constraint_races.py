"""What the database holds, not a check in Python: one monthly theme per branch and scope, and an
entry moved or deleted never loses a registration made in between. Raced with real threads against
a real server on SQLite and PostgreSQL; the rules themselves also without a server."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import requests
import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.accounts.services import hash_password
from alliance.core import clock
from alliance.core.errors import InvalidState, ValidationFailed
from alliance.core.extensions import db as _db
from mall.programme import services
from mall.programme.constants import EntryKind
from mall.programme.models import ProgrammeEntry, Registration, ThemeDistrict, ThemeMonth
from tests import factories
from tests.programme import factories as pf
from tests.races import fire_at_once


def month_ahead(months: int) -> date:
    today = clock.local_today()
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date):
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return services.local_range(first, last)


def theme_body(branch_id: int, first: date, title: str, district_ids=()) -> dict:
    starts, ends = month_range(first)
    return {
        "kind": "monthly_theme",
        "title": title,
        "branch_id": branch_id,
        "starts_at": clock.to_local(starts).isoformat(),
        "ends_at": clock.to_local(ends).isoformat(),
        "all_day": True,
        "district_ids": list(district_ids),
    }


@pytest.fixture
def setting(db):
    branch = factories.branch()
    east, west = factories.district(branch, "East"), factories.district(branch, "West")
    staff = pf.staff_of(branch)
    db.session.commit()
    return branch, east, west, staff


def themes_of(branch_id: int, first: date) -> list[ProgrammeEntry]:
    _db.session.expire_all()
    starts, _ends = services.local_range(first, first)
    return list(
        _db.session.scalars(
            sa.select(ProgrammeEntry).where(
                ProgrammeEntry.branch_id == branch_id,
                ProgrammeEntry.kind == EntryKind.MONTHLY_THEME,
                ProgrammeEntry.dtstart == starts,
                ProgrammeEntry.status != "cancelled",
            )
        )
    )


@pytest.mark.slow
def test_staff_saving_themes_for_one_month_at_once_get_one(live_server, setting):
    branch, east, west, staff = setting
    headers = factories.auth(staff)
    _db.session.commit()
    url = live_server.api("/programme/entries")

    def create(body):
        return lambda: requests.post(url, json=body, headers=headers, timeout=60).status_code

    # Branch-wide themes against each other.
    first = month_ahead(3)
    results = fire_at_once([create(theme_body(branch.id, first, f"Wide {i}")) for i in range(8)])
    assert Counter(results) == {201: 1, 422: 7}, (results, live_server.log()[-3000:])
    assert len(themes_of(branch.id, first)) == 1
    # Branch-wide against district themes of the same month: either one branch-wide theme, or
    # district themes only, and never two in one district.
    first = month_ahead(4)
    bodies = [theme_body(branch.id, first, f"Wide {i}") for i in range(4)]
    bodies += [theme_body(branch.id, first, f"East {i}", [east.id]) for i in range(3)]
    bodies += [theme_body(branch.id, first, f"Both {i}", [east.id, west.id]) for i in range(2)]
    bodies += [theme_body(branch.id, first, f"West {i}", [west.id]) for i in range(3)]
    results = fire_at_once([create(b) for b in bodies])
    assert set(results) <= {201, 422}, (results, live_server.log()[-3000:])
    saved = themes_of(branch.id, first)
    assert len(saved) == results.count(201) >= 1
    scopes = [{d.id for d in t.districts} for t in saved]
    if any(not s for s in scopes):
        assert len(saved) == 1
    else:
        assert sum(len(s) for s in scopes) == len(set().union(*scopes))  # no district twice
    # Disjoint districts at once both save.
    first = month_ahead(5)
    results = fire_at_once(
        [
            create(theme_body(branch.id, first, "East", [east.id])),
            create(theme_body(branch.id, first, "West", [west.id])),
        ]
    )
    assert results == [201, 201]


def test_a_theme_gives_its_month_back_when_cancelled_moved_or_deleted(setting, db, app):
    _branch, east, west, staff = setting
    first = month_ahead(2)
    wide = pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="Wide")
    with pytest.raises(ValidationFailed) as err:
        pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="East", districts=[east])
    with app.test_request_context():
        assert "Wide" in str(err.value.fields["first_day"][0])
    db.session.rollback()
    # Cancelled: the month is free for district themes, and the cancelled theme cannot come back.
    data = _data_of(wide, status="cancelled")
    services.update_entry(staff, wide.id, data)
    db.session.commit()
    east_theme = pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="East", districts=[east])
    with pytest.raises(ValidationFailed):
        services.update_entry(staff, wide.id, _data_of(wide, status="published"))
    db.session.rollback()
    # A district theme widened to both districts holds both; narrowed back, West is free again.
    services.update_entry(staff, east_theme.id, _data_of(east_theme, district_ids=[east.id, west.id]))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="West", districts=[west])
    db.session.rollback()
    services.update_entry(staff, east_theme.id, _data_of(east_theme, district_ids=[east.id]))
    db.session.commit()
    west_theme = pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="West", districts=[west])
    # Moved to another month: this month's East is free.
    later = month_ahead(6)
    moved = _data_of(east_theme)
    moved.dtstart, moved.dtend = month_range(later)
    services.update_entry(staff, east_theme.id, moved)
    db.session.commit()
    pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="East again", districts=[east])
    # Deleted: nothing of it is held any more.
    services.delete_entry(staff, west_theme.id)
    services.delete_entry(staff, wide.id)
    db.session.commit()
    assert not db.session.scalar(
        sa.select(sa.func.count()).select_from(ThemeDistrict).where(ThemeDistrict.entry_id == west_theme.id)
    )
    pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="West again", districts=[west])
    starts, _ = services.local_range(first, first)
    month = db.session.get(ThemeMonth, (staff.branch_id, starts))
    assert month.wide_entry_id is None and month.scoped == 2


def _data_of(entry: ProgrammeEntry, **changes) -> services.EntryData:
    data = services.EntryData(
        kind=entry.kind,
        title=entry.title,
        branch_id=entry.branch_id,
        dtstart=entry.dtstart,
        dtend=entry.dtend,
        all_day=entry.all_day,
        rrule=entry.rrule,
        event_format=entry.event_format,
        capacity=entry.capacity,
        status=entry.status,
        district_ids=[d.id for d in entry.districts],
        merchant_ids=[m.id for m in entry.merchants],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def _customers(db, n: int) -> list[dict]:
    digest = hash_password(factories.PASSWORD)
    start = db.session.scalar(sa.select(sa.func.count(User.id)))
    users = [User(username=f"guest{start + i}", password_hash=digest, role="customer") for i in range(n)]
    db.session.add_all(users)
    db.session.commit()
    return [factories.auth(u) for u in users]


class Lecture:
    """What a test needs of an event, read before the race (the row may be gone after it)."""

    def __init__(self, event: ProgrammeEntry, start: str):
        self.id, self.title, self.branch_id = event.id, event.title, event.branch_id
        self.dtstart, self.dtend, self.rrule = event.dtstart, event.dtend, event.rrule
        self.entry, self.start = event, start


def _lectures(db, staff, n: int) -> list[Lecture]:
    tomorrow = clock.local_today() + timedelta(days=2)
    found = []
    for i in range(n):
        event = pf.entry(staff, EntryKind.WEEKLY_EVENT, tomorrow, title=f"Lecture {i}", capacity=50)
        occ = services.expand(event, clock.now_utc(), clock.now_utc() + timedelta(days=4))[0]
        found.append(Lecture(event, occ.start.isoformat()))
    return found


def registrations_of(entry_id: int) -> int:
    _db.session.expire_all()
    return _db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(Registration.entry_id == entry_id)
    )


def race_registrations(live_server, lectures, customers, staff_call) -> list[list[int]]:
    """Every customer registers for each lecture while `staff_call(lecture)` acts on it, all at
    once; per lecture, the registrations' statuses followed by the staff call's."""
    calls = []
    for event in lectures:
        url = live_server.api(f"/programme/entries/{event.id}/registrations")
        for h in customers:
            calls.append(
                lambda u=url, h=h, s=event.start: (
                    requests.post(u, json={"occurrence_start": s}, headers=h, timeout=60).status_code
                )
            )
        calls.append(lambda e=event: staff_call(e).status_code)
    results = fire_at_once(calls)
    each = len(customers) + 1
    return [results[i * each : (i + 1) * each] for i in range(len(lectures))]


@pytest.mark.slow
def test_a_deletion_racing_registrations_never_loses_one(live_server, setting, db):
    _branch, _east, _west, staff = setting
    lectures = _lectures(db, staff, 6)
    customers = _customers(db, 5)
    staff_headers = factories.auth(staff)
    db.session.commit()

    def delete(event):
        return requests.delete(
            live_server.api(f"/programme/entries/{event.id}"), headers=staff_headers, timeout=60
        )

    outcomes = race_registrations(live_server, lectures, customers, delete)
    assert {r for mine in outcomes for r in mine} <= {201, 204, 404, 409}, (
        outcomes,
        live_server.log()[-3000:],
    )
    for event, mine in zip(lectures, outcomes, strict=True):
        registered, deleted = mine[:-1].count(201), mine[-1] == 204
        _db.session.expire_all()
        if deleted:
            assert registered == 0 and _db.session.get(ProgrammeEntry, event.id) is None
        else:
            assert mine[-1] == 409 and registered >= 1
            assert registrations_of(event.id) == registered


@pytest.mark.slow
def test_moving_a_series_racing_registrations_never_strands_one(live_server, setting, db):
    _branch, _east, _west, staff = setting
    lectures = _lectures(db, staff, 6)
    customers = _customers(db, 5)
    staff_headers = factories.auth(staff)
    db.session.commit()

    def move(event):
        body = {
            "kind": "weekly_event",
            "title": event.title,
            "branch_id": event.branch_id,
            "event_format": "lecture",
            "starts_at": clock.to_local(event.dtstart + timedelta(hours=1)).isoformat(),
            "ends_at": clock.to_local(event.dtend + timedelta(hours=1)).isoformat(),
            "rrule": event.rrule,
            "capacity": 50,
        }
        url = live_server.api(f"/programme/entries/{event.id}")
        return requests.put(url, json=body, headers=staff_headers, timeout=60)

    outcomes = race_registrations(live_server, lectures, customers, move)
    assert {r for mine in outcomes for r in mine} <= {200, 201, 404, 409}, (
        outcomes,
        live_server.log()[-3000:],
    )
    for event, mine in zip(lectures, outcomes, strict=True):
        registered, moved = mine[:-1].count(201), mine[-1] == 200
        _db.session.expire_all()
        entry = _db.session.get(ProgrammeEntry, event.id)
        if moved:
            # Nobody holds a seat at a time the event no longer has.
            assert registered == 0 and registrations_of(event.id) == 0
            assert entry.dtstart == event.dtstart + timedelta(hours=1)
        else:
            assert mine[-1] == 409 and registered >= 1
            assert entry.registrations_made == registrations_of(event.id) == registered


def test_an_entry_with_a_registration_is_neither_moved_nor_deleted(setting, db):
    _branch, _east, _west, staff = setting
    [lecture] = _lectures(db, staff, 1)
    event = lecture.entry
    customer = factories.user("customer")
    from mall.programme import registrations

    registrations.register(customer, event.id, services.find_occurrence(event, event.dtstart).start)
    db.session.commit()
    # Cancelled registrations still count: the customer was told about this time.
    registrations.cancel(customer, db.session.scalar(sa.select(Registration.id)))
    db.session.commit()
    assert db.session.get(ProgrammeEntry, event.id).registrations_made == 1
    with pytest.raises(InvalidState):
        services.delete_entry(staff, event.id)
    db.session.rollback()
    moved = _data_of(event)
    moved.dtstart, moved.dtend = event.dtstart + timedelta(hours=1), event.dtend + timedelta(hours=1)
    with pytest.raises(InvalidState):
        services.update_entry(staff, event.id, moved)
    db.session.rollback()
    services.update_entry(staff, event.id, _data_of(event, title="Renamed"))
    db.session.commit()
    assert db.session.get(ProgrammeEntry, event.id).title == "Renamed"


@pytest.mark.slow
def test_saves_of_one_theme_at_once_leave_it_holding_the_month_it_is_in(live_server, setting):
    branch, east, _west, staff = setting
    headers = factories.auth(staff)
    months = [month_ahead(7 + i) for i in range(4)]
    theme = pf.entry(staff, EntryKind.MONTHLY_THEME, months[0], title="Moving theme")
    _db.session.commit()
    url = live_server.api(f"/programme/entries/{theme.id}")

    def save(i):
        body = theme_body(branch.id, months[i % 4], f"Moving theme {i}", [east.id] if i % 2 else [])
        return lambda: requests.put(url, json=body, headers=headers, timeout=60).status_code

    results = fire_at_once([save(i) for i in range(8)])
    assert set(results) <= {200, 422}, (results, live_server.log()[-3000:])
    assert 200 in results
    _db.session.expire_all()
    entry = _db.session.get(ProgrammeEntry, theme.id)
    held_wide = _db.session.scalars(sa.select(ThemeMonth).where(ThemeMonth.wide_entry_id == theme.id)).all()
    held_districts = _db.session.scalars(
        sa.select(ThemeDistrict).where(ThemeDistrict.entry_id == theme.id)
    ).all()
    if entry.districts:
        assert held_wide == [] and {(d.month_start, d.district_id) for d in held_districts} == {
            (entry.dtstart, d.id) for d in entry.districts
        }
    else:
        assert held_districts == [] and [m.month_start for m in held_wide] == [entry.dtstart]
    # Every other month is free again for a branch-wide theme.
    for first in months:
        if month_range(first)[0] != entry.dtstart:
            pf.entry(staff, EntryKind.MONTHLY_THEME, first, title=f"Free {first}")


@pytest.mark.slow
def test_two_themes_trading_months_at_once_both_move_without_deadlock(live_server, setting):
    branch, east, west, staff = setting
    headers = factories.auth(staff)
    first, second = month_ahead(12), month_ahead(13)
    a = pf.entry(staff, EntryKind.MONTHLY_THEME, first, title="A", districts=[east])
    b = pf.entry(staff, EntryKind.MONTHLY_THEME, second, title="B", districts=[east])
    _db.session.commit()

    def move(entry_id, title, month, district):
        body = theme_body(branch.id, month, title, [district.id])
        url = live_server.api(f"/programme/entries/{entry_id}")
        return lambda: requests.put(url, json=body, headers=headers, timeout=60).status_code

    for round_ in range(6):
        # Each moves into the other's month, in a district the other does not hold there.
        district = west if round_ % 2 == 0 else east
        to_a, to_b = (second, first) if round_ % 2 == 0 else (first, second)
        results = fire_at_once([move(a.id, "A", to_a, district), move(b.id, "B", to_b, district)])
        assert results == [200, 200], (round_, results, live_server.log()[-3000:])

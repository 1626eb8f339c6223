"""Registration races against a real server process and a real database: never overbooked."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.accounts.services import hash_password
from alliance.core import clock
from mall.programme import services
from mall.programme.constants import EntryKind
from mall.programme.models import EventSeats, Registration
from tests import factories
from tests.programme import factories as pf

pytestmark = pytest.mark.slow


def _event(db, capacity: int):
    staff = pf.staff_of(factories.branch())
    tomorrow = clock.local_today() + timedelta(days=1)
    event = pf.entry(staff, EntryKind.WEEKLY_EVENT, tomorrow, title="Lecture", capacity=capacity)
    occ = services.expand(event, clock.now_utc(), clock.now_utc() + timedelta(days=3))[0]
    return event, occ


def _customers(db, n: int) -> list[dict]:
    digest = hash_password(factories.PASSWORD)
    users = [User(username=f"racer{i}", password_hash=digest, role="customer") for i in range(n)]
    db.session.add_all(users)
    db.session.commit()
    return [factories.auth(u) for u in users]


def test_one_hundred_registrants_for_thirty_seats_get_exactly_thirty(live_server, db):
    event, occ = _event(db, capacity=30)
    headers = _customers(db, 100)
    url = live_server.api(f"/programme/entries/{event.id}/registrations")
    body = {"occurrence_start": occ.start.isoformat()}

    def register(h):
        r = requests.post(url, json=body, headers=h, timeout=120)
        return r.status_code, (r.json().get("error") or {}).get("code") if r.status_code != 201 else None

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(register, headers))
    assert results.count((201, None)) == 30, live_server.log()[-3000:]
    assert results.count((409, "sold_out")) == 70, results
    db.session.rollback()
    assert db.session.scalar(sa.select(EventSeats.taken).where(EventSeats.entry_id == event.id)) == 30
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 30


def test_one_person_registering_twenty_times_at_once_takes_one_seat(live_server, db):
    event, occ = _event(db, capacity=30)
    [headers] = _customers(db, 1)
    url = live_server.api(f"/programme/entries/{event.id}/registrations")
    body = {"occurrence_start": occ.start.isoformat()}

    def register(_):
        r = requests.post(url, json=body, headers=headers, timeout=120)
        return r.status_code, (r.json().get("error") or {}).get("code") if r.status_code != 201 else None

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(register, range(20)))
    assert results.count((201, None)) == 1, results
    assert all(r == (409, "conflict") for r in results if r[0] != 201), results
    db.session.rollback()
    assert db.session.scalar(sa.select(EventSeats.taken).where(EventSeats.entry_id == event.id)) == 1

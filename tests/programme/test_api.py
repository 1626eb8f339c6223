"""The programme API: calendar, entries CRUD for staff, registrations and check-in; its OpenAPI paths."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from alliance.core import clock
from mall.programme.constants import EntryKind
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()


@pytest.fixture
def setting(db):
    clock.freeze(datetime(2026, 12, 1, 9, tzinfo=SH))
    branch = factories.branch()
    district = factories.district(branch)
    staff = pf.staff_of(branch)
    return branch, district, staff


def test_staff_create_read_update_delete_an_entry(setting, client):
    branch, district, staff = setting
    h = factories.auth(staff)
    body = {
        "kind": "weekly_event",
        "title": "Merchant lecture",
        "branch_id": branch.id,
        "district_ids": [district.id],
        "event_format": "lecture",
        "starts_at": "2026-12-02T19:00:00",
        "ends_at": "2026-12-02T20:30:00",
        "rrule": "FREQ=WEEKLY;BYDAY=WE",
        "capacity": 30,
        "place": "Branch hall",
    }
    r = client.post("/api/v1/programme/entries", json=body, headers=h)
    assert r.status_code == 201, r.json
    entry = r.json
    assert entry["starts_at"] == "2026-12-02T19:00:00+08:00" and entry["rrule"] == "FREQ=WEEKLY;BYDAY=WE"
    assert entry["phase"] == "upcoming" and entry["cancelled_occurrences"] == []
    r = client.get(
        "/api/v1/programme/calendar",
        query_string={"from": "2026-12-01", "to": "2026-12-31"},
    )
    assert [o["starts_at"] for o in r.json] == [f"2026-12-{d:02d}T19:00:00+08:00" for d in (2, 9, 16, 23, 30)]
    assert r.json[0]["seats_left"] == 30 and r.json[0]["district_ids"] == [district.id]
    r = client.post(
        f"/api/v1/programme/entries/{entry['id']}/cancellations",
        json={"occurrence_start": "2026-12-16T19:00:00+08:00", "reason": "holiday"},
        headers=h,
    )
    assert r.status_code == 201 and r.json["cancelled_occurrences"] == ["2026-12-16T19:00:00+08:00"]
    r = client.get(
        "/api/v1/programme/calendar",
        query_string={"from": "2026-12-01", "to": "2026-12-31"},
    )
    assert len(r.json) == 4
    r = client.put(f"/api/v1/programme/entries/{entry['id']}", json={**body, "title": "Renamed"}, headers=h)
    assert r.status_code == 200 and r.json["title"] == "Renamed"
    assert client.get(f"/api/v1/programme/entries/{entry['id']}", headers=h).json["title"] == "Renamed"
    assert client.delete(f"/api/v1/programme/entries/{entry['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/programme/entries/{entry['id']}", headers=h).status_code == 404


def test_entry_errors_are_in_the_api_shape(setting, client):
    branch, _district, staff = setting
    h = factories.auth(staff)
    base = {
        "kind": "festival",
        "title": "Fest",
        "branch_id": branch.id,
        "all_day": True,
        "starts_at": "2026-12-10T00:00:00",
        "ends_at": "2026-12-12T00:00:00",
    }
    r = client.post("/api/v1/programme/entries", json={**base, "rrule": "FREQ=DAILY"}, headers=h)
    assert r.status_code == 422 and "rrule" in r.json["error"]["fields"]
    r = client.post(
        "/api/v1/programme/entries", json={**base, "kind": "daily_deal", "rrule": "FREQ=NEVER"}, headers=h
    )
    assert r.status_code == 422 and r.json["error"]["code"] == "validation_error"
    r = client.post("/api/v1/programme/entries", json={**base, "starts_at": "2026-12-10T09:00:00"}, headers=h)
    assert r.status_code == 422 and "starts_at" in r.json["error"]["fields"]
    r = client.post("/api/v1/programme/entries", json={**base, "branch_id": factories.branch().id}, headers=h)
    assert r.status_code == 422 and "branch_id" in r.json["error"]["fields"]
    customer = factories.user("customer")
    assert (
        client.post("/api/v1/programme/entries", json=base, headers=factories.auth(customer)).status_code
        == 403
    )
    assert client.post("/api/v1/programme/entries", json=base).status_code == 401
    r = client.get(
        "/api/v1/programme/calendar",
        query_string={"from": "2026-12-10", "to": "2026-12-01"},
    )
    assert r.status_code == 422
    other_staff = pf.staff_of(factories.branch())
    mine = pf.entry(staff, EntryKind.FESTIVAL, date(2026, 12, 20))
    assert (
        client.get(f"/api/v1/programme/entries/{mine.id}", headers=factories.auth(other_staff)).status_code
        == 404
    )


def test_customers_register_cancel_and_are_checked_in(setting, client, db):
    _branch, _district, staff = setting
    event = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), repeats="weekly", weekdays=[3], capacity=1
    )
    alice, bob = factories.user("customer"), factories.user("customer")
    ha, hb = factories.auth(alice), factories.auth(bob)
    url = f"/api/v1/programme/entries/{event.id}/registrations"
    when = {"occurrence_start": "2026-12-09T19:00:00"}
    r = client.post(url, json=when, headers=ha)
    assert r.status_code == 201 and r.json["status"] == "registered" and r.json["checkin_payload"]
    assert client.post(url, json=when, headers=ha).json["error"]["code"] in ("conflict", "sold_out")
    assert client.post(url, json=when, headers=hb).json["error"]["code"] == "sold_out"
    assert client.post(url, json={"occurrence_start": "2026-12-10T19:00:00"}, headers=hb).status_code == 404
    assert client.post(url, json=when, headers=factories.auth(staff)).status_code == 403
    reg_id = r.json["id"]
    mine = client.get("/api/v1/me/registrations", headers=ha).json
    assert [m["id"] for m in mine] == [reg_id]
    assert client.delete(f"/api/v1/me/registrations/{reg_id}", headers=hb).status_code == 404
    r = client.delete(f"/api/v1/me/registrations/{reg_id}", headers=ha)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    r = client.post(url, json=when, headers=hb)
    assert r.status_code == 201
    payload = r.json["checkin_payload"]
    hs = factories.auth(staff)
    assert client.post("/api/v1/programme/checkins", json={"payload": payload}, headers=hs).json["error"][
        "code"
    ] == ("invalid_state")  # too early: the door opens two hours before
    clock.freeze(datetime(2026, 12, 9, 18, 30, tzinfo=SH))
    r = client.post("/api/v1/programme/checkins", json={"payload": payload}, headers=hs)
    assert r.status_code == 201 and r.json["customer"] == bob.name
    again = client.post("/api/v1/programme/checkins", json={"payload": payload}, headers=hs)
    assert again.status_code == 409 and "18:30" in again.json["error"]["message"]
    forged = client.post("/api/v1/programme/checkins", json={"payload": payload[:-3] + "abc"}, headers=hs)
    assert forged.status_code == 422 and forged.json["error"]["code"] == "invalid_code"
    other_staff = pf.staff_of(factories.branch())
    assert (
        client.post(
            "/api/v1/programme/checkins", json={"payload": payload}, headers=factories.auth(other_staff)
        ).json["error"]["code"]
        == "invalid_code"
    )


def test_registration_closes_when_the_event_begins_and_cancelled_occurrences_refuse(setting, client, db):
    _branch, _district, staff = setting
    event = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), repeats="weekly", weekdays=[3], capacity=5
    )
    h = factories.auth(factories.user("customer"))
    url = f"/api/v1/programme/entries/{event.id}/registrations"
    clock.freeze(datetime(2026, 12, 2, 19, tzinfo=SH))
    assert client.post(url, json={"occurrence_start": "2026-12-02T19:00:00"}, headers=h).json["error"][
        "code"
    ] == ("invalid_state")
    from mall.programme import services

    services.cancel_occurrence(staff, event.id, datetime(2026, 12, 9, 19, tzinfo=SH).astimezone(UTC))
    r = client.post(url, json={"occurrence_start": "2026-12-09T19:00:00"}, headers=h)
    assert r.json["error"]["code"] == "invalid_state"
    assert client.post(url, json={"occurrence_start": "2026-12-16T19:00:00"}, headers=h).status_code == 201
    clock.advance(timedelta(days=30))


def test_the_programme_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/programme/calendar",
        "/api/v1/programme/entries",
        "/api/v1/programme/entries/{entry_id}",
        "/api/v1/programme/entries/{entry_id}/cancellations",
        "/api/v1/programme/entries/{entry_id}/registrations",
        "/api/v1/me/registrations",
        "/api/v1/me/registrations/{registration_id}",
        "/api/v1/programme/checkins",
    ):
        assert path in paths, path


def test_cancelling_an_entry_tells_its_registrants(setting, client, db):
    import sqlalchemy as sa

    from alliance.notifications.models import Notification
    from mall.programme import registrations, services

    branch, _district, staff = setting
    event = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), repeats="weekly", weekdays=[3], capacity=9
    )
    alice, bob = factories.user("customer"), factories.user("customer")
    registrations.register(alice, event.id, datetime(2026, 12, 2, 19, tzinfo=SH).astimezone(UTC))
    registrations.register(bob, event.id, datetime(2026, 12, 9, 19, tzinfo=SH).astimezone(UTC))
    db.session.commit()
    body = {
        "kind": "weekly_event",
        "title": event.title,
        "branch_id": branch.id,
        "event_format": "lecture",
        "starts_at": "2026-12-02T19:00:00",
        "ends_at": "2026-12-02T20:30:00",
        "rrule": "FREQ=WEEKLY;BYDAY=WE",
        "capacity": 9,
        "status": "cancelled",
    }
    r = client.put(f"/api/v1/programme/entries/{event.id}", json=body, headers=factories.auth(staff))
    assert r.status_code == 200, r.json
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "programme.occurrence_cancelled")
    )
    assert sorted(told) == sorted([alice.id, bob.id])
    assert services.calendar(None, *services.local_range(date(2026, 12, 1), date(2026, 12, 31))) == []


def test_the_calendar_counts_free_seats_without_a_query_per_occurrence(setting, client, db):
    from tests.merchants.test_queries import counted

    _branch, _district, staff = setting
    event = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), repeats="weekly", weekdays=[3], capacity=3
    )
    alice = factories.user("customer")
    ha = factories.auth(alice)
    url = f"/api/v1/programme/entries/{event.id}/registrations"
    assert client.post(url, json={"occurrence_start": "2026-12-09T19:00:00"}, headers=ha).status_code == 201

    def calendar(to: str):
        with counted(db) as statements:
            r = client.get(f"/api/v1/programme/calendar?from=2026-12-01&to={to}")
        assert r.status_code == 200
        return r.json, len(statements)

    month, few = calendar("2026-12-31")
    seats = {o["starts_at"][:10]: o["seats_left"] for o in month if o["entry_id"] == event.id}
    assert seats["2026-12-09"] == 2 and seats["2026-12-16"] == 3
    year, many = calendar("2027-12-31")
    assert len(year) > len(month) + 40
    assert many == few


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("0001-01-01T00:00", "0001-02-01T00:00"),  # before year 1 in UTC
        ("0001-02-01T00:00", "0001-03-01T00:00"),
        ("9999-12-01T00:00", "9999-12-31T00:00"),
    ],
)
def test_dates_no_one_means_are_field_errors(setting, client, starts_at, ends_at):
    branch, _district, staff = setting
    body = {
        "kind": "monthly_theme",
        "title": "x",
        "branch_id": branch.id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "all_day": True,
    }
    r = client.post("/api/v1/programme/entries", json=body, headers=factories.auth(staff))
    assert r.status_code == 422, r.json
    assert r.json["error"]["fields"]["starts_at"] == ["请选择 2000 年至 2199 年之间的日期。"]
    r = client.get("/api/v1/programme/calendar", query_string={"from": starts_at[:10], "to": "2026-12-31"})
    assert r.status_code == 422 and "from" in r.json["error"]["fields"]

"""Concurrent writers against a real server: they wait their turn, never fail with a 500."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.slow


def test_forty_registrations_at_once_all_succeed(live_server):
    def register(i):
        return requests.post(
            live_server.api("/auth/register"),
            json={"username": f"racer{i}", "password": "longenough"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(register, range(40)))
    assert statuses == [201] * 40, live_server.log()[-3000:]


def test_the_same_username_registered_twenty_times_at_once_is_created_once(live_server):
    def register(_):
        r = requests.post(
            live_server.api("/auth/register"),
            json={"username": "samename", "password": "longenough"},
            timeout=60,
        )
        return r.status_code, r.json()["error"]["code"] if r.status_code != 201 else None

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(register, range(20)))
    assert sorted(results, key=str).count((201, None)) == 1
    assert all(r == (409, "conflict") for r in results if r[0] != 201), results

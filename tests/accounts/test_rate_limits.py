"""Guessing is throttled with counters every worker shares, counted atomically; real users are not
locked out. Real concurrency: many threads against a gunicorn server with several workers."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
import requests

from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf
from tests.races import fire_at_once

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["database", "redis"])
def storage(request):
    if request.param == "database":
        yield {}
        return
    if not redis_available():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    prefix = f"test-attempts-{uuid.uuid4().hex}:"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):  # only this test's own keys
        client.delete(key)


@pytest.fixture
def app_config(app_config, storage):
    return {**app_config, **storage, "SIGNUP_LIMIT": "5 per hour"}


def test_thirty_concurrent_wrong_passwords_get_exactly_ten_tries(app, db, live_server):
    factories.user("customer", username="target")
    db.session.commit()
    url = live_server.api("/auth/tokens")

    def guess():
        return requests.post(
            url, json={"username": "target", "password": "wrong-guess"}, timeout=60
        ).status_code

    statuses = Counter(fire_at_once([guess] * 30))
    assert statuses == {401: 10, 429: 20}, (statuses, live_server.log()[-2000:])
    # The right password from this address waits too (another address: tests/accounts/test_api.py).
    right = {"username": "target", "password": factories.PASSWORD}
    assert requests.post(url, json=right, timeout=60).status_code == 429


def test_a_till_guessing_codes_is_stopped_and_the_shops_other_tills_are_not(app, db, live_server):
    shop = mf.merchant()
    owner = mf.owner(shop)
    clerk = mf.clerk(shop)
    customer = mf.customer()
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    clerk_token, owner_token = mf.token_for(clerk), mf.token_for(owner)
    db.session.commit()
    url = live_server.api("/redemptions")

    def guess():
        body = {"code": "23456789ABCD", "order_amount_fen": 100}
        return requests.post(url, json=body, headers=mf.bearer(clerk_token), timeout=60).status_code

    statuses = Counter(fire_at_once([guess] * 40))
    assert statuses == {422: 20, 429: 20}, (statuses, live_server.log()[-2000:])
    good = {"code": voucher.code, "order_amount_fen": 20000}
    assert requests.post(url, json=good, headers=mf.bearer(clerk_token), timeout=60).status_code == 429
    assert requests.post(url, json=good, headers=mf.bearer(owner_token), timeout=60).status_code == 201


def test_web_sign_ups_from_one_address_are_limited(app, db, live_server):
    url = live_server.url + "/register"

    def sign_up(i):
        data = {"username": f"newbie{i}", "password": "longenough", "confirm": "longenough"}
        return lambda: requests.post(url, data=data, allow_redirects=False, timeout=60).status_code

    statuses = Counter(fire_at_once([sign_up(i) for i in range(12)]))
    assert statuses == {302: 5, 429: 7}, (statuses, live_server.log()[-2000:])
    # The API's sign-ups (the bank app's gateway) are not limited by default.
    for i in range(7):
        body = {"username": f"appuser{i}", "password": "longenough"}
        assert requests.post(live_server.api("/auth/register"), json=body, timeout=60).status_code == 201

"""Two app servers (two gunicorn masters on different ports, as two hosts behind a load balancer)
against one PostgreSQL and one Redis: failed-attempt counters are shared, one Idempotency-Key
executes once across both, and two schedulers started by mistake still run each job once."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
import sqlalchemy as sa

from mall.coupons.models import Coupon
from mall.vouchers.models import Voucher
from tests.core import test_scheduler_processes as schedulers
from tests.core.scheduler_probe import PROBE_TABLE, create_probe_table
from tests.live import start_live_server
from tests.mall import factories as mf

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/9"  # this suite's own Redis database


@pytest.fixture
def app_config(app_config):
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the two-host tier runs on PostgreSQL")
    return {**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL, "REDEEM_FAILURE_LIMIT": "5 per 10 minutes"}


@pytest.fixture
def shared_redis():
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)


@pytest.fixture
def two_hosts(app, db, app_config, tmp_path, shared_redis):
    db.session.commit()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    hosts = [
        start_live_server(app_config, tmp_path / "a", workers=2, threads=4),
        start_live_server(app_config, tmp_path / "b", workers=2, threads=4),
    ]
    assert hosts[0].url != hosts[1].url
    yield hosts
    db.session.remove()
    for host in hosts:
        host.stop()


def test_failed_attempts_are_counted_across_both_hosts(app, db, two_hosts):
    shop = mf.merchant()
    token = mf.token_for(mf.clerk(shop))
    db.session.commit()
    answers = []
    for i in range(6):  # the limit is 5 failures: alternate hosts
        host = two_hosts[i % 2]
        r = requests.post(
            host.api("/redemptions"),
            json={"code": "AAAA-BBBB-CCCC", "order_amount_fen": 100},
            headers=mf.bearer(token),
            timeout=60,
        )
        answers.append((r.status_code, r.json()["error"]["code"]))
    assert answers[:5] == [(422, "invalid_code")] * 5
    assert answers[5] == (429, "rate_limited"), answers
    # And the other host agrees.
    r = requests.post(
        two_hosts[0].api("/redemptions"),
        json={"code": "AAAA-BBBB-CCCC", "order_amount_fen": 100},
        headers=mf.bearer(token),
        timeout=60,
    )
    assert r.status_code == 429


def test_one_idempotency_key_executes_once_across_both_hosts(app, db, two_hosts):
    coupon_id = mf.live_coupon(stock_total=10, per_customer_limit=10).id
    [(customer, token)] = mf.customers_with_tokens(1)
    customer_id = customer.id
    db.session.commit()
    headers = {**mf.bearer(token), "Idempotency-Key": "phone-77-retry"}
    barrier = threading.Barrier(12)

    def claim(i):
        barrier.wait(timeout=60)
        r = requests.post(
            two_hosts[i % 2].api(f"/mall/coupons/{coupon_id}/claims"), headers=headers, timeout=120
        )
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(claim, range(12)))
    db.session.rollback()
    winners = [body for status, body in results if status == 201]
    conflicts = [body for status, body in results if status == 409 and body["error"]["code"] == "conflict"]
    assert winners and len(winners) + len(conflicts) == 12, results
    assert all(body == winners[0] for body in winners)
    db.session.expire_all()
    assert db.session.get(Coupon, coupon_id).stock_left == 9
    held = db.session.scalars(sa.select(Voucher.id).where(Voucher.user_id == customer_id)).all()
    assert held == [winners[0]["id"]]


def test_two_schedulers_beside_two_hosts_run_each_job_once(app, db, app_config, two_hosts):
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    create_probe_table(url)
    procs = [schedulers._start(url), schedulers._start(url)]
    logs: list[list[str]] = [[], []]
    readers = [schedulers._collect(proc, log) for proc, log in zip(procs, logs, strict=True)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(
            any("Scheduler started" in ln for ln in log) for log in logs
        ):
            assert all(proc.poll() is None for proc in procs), ["".join(log) for log in logs]
            time.sleep(0.2)
        # While the jobs fire, both hosts keep answering.
        for _ in range(12):
            for host in two_hosts:
                assert requests.get(host.url + "/healthz", timeout=30).status_code == 200
            time.sleep(0.5)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except Exception:
                proc.kill()
        for reader in readers:
            reader.join(timeout=10)
        for proc in procs:
            proc.stdout.close()
    db.session.rollback()
    rows = db.session.execute(sa.text(f"SELECT job_id, slot FROM {PROBE_TABLE}")).all()
    per_slot = Counter((job_id, slot) for job_id, slot in rows)
    assert {k: n for k, n in per_slot.items() if n > 1} == {}, per_slot
    assert sum(1 for j, _s in per_slot if j == "probe.every_second") >= 3, ["".join(log) for log in logs]

"""A database that is down, hangs or drops connections: the API answers 503 `unavailable` within
seconds, pages a "busy, try again" page, and nothing is done twice or half."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from mall.coupons.models import Coupon
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests import databases
from tests.mall import factories as mf

pytestmark = pytest.mark.slow


@pytest.fixture
def silent_address():
    """A PostgreSQL address that accepts TCP and never answers (a listening socket nobody serves)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"postgresql://nobody@127.0.0.1:{sock.getsockname()[1]}/nothing"
    sock.close()


@pytest.fixture
def refused_address():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"postgresql://nobody@127.0.0.1:{port}/nothing"


def make_app(url: str, **settings):
    from wsgi import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test", "SCHEDULER_ENABLED": False}
        | settings
    )
    return app


def test_a_database_that_never_answers_is_unavailable_within_seconds(silent_address):
    app = make_app(silent_address, DATABASE_CONNECT_TIMEOUT=2)
    client = app.test_client()
    started = time.monotonic()
    response = client.get("/api/v1/mall/coupons")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]

    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["error"]["code"] == "unavailable"

    page = client.get("/mall")
    assert page.status_code == 503
    assert "系统繁忙，请稍后再试" in page.get_data(as_text=True)
    from alliance.core.i18n import LANG_COOKIE

    client.set_cookie(LANG_COOKIE, "en")
    english = client.get("/mall")
    assert "try again" in english.get_data(as_text=True)


def test_a_refused_connection_is_unavailable_not_an_internal_error(refused_address):
    client = make_app(refused_address).test_client()
    started = time.monotonic()
    response = client.post("/api/v1/auth/tokens", json={"username": "someone", "password": "whatever1"})
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "unavailable"
    assert time.monotonic() - started < 3


@pytest.mark.postgres
def test_a_statement_stuck_behind_a_lock_is_unavailable_after_the_statement_timeout(tmp_path):
    databases.require_postgres()
    url = databases.postgres_database()
    try:
        app = make_app(url, DATABASE_STATEMENT_TIMEOUT_MS=1000)
        blocker = sa.create_engine(url)
        with blocker.connect() as conn:
            conn.execute(sa.text("LOCK TABLE coupons IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = app.test_client().get("/api/v1/mall/coupons")
            elapsed = time.monotonic() - started
            conn.rollback()
        blocker.dispose()
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "unavailable"
        assert elapsed < 4
        assert app.test_client().get("/api/v1/mall/coupons").status_code == 200  # and then it works
        with app.app_context():
            from alliance.core.extensions import db

            db.engine.dispose()
    finally:
        databases.drop_postgres_database(url)


def _terminate_backends(url: str, stop: threading.Event, kills: list) -> None:
    """Terminate this test database's own backends (never anyone else's) every 50 ms."""
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(databases.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        while not stop.is_set():
            rows = conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).all()
            kills.append(len(rows))
            time.sleep(0.05)
    admin.dispose()


POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@POSTGRES_ONLY
def test_backends_terminated_during_claims_answer_503_then_work_with_no_double_effects(
    app, db, live_server, database_url
):
    coupon = mf.live_coupon(stock_total=500, per_customer_limit=10)
    racers = mf.customers_with_tokens(40)
    db.session.commit()
    coupon_id = coupon.id
    url = live_server.api(f"/mall/coupons/{coupon_id}/claims")
    db.session.close()  # the test's own pooled connection is terminated too: pre-ping replaces it
    stop, kills = threading.Event(), []
    killer = threading.Thread(target=_terminate_backends, args=(database_url, stop, kills))
    killer.start()

    def claim_a_few(token):
        answers = []
        for _ in range(5):
            response = requests.post(url, headers=mf.bearer(token), timeout=60)
            answers.append(response.status_code)
            if response.status_code >= 500:
                assert response.status_code == 503, response.text
                assert response.json()["error"]["code"] == "unavailable"
        return answers

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = [s for answers in pool.map(claim_a_few, [t for _, t in racers]) for s in answers]
    finally:
        stop.set()
        killer.join()
    statuses = Counter(results)
    assert set(statuses) <= {201, 503}, (statuses, live_server.log()[-3000:])
    assert statuses[503] > 0 and sum(kills) > 0  # the fault really happened
    issued = db.session.scalar(sa.select(sa.func.count(Voucher.id)).where(Voucher.coupon_id == coupon_id))
    remaining = db.session.scalar(sa.select(Coupon.stock_remaining).where(Coupon.id == coupon_id))
    assert remaining + issued == 500
    assert issued >= statuses[201]  # a 503 at commit time may have committed; none is counted twice
    # Afterwards everything works again.
    response = requests.post(url, headers=mf.bearer(racers[0][1]), timeout=60)
    assert response.status_code == 201, response.text


def _worker_pids(master_pid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            pids.append(int(entry))
    return pids


def test_a_worker_killed_mid_claims_and_redemptions_leaves_no_half_done_work(app, db, live_server):
    coupon = mf.live_coupon(stock_total=300, per_customer_limit=10)
    shop = coupon.merchant
    racers = mf.customers_with_tokens(30)
    to_redeem = [vouchers.claim(customer, coupon.id) for customer, _ in racers[:30]]
    tills = [mf.token_for(mf.clerk(shop)) for _ in range(6)]
    db.session.commit()
    coupon_id, codes = coupon.id, [v.code for v in to_redeem]
    claim_url, redeem_url = (
        live_server.api(f"/mall/coupons/{coupon_id}/claims"),
        live_server.api("/redemptions"),
    )

    def claim(token):
        statuses = []
        for _ in range(6):
            try:
                statuses.append(requests.post(claim_url, headers=mf.bearer(token), timeout=60).status_code)
            except requests.ConnectionError:
                statuses.append("dropped")
        return statuses

    def redeem(i):
        body = {"code": codes[i], "order_amount_fen": 20000}
        try:
            return [
                requests.post(redeem_url, json=body, headers=mf.bearer(tills[i % 6]), timeout=60).status_code
            ]
        except requests.ConnectionError:
            return ["dropped"]

    def kill_one_worker():
        time.sleep(0.4)
        workers = _worker_pids(live_server.process.pid)
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        return ["killed"]

    with ThreadPoolExecutor(max_workers=40) as pool:
        futures = [pool.submit(claim, t) for _, t in racers]
        futures += [pool.submit(redeem, i) for i in range(len(codes))]
        futures.append(pool.submit(kill_one_worker))
        results = [s for f in futures for s in f.result()]
    statuses = Counter(results)
    assert statuses["killed"] == 1
    assert set(statuses) <= {201, 409, 503, "dropped", "killed"}, (statuses, live_server.log()[-3000:])
    db.session.rollback()
    issued = db.session.scalar(sa.select(sa.func.count(Voucher.id)).where(Voucher.coupon_id == coupon_id))
    remaining = db.session.scalar(sa.select(Coupon.stock_remaining).where(Coupon.id == coupon_id))
    assert remaining + issued == 300
    redeemed = db.session.scalar(
        sa.select(sa.func.count(Voucher.id)).where(
            Voucher.coupon_id == coupon_id, Voucher.status == "redeemed"
        )
    )
    redemptions = db.session.scalar(
        sa.select(sa.func.count(Redemption.id))
        .join(Voucher, Redemption.voucher_id == Voucher.id)
        .where(Voucher.coupon_id == coupon_id)
    )
    assert redeemed == redemptions  # no redemption without its voucher, no voucher used without one
    # The master replaced the worker: the server still answers.
    deadline = time.monotonic() + 30
    while len(_worker_pids(live_server.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert requests.post(claim_url, headers=mf.bearer(racers[0][1]), timeout=60).status_code == 201

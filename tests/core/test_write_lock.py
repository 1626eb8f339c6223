"""SQLite's write lock is taken for the write statements only: a POST that only reads never waits
for it, and one that writes takes it just before its first write, in a fresh transaction."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from mall.vouchers.models import Voucher
from tests import factories
from tests.mall import factories as mf


@pytest.fixture
def sqlite_path(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return database_url.removeprefix("sqlite:///")


def test_a_post_that_only_reads_does_not_wait_for_the_write_lock(client, db, sqlite_path):
    coupon = mf.live_coupon()
    clerk_headers = factories.auth(mf.clerk(coupon.merchant))
    coupon_id = coupon.id
    db.session.commit()
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        started = time.monotonic()
        r = client.post(f"/api/v1/mall/coupons/{coupon_id}/claims", headers=clerk_headers)
        assert r.status_code == 403
        assert time.monotonic() - started < 5
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_claim_writes_after_reading_even_when_another_writer_committed_meanwhile(client, db, sqlite_path):
    """The read part's snapshot is older than another writer's commit: the writes still succeed
    (a deferred transaction upgraded in place would fail at once with SQLITE_BUSY)."""
    coupon = mf.live_coupon(stock_total=5)
    [(_c, token)] = mf.customers_with_tokens(1)
    coupon_id = coupon.id
    db.session.commit()
    from sqlalchemy import event

    from alliance.core.extensions import db as _db

    done = []

    def meanwhile(conn, cursor, statement, *args):
        if not done and statement.lstrip().startswith("SELECT coupons"):  # the token's read came first
            done.append(True)
            other = sqlite3.connect(sqlite_path, isolation_level=None, timeout=30)
            other.execute("UPDATE coupons SET title = title || '!' WHERE id = ?", (coupon_id,))
            other.close()

    # The other writer commits between the claim's first read and its first write.
    event.listen(_db.engine, "before_cursor_execute", meanwhile)
    try:
        r = client.post(f"/api/v1/mall/coupons/{coupon_id}/claims", headers=mf.bearer(token))
    finally:
        event.remove(_db.engine, "before_cursor_execute", meanwhile)
    assert done
    assert r.status_code == 201, r.get_json()
    assert db.session.scalar(sa.select(sa.func.count(Voucher.id))) == 1

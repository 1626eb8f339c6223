"""Racing real requests: every call in its own thread, released together by one barrier."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor


def fire_at_once(calls) -> list:
    """Run every call in its own thread, released together; the answers in call order. The test's
    session is rolled back afterwards: its next reads start a new transaction (an open SQLite read
    keeps its old snapshot)."""
    from alliance.core.extensions import db

    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = list(pool.map(run, calls))
    db.session.rollback()
    return results

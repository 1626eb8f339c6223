"""Two scheduler processes against one PostgreSQL database never fire a job twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from tests import databases
from tests.core.scheduler_probe import PROBE_TABLE, create_probe_table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _start(url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.scheduler_probe", url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _collect(proc: subprocess.Popen, lines: list[str]) -> threading.Thread:
    def read():
        for line in proc.stdout:
            lines.append(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_two_scheduler_processes_on_one_postgres_database_do_not_double_fire():
    url = databases.postgres_database()
    procs: list[subprocess.Popen] = []
    logs: list[list[str]] = []
    readers: list[threading.Thread] = []
    try:
        create_probe_table(url)
        procs = [_start(url), _start(url)]
        logs = [[], []]
        readers = [_collect(proc, log) for proc, log in zip(procs, logs, strict=True)]
        # Both schedulers must be running before the window opens (start-up is slow on a busy machine).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(
            any("Scheduler started" in ln for ln in log) for log in logs
        ):
            assert all(proc.poll() is None for proc in procs), ["".join(log) for log in logs]
            time.sleep(0.2)
        assert all(any("Scheduler started" in ln for ln in log) for log in logs), [
            "".join(log) for log in logs
        ]
        time.sleep(9)
        for proc, log in zip(procs, logs, strict=True):
            assert proc.poll() is None, "".join(log)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for reader in readers:
            reader.join(timeout=10)
        for proc in procs:
            proc.stdout.close()
        outputs = ["".join(log) for log in logs]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT job_id, slot, pid FROM {PROBE_TABLE}")).all()
            runs = conn.execute(
                sa.text(
                    "SELECT job_id, slot, outcome, holder FROM scheduler_runs WHERE job_id LIKE 'probe.%'"
                )
            ).all()
    finally:
        engine.dispose()
        databases.drop_postgres_database(url)
    assert all("probe scheduler starting" in out for out in outputs), outputs
    per_slot = Counter((job_id, slot) for job_id, slot, _pid in rows)
    doubles = {k: n for k, n in per_slot.items() if n > 1}
    assert doubles == {}, f"fired twice: {doubles}"
    for job_id in ("probe.every_second", "probe.cron_second"):
        assert sum(1 for j, _s in per_slot if j == job_id) >= 4, per_slot
    # Every side effect has exactly one run record.
    assert len(runs) == len(rows)
    assert all(outcome == "ok" for _j, _s, outcome, _h in runs)
    # Both processes really fired: the loser of each race logged that it skipped.
    assert sum(out.count("skipped") for out in outputs) >= 4, outputs

"""Scheduled jobs: each slot runs once and none is lost. A run killed mid-way is redone once, a
fire that finds the lock held runs when it frees, `run-job` says when it did not run, the prune
writes off stale rows; and real scheduler processes, SIGKILLed, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.jobs import Job
from alliance.core.scheduler import jobs as scheduler_jobs
from alliance.core.scheduler import runner
from alliance.core.scheduler.models import JobRun
from tests import databases
from tests.core.scheduler_probe import PROBE_TABLE, create_probe_table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Calls:
    def __init__(self):
        self.slots: list = []

    def __call__(self):
        self.slots.append(runner.current_slot())
        return {"calls": len(self.slots)}


def hold_lock(app, job_id: str, seconds: float):
    """Another process's run holding the job's lock for `seconds`, in a thread."""
    holding = threading.Event()

    def hold():
        with app.app_context(), runner.job_lock(job_id, "other-host:1:1") as got:
            assert got
            holding.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    return thread


def runs_of(db, job_id: str) -> list[JobRun]:
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(sa.select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)))


def test_a_fire_that_finds_the_lock_held_runs_once_the_lock_frees(app, db):
    calls = Calls()
    # A daily slot: the two calls below fall in one slot unless they straddle its boundary (a 5-minute
    # slot was crossed during the 2.5 s wait once in a while).
    app.extensions["alliance.jobs"] = [Job("probe.busy", calls, "interval", {"days": 1})]
    holder = hold_lock(app, "probe.busy", 2.5)
    started = time.monotonic()
    try:
        assert runner.execute("probe.busy") == "ok"
    finally:
        holder.join()
    assert time.monotonic() - started >= 2  # it waited for the lock, then ran
    [run] = runs_of(db, "probe.busy")
    assert run.outcome == "ok" and run.waited_from is not None and len(calls.slots) == 1
    assert runner.execute("probe.busy") == "served"


def test_a_manual_run_does_not_wait_and_the_command_exits_non_zero(app, db):
    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.cli", calls, "interval", {"minutes": 5})]
    holder = hold_lock(app, "probe.cli", 2)
    try:
        result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "probe.cli"])
    finally:
        holder.join()
    assert result.exit_code != 0 and "probe.cli: locked" in result.output
    assert calls.slots == []
    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "probe.cli"])
    assert result.exit_code == 0 and len(calls.slots) == 1


def test_a_run_killed_mid_way_is_redone_once(app, db):
    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.daily", calls, "cron", {"hour": 0, "minute": 0})]
    clock.freeze(datetime(2026, 3, 4, 16, 0, 1, tzinfo=UTC))  # 00:00:01 in Shanghai
    slot = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    # The holder died at 00:00:01: its row still says running, and its lock is gone with it.
    db.session.add(
        JobRun(
            job_id="probe.daily", slot=slot, holder="dead:1:1", started_at=clock.now_utc(), outcome="running"
        )
    )
    db.session.commit()
    assert runner.execute("probe.daily") == "ok"
    assert calls.slots == [slot]
    [run] = runs_of(db, "probe.daily")
    assert run.outcome == "ok" and run.tries == 2
    # Killed again: not a third time (a run that kills its scheduler is not retried forever).
    db.session.execute(sa.update(JobRun).values(outcome="running"))
    db.session.commit()
    assert runner.execute("probe.daily") == "served"
    assert len(calls.slots) == 1


def test_the_prune_writes_off_stale_rows_and_forgets_old_ones(app, db):
    now = clock.now_utc()
    db.session.add_all(
        [
            JobRun(job_id="a", slot=None, holder="x", started_at=now - timedelta(days=2), outcome="running"),
            JobRun(
                job_id="b", slot=None, holder="x", started_at=now - timedelta(days=100), outcome="running"
            ),
            JobRun(
                job_id="c", slot=None, holder="x", started_at=now - timedelta(minutes=1), outcome="running"
            ),
        ]
    )
    db.session.commit()
    assert scheduler_jobs.prune_runs() == {"deleted": 1, "written_off": 2}
    left = {r.job_id: r.outcome for r in db.session.scalars(sa.select(JobRun))}
    assert left == {"a": "failed", "c": "running"}


# --- real scheduler processes -----------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scheduler_db(request, tmp_path):
    if request.param == "sqlite":
        url = databases.sqlite_database(tmp_path)
        yield url
        return
    databases.require_postgres()
    url = databases.postgres_database()
    yield url
    databases.drop_postgres_database(url)


class Scheduler:
    def __init__(self, url: str, which: str):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.core.scheduler_probe", url, which],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def log(self) -> str:
        return "".join(self.lines)

    def wait_started(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Scheduler started" in self.log():
                return
            assert self.proc.poll() is None, self.log()
            time.sleep(0.1)
        raise AssertionError(self.log())

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=10)
        self.proc.stdout.close()


def probe_rows(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(f"SELECT job_id, slot FROM {PROBE_TABLE}"))]
    finally:
        engine.dispose()


def ledger(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text("SELECT slot, outcome, tries FROM scheduler_runs WHERE job_id = 'probe.slow'")
                )
            ]
    finally:
        engine.dispose()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_a_scheduler_killed_mid_run_has_its_slot_redone_once_by_the_next(scheduler_db):
    url = scheduler_db
    create_probe_table(url)
    first = Scheduler(url, "slow")
    second = None
    try:
        first.wait_started()
        # Wait for a run to be under way (a start without an end), then kill its scheduler.
        started = wait_for(
            lambda: [s for j, s in probe_rows(url) if j == "probe.slow:start"], 60, "a slow run to start"
        )
        killed_slot = started[-1]
        time.sleep(1)
        first.stop(signal.SIGKILL)
        assert ("probe.slow:end", killed_slot) not in probe_rows(url)
        second = Scheduler(url, "slow")
        second.wait_started()
        # The killed slot is redone once, and the next slot runs on time.
        try:
            wait_for(lambda: ("probe.slow:end", killed_slot) in probe_rows(url), 40, "the killed slot redone")
        except AssertionError as err:
            raise AssertionError(
                f"{err}: {killed_slot} {probe_rows(url)} {ledger(url)}\n{second.log()[-4000:]}"
            ) from None
        next_slot = (datetime.fromisoformat(killed_slot) + timedelta(seconds=20)).isoformat()
        try:
            wait_for(lambda: ("probe.slow:end", next_slot) in probe_rows(url), 45, "the next slot")
        except AssertionError as err:
            raise AssertionError(
                f"{err}: {next_slot} {probe_rows(url)} {ledger(url)}\n{second.log()[-4000:]}"
            ) from None
    finally:
        first.stop(signal.SIGKILL)
        if second is not None:
            second.stop()
    rows = probe_rows(url)
    ends = Counter(s for j, s in rows if j == "probe.slow:end")
    assert ends[killed_slot] == 1 and ends[next_slot] == 1, (rows, second.log()[-3000:])
    runs = {slot_text(slot): (outcome, tries) for slot, outcome, tries in ledger(url)}
    assert runs[killed_slot] == ("ok", 2), runs
    assert runs[next_slot] == ("ok", 1), runs


def slot_text(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC).astimezone(clock.local_zone()).isoformat()


@pytest.mark.slow
def test_two_schedulers_run_every_slot_exactly_once_and_downtime_is_caught_up_once(scheduler_db):
    url = scheduler_db
    create_probe_table(url)
    pair = [Scheduler(url, "fast"), Scheduler(url, "fast")]
    try:
        for proc in pair:
            proc.wait_started()
        time.sleep(12)
    finally:
        for proc in pair:
            proc.stop()
    rows = probe_rows(url)
    per_slot = Counter(rows)
    assert {k: n for k, n in per_slot.items() if n > 1} == {}, per_slot
    seconds = sorted(datetime.fromisoformat(s) for j, s in rows if j == "probe.cron_second")
    assert len(seconds) >= 8
    # Downtime: nothing runs for five seconds; the next scheduler catches up once, not five times.
    time.sleep(5)
    before = len(rows)
    again = Scheduler(url, "fast")
    try:
        again.wait_started()
        time.sleep(0.5)
    finally:
        again.stop()
    caught_up = [r for r in probe_rows(url)[before:] if r[0] == "probe.cron_second"]
    assert 1 <= len(caught_up) <= 3  # the catch-up once, and the slots of its own short life
    assert Counter(probe_rows(url)).most_common(1)[0][1] == 1

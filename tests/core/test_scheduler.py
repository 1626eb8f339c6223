"""The scheduler: a real APScheduler with the persistent store, one run per fire, locks, catch-up."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.jobs import Job
from alliance.core.scheduler import runner, service
from alliance.core.scheduler.health import job_health
from alliance.core.scheduler.models import JobLock, JobRun, StoredJob
from alliance.core.scheduler.triggers import build_trigger, latest_fire

SHANGHAI = clock.local_zone()


class Calls:
    def __init__(self):
        self.lock = threading.Lock()
        self.slots: list = []

    def __call__(self):
        with self.lock:
            self.slots.append(runner.current_slot())
        return {"calls": len(self.slots)}


def _fresh(db):
    db.session.rollback()
    db.session.expire_all()


def test_a_real_scheduler_with_the_persistent_store_runs_a_job_a_second_ahead_once(app, db):
    calls = Calls()
    run_at = datetime.now(UTC) + timedelta(seconds=1)
    app.extensions["alliance.jobs"] = [Job("probe.soon", calls, "date", {"run_date": run_at})]
    scheduler = service.build(app)
    scheduler.start()
    try:
        _fresh(db)
        stored = db.session.get(StoredJob, "probe.soon")
        assert stored is not None and stored.next_run_time == pytest.approx(run_at.timestamp(), abs=1)
        db.session.rollback()
        deadline = time.monotonic() + 15
        while not calls.slots and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # would a second run come?
    finally:
        scheduler.shutdown(wait=True)
    assert len(calls.slots) == 1
    assert calls.slots[0] == run_at.replace(microsecond=run_at.microsecond)
    _fresh(db)
    runs = db.session.scalars(sa.select(JobRun).where(JobRun.job_id == "probe.soon")).all()
    assert [(r.outcome, r.summary) for r in runs] == [("ok", {"calls": 1})]
    # A date job that has fired is gone from the store.
    assert db.session.get(StoredJob, "probe.soon") is None
    db.session.rollback()


def test_the_store_holds_the_runner_by_name_with_the_job_id_not_the_job(app, db):
    app.extensions["alliance.jobs"] = [Job("probe.daily", Calls(), "cron", {"hour": 0, "minute": 0})]
    scheduler = service.build(app)
    scheduler.start(paused=True)
    try:
        stored = scheduler.get_job("probe.daily")
        assert stored.func_ref == "alliance.core.scheduler.runner:run_job"
        assert stored.args == ("probe.daily",)
        assert stored.coalesce is True and stored.misfire_grace_time >= 3600
        # Cron fields are read in the configured zone: local midnight is 16:00 UTC.
        assert stored.next_run_time.astimezone(UTC).hour == 16
    finally:
        scheduler.shutdown(wait=False)


def test_a_job_dropped_from_the_list_is_removed_from_the_store(app, db):
    app.extensions["alliance.jobs"] = [Job("probe.old", Calls(), "cron", {"hour": 3})]
    first = service.build(app)
    first.start(paused=True)
    first.shutdown(wait=False)
    app.extensions["alliance.jobs"] = [Job("probe.new", Calls(), "cron", {"hour": 3})]
    second = service.build(app)
    second.start(paused=True)
    try:
        service.remove_stale_jobs(app, second)
        assert [j.id for j in second.get_jobs(jobstore="default")] == ["probe.new"]
    finally:
        second.shutdown(wait=False)


def test_the_slot_is_the_latest_fire_time_in_the_local_zone():
    daily = build_trigger(Job("d", print, "cron", {"hour": 0, "minute": 0}), SHANGHAI)
    now = datetime(2026, 3, 4, 15, 59, tzinfo=UTC)  # 23:59 local on the 4th
    assert latest_fire(daily, now) == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    assert latest_fire(daily, now + timedelta(minutes=1)) == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    every5 = build_trigger(Job("i", print, "interval", {"minutes": 5}), SHANGHAI)
    assert latest_fire(every5, datetime(2026, 3, 4, 1, 7, 30, tzinfo=UTC)) == datetime(
        2026, 3, 4, 1, 5, tzinfo=UTC
    )
    monthly = build_trigger(Job("m", print, "cron", {"day": 1, "hour": 2}), SHANGHAI)
    assert latest_fire(monthly, datetime(2026, 3, 20, tzinfo=UTC)) == datetime(2026, 2, 28, 18, 0, tzinfo=UTC)


def test_one_run_per_slot_however_often_the_job_is_fired(app, db):
    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.daily", calls, "cron", {"hour": 0, "minute": 0})]
    clock.freeze(datetime(2026, 3, 4, 16, 0, 5, tzinfo=UTC))
    assert runner.execute("probe.daily") == "ok"
    clock.advance(timedelta(hours=3))
    assert runner.execute("probe.daily") == "served"
    assert calls.slots == [datetime(2026, 3, 4, 16, 0, tzinfo=UTC)]
    clock.advance(timedelta(days=1))
    assert runner.execute("probe.daily") == "ok"
    assert len(calls.slots) == 2
    # A manual run is never refused for its slot.
    assert runner.execute("probe.daily", manual=True) == "ok"
    assert len(calls.slots) == 3


def test_a_failing_job_is_recorded_and_its_changes_rolled_back(app, db):
    from tests import factories

    def broken():
        factories.branch("half-written")
        db.session.flush()
        raise RuntimeError("boom")

    app.extensions["alliance.jobs"] = [Job("probe.broken", broken, "interval", {"minutes": 5})]
    assert runner.execute("probe.broken") == "failed"
    run = db.session.scalars(sa.select(JobRun)).one()
    assert run.outcome == "failed" and "boom" in run.error and run.finished_at is not None
    from alliance.branches.models import Branch

    assert db.session.scalar(sa.select(sa.func.count(Branch.id))) == 0
    health = {h.job.id: h for h in job_health()}["probe.broken"]
    assert health.state == "failing" and health.failures == 1 and health.consecutive_failures == 1


def test_a_held_lock_makes_a_second_scheduler_skip(app, db, is_postgres):
    app.config["SCHEDULER_LOCK_WAIT_SECONDS"] = 0  # waiting for the lock: test_scheduler_hardening.py
    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.locked", calls, "interval", {"minutes": 1})]
    done = threading.Event()
    holding = threading.Event()
    outcome = {}

    def hold():
        with app.app_context(), runner.job_lock("probe.locked", "other-process") as got:
            outcome["got"] = got
            holding.set()
            done.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(10)
    try:
        assert outcome["got"] is True
        assert runner.execute("probe.locked") == "locked"
    finally:
        done.set()
        t.join()
    assert calls.slots == []
    assert runner.execute("probe.locked") == "ok"


def test_a_lock_left_by_a_dead_process_expires_after_its_lease(app, db, is_postgres):
    if is_postgres:
        pytest.skip("advisory locks die with their connection; the lease is SQLite's")
    app.config["SCHEDULER_LOCK_WAIT_SECONDS"] = 0
    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.stale", calls, "interval", {"minutes": 1})]
    clock.freeze(datetime(2026, 3, 4, 1, 0, 30, tzinfo=UTC))
    db.session.add(
        JobLock(job_id="probe.stale", holder="dead:1:1", locked_until=clock.now_utc() + runner.LOCK_LEASE)
    )
    db.session.commit()
    assert runner.execute("probe.stale") == "locked"
    clock.advance(runner.LOCK_LEASE + timedelta(seconds=1))  # a minute, not an hour
    assert runner.execute("probe.stale") == "ok"


def test_health_tells_overdue_when_no_scheduler_runs(app, db):
    app.extensions["alliance.jobs"] = [Job("probe.h", Calls(), "interval", {"minutes": 5})]
    clock.freeze(datetime(2026, 3, 4, 1, 0, 30, tzinfo=UTC))
    assert runner.execute("probe.h") == "ok"
    db.session.add(StoredJob(id="probe.h", next_run_time=clock.now_utc().timestamp() + 270, job_state=b"x"))
    db.session.commit()
    [health] = job_health()
    assert health.state == "ok" and health.last_ok is not None
    assert health.next_run == datetime(2026, 3, 4, 1, 5, tzinfo=UTC)
    clock.advance(timedelta(hours=1))
    assert job_health()[0].state == "overdue"


def test_the_app_factory_wires_the_scheduler_without_starting_it(app):
    from alliance.core.scheduler.service import _started, start_background

    assert app.extensions["alliance.start_scheduler"] is start_background
    assert "background" not in _started


def test_the_development_server_starts_one_scheduler_per_process(app, db):
    from alliance.core.scheduler.service import _shutdown_background, _started, start_background

    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.dev", calls, "interval", {"hours": 1})]
    try:
        first = start_background(app)
        assert start_background(app) is first and first.running
        deadline = time.monotonic() + 10
        while not calls.slots and time.monotonic() < deadline:  # the start-up catch-up
            time.sleep(0.05)
        assert len(calls.slots) == 1
    finally:
        _shutdown_background()
    assert "background" not in _started


def test_the_scheduler_commands(app, db):
    calls = Calls()
    app.extensions["alliance.jobs"] = [Job("probe.cli", calls, "cron", {"hour": 2}, "A probe")]
    cli = app.test_cli_runner()
    result = cli.invoke(args=["scheduler", "run-job", "probe.cli"])
    assert result.exit_code == 0 and "probe.cli: ok" in result.output
    assert len(calls.slots) == 1 and calls.slots[0] is None  # a manual run serves no slot
    result = cli.invoke(args=["scheduler", "jobs"])
    assert "probe.cli" in result.output and " ok " in result.output
    result = cli.invoke(args=["scheduler", "run-job", "nope"])
    assert result.exit_code != 0 and "no job 'nope'" in result.output

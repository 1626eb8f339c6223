"""One run of one job: app context, a database lock, the slot it serves, and a run record.

`run_job` is what the persistent job store holds (by its importable name, with the job id as its
argument); it never holds the Job object itself, so a stored job survives a code change.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.extensions import db
from alliance.core.jobs import Job
from alliance.core.scheduler.models import JobLock, JobRun
from alliance.core.scheduler.triggers import build_trigger, latest_fire

log = logging.getLogger("alliance.scheduler")

# SQLite's lock is a lease, renewed while the job runs (every third of it): a holder that died frees
# the job within one lease. PostgreSQL's advisory lock goes with the holder's connection.
LOCK_LEASE = timedelta(seconds=60)
# A fire that finds the job's lock held waits for it, polling, this long at most (then the next
# run covers it: jobs reconcile).
LOCK_WAIT = timedelta(minutes=15)
LOCK_POLL_SECONDS = 1.0

# Run outcomes.
WAITING, RUNNING, OK, FAILED = "waiting", "running", "ok", "failed"
# What run_job reports when it did not run the job.
SKIPPED_LOCKED, SKIPPED_SERVED = "locked", "served"

_bound: dict[str, Flask] = {}
_current_slot: ContextVar[datetime | None] = ContextVar("scheduler_slot", default=None)


def bind(app: Flask) -> None:
    """The application whose jobs this process runs (set when a scheduler starts)."""
    _bound["app"] = app


def current_slot() -> datetime | None:
    """Inside a job: the scheduled fire time this run serves (None for a manual run)."""
    return _current_slot.get()


def jobs_of(app: Flask) -> list[Job]:
    return list(app.extensions.get("alliance.jobs", []))


def find_job(job_id: str, app: Flask | None = None) -> Job:
    app = app or current_app
    for job in jobs_of(app):
        if job.id == job_id:
            return job
    raise LookupError(f"no job {job_id!r} in this application's job list")


def run_job(job_id: str) -> str:
    """Entry point for APScheduler: run `job_id` for the slot now due, once across all schedulers."""
    app = _bound.get("app")
    if app is None:
        raise RuntimeError("scheduler.runner.bind(app) was not called in this process")
    with app.app_context():
        return execute(job_id)


# How far back the start-up catch-up looks for runs whose scheduler died mid-way.
INTERRUPTED_LOOKBACK = timedelta(hours=6)


def interrupted_slots(job_id: str) -> list[datetime]:
    """Recent slots whose run still says "running" and was not redone yet: their holder may be gone
    (or still at work: the lock decides, see _claim)."""
    since = clock.now_utc() - INTERRUPTED_LOOKBACK
    return list(
        db.session.scalars(
            sa.select(JobRun.slot)
            .where(
                JobRun.job_id == job_id,
                JobRun.outcome == RUNNING,
                JobRun.tries < 2,
                JobRun.slot.is_not(None),
                JobRun.started_at >= since,
            )
            .order_by(JobRun.slot)
        )
    )


def catch_up() -> dict[str, str]:
    """At scheduler start: redo once each run a dead scheduler left "running", then offer every job
    its latest due slot; slots already served skip."""
    app = _bound.get("app")
    if app is None:
        raise RuntimeError("scheduler.runner.bind(app) was not called in this process")
    outcomes = {}
    for job in jobs_of(app):
        with app.app_context():
            for slot in interrupted_slots(job.id):
                execute(job.id, slot=clock.to_local(slot))  # the slot as its own fire named it
            outcomes[job.id] = execute(job.id)
    return outcomes


def lock_lease() -> timedelta:
    return timedelta(
        seconds=current_app.config.get("SCHEDULER_LOCK_LEASE_SECONDS", LOCK_LEASE.total_seconds())
    )


def lock_wait() -> timedelta:
    return timedelta(seconds=current_app.config.get("SCHEDULER_LOCK_WAIT_SECONDS", LOCK_WAIT.total_seconds()))


def _holder() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 100000}"


def _advisory_key(job_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(job_id.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def job_lock(job_id: str, holder: str) -> Iterator[bool]:
    """Yield True while this process holds `job_id`'s lock, False when another one does."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # Held by a transaction on a connection of its own, so the job may commit freely; a
        # crashed process drops its connection and with it the lock.
        with engine.connect() as conn:
            got = conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_advisory_key(job_id)))).scalar()
            try:
                yield bool(got)
            finally:
                conn.rollback()
        return
    now = clock.now_utc()
    db.session.execute(insert_ignore(JobLock.__table__, db.session.get_bind(), job_id=job_id))
    taken = db.session.execute(
        sa.update(JobLock)
        .where(
            JobLock.job_id == job_id,
            sa.or_(JobLock.locked_until.is_(None), JobLock.locked_until < now),
        )
        .values(holder=holder, locked_until=now + lock_lease())
    ).rowcount
    db.session.commit()
    try:
        yield bool(taken)
    finally:
        if taken:
            db.session.rollback()
            db.session.execute(
                sa.update(JobLock)
                .where(JobLock.job_id == job_id, JobLock.holder == holder)
                .values(holder=None, locked_until=None)
            )
            db.session.commit()


def _claim(job_id: str, slot: datetime | None, holder: str) -> int | None:
    """The run record this holder now runs under (we hold the job's lock); None when the slot was
    served already. A slot that waited for the lock is taken over; a "running" row found under
    the lock belongs to a holder that died mid-run, and is redone once (tries 2)."""
    now = clock.now_utc()
    values = {"job_id": job_id, "slot": slot, "holder": holder, "started_at": now, "outcome": RUNNING}
    if slot is None:
        run = JobRun(**values, heartbeat_at=now)
        db.session.add(run)
        db.session.flush()
        run_id = run.id
        db.session.commit()
        return run_id
    # RETURNING, not rowcount: PostgreSQL's driver reports -1 rows for ON CONFLICT DO NOTHING.
    run_id = db.session.scalar(
        insert_ignore(JobRun.__table__, db.session.get_bind(), **values, heartbeat_at=now).returning(
            JobRun.__table__.c.id
        )
    )
    if run_id is None:
        same_slot = (JobRun.job_id == job_id, JobRun.slot == slot)
        run_id = db.session.scalar(
            sa.update(JobRun)
            .where(*same_slot, JobRun.outcome == WAITING)
            .values(outcome=RUNNING, holder=holder, started_at=now, heartbeat_at=now)
            .returning(JobRun.id)
        )
    if run_id is None:
        run_id = db.session.scalar(
            sa.update(JobRun)
            .where(*same_slot, JobRun.outcome == RUNNING, JobRun.tries < 2)
            .values(holder=holder, started_at=now, heartbeat_at=now, tries=JobRun.tries + 1)
            .returning(JobRun.id)
        )
        if run_id is not None:
            log.warning("job %s: slot %s was interrupted mid-run; running it again", job_id, slot)
    if run_id is None:
        db.session.rollback()
        return None
    db.session.commit()
    return run_id


def _note_waiting(job_id: str, slot: datetime, holder: str) -> bool:
    """Write down that `slot` waits for the job's lock; False when the slot needs no waiting for:
    served already, or another scheduler waits for it."""
    now = clock.now_utc()
    row = insert_ignore(
        JobRun.__table__,
        db.session.get_bind(),
        job_id=job_id,
        slot=slot,
        holder=holder,
        started_at=now,
        waited_from=now,
        outcome=WAITING,
    ).returning(JobRun.__table__.c.id)
    noted = db.session.scalar(row) is not None
    outcome = None
    if not noted:
        outcome = db.session.scalar(
            sa.select(JobRun.outcome).where(JobRun.job_id == job_id, JobRun.slot == slot)
        )
    db.session.commit()
    # A slot someone runs now is waited for too: if its holder dies, the lock frees and it is redone.
    return noted or outcome == RUNNING


@contextlib.contextmanager
def _heartbeat(job_id: str, run_id: int, holder: str) -> Iterator[None]:
    """While the job runs: renew the run's heartbeat and, on SQLite, the lock's lease."""
    engine = db.engine
    lease = lock_lease()
    stop = threading.Event()

    def beat():
        while not stop.wait(max(lease.total_seconds() / 3, 0.2)):
            try:
                with engine.begin() as conn:
                    now = clock.now_utc()
                    conn.execute(sa.update(JobRun).where(JobRun.id == run_id).values(heartbeat_at=now))
                    if engine.dialect.name != "postgresql":
                        conn.execute(
                            sa.update(JobLock)
                            .where(JobLock.job_id == job_id, JobLock.holder == holder)
                            .values(locked_until=now + lease)
                        )
            except Exception:
                log.warning("job %s: heartbeat failed", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def _summary(value: Any) -> dict | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, int | float | str | bool) else str(v) for k, v in value.items()}
    return {"result": value if isinstance(value, int | float | str | bool) else str(value)}


def execute(job_id: str, *, manual: bool = False, slot: datetime | None = None) -> str:
    """Run `job_id` now inside the current app context; returns ok, failed, locked or served.

    A scheduled fire that finds the job's lock held notes its slot as waiting and runs it once the
    lock frees (within LOCK_WAIT); a manual run does not wait."""
    job = find_job(job_id)
    now = clock.now_utc()
    if not manual and slot is None:
        slot = latest_fire(build_trigger(job, clock.local_zone()), now)
        if slot is None:
            return SKIPPED_SERVED
    holder = _holder()
    deadline = time.monotonic() + (0 if manual else lock_wait().total_seconds())
    waiting = False
    while True:
        with job_lock(job_id, holder) as got:
            if got:
                return _run_locked(job, slot, holder)
        if manual or slot is None:
            log.info("job %s: another run holds its lock; not run", job_id)
            return SKIPPED_LOCKED
        if not waiting:
            if not _note_waiting(job_id, slot, holder):
                log.info("job %s: slot %s is run (or waited for) elsewhere; skipped", job_id, slot)
                return SKIPPED_SERVED
            waiting = True
            log.info("job %s: its lock is held; slot %s waits for it", job_id, slot)
        if time.monotonic() > deadline:
            log.warning("job %s: slot %s waited too long for the lock; the next run covers it", job_id, slot)
            return SKIPPED_LOCKED
        time.sleep(LOCK_POLL_SECONDS)


def _run_locked(job: Job, slot: datetime | None, holder: str) -> str:
    job_id = job.id
    run_id = _claim(job_id, slot, holder)
    if run_id is None:
        log.info("job %s: slot %s was already served; skipped", job_id, slot)
        return SKIPPED_SERVED
    token = _current_slot.set(slot)
    try:
        with _heartbeat(job_id, run_id, holder):
            result = job.func()
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        db.session.execute(
            sa.update(JobRun)
            .where(JobRun.id == run_id)
            .values(outcome=FAILED, finished_at=clock.now_utc(), error=traceback.format_exc()[-4000:])
        )
        db.session.commit()
        return FAILED
    finally:
        _current_slot.reset(token)
    db.session.execute(
        sa.update(JobRun)
        .where(JobRun.id == run_id)
        .values(outcome=OK, finished_at=clock.now_utc(), summary=_summary(result))
    )
    db.session.commit()
    log.info("job %s ran for slot %s: %s", job_id, slot, result)
    return OK

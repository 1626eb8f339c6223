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

# A lock older than this is taken to belong to a dead process (SQLite lease).
LOCK_LEASE = timedelta(hours=1)

# Run outcomes.
RUNNING, OK, FAILED = "running", "ok", "failed"
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


def catch_up() -> dict[str, str]:
    """Offer every job its latest due slot; those already served skip. Run at scheduler start."""
    app = _bound.get("app")
    if app is None:
        raise RuntimeError("scheduler.runner.bind(app) was not called in this process")
    outcomes = {}
    for job in jobs_of(app):
        with app.app_context():
            outcomes[job.id] = execute(job.id)
    return outcomes


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
        .values(holder=holder, locked_until=now + LOCK_LEASE)
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
    """Insert the run record; None when another scheduler already served this slot."""
    values = {
        "job_id": job_id,
        "slot": slot,
        "holder": holder,
        "started_at": clock.now_utc(),
        "outcome": RUNNING,
    }
    if slot is None:
        run = JobRun(**values)
        db.session.add(run)
        db.session.flush()
        run_id = run.id
    else:
        # RETURNING, not rowcount: PostgreSQL's driver reports -1 rows for ON CONFLICT DO NOTHING.
        run_id = db.session.scalar(
            insert_ignore(JobRun.__table__, db.session.get_bind(), **values).returning(JobRun.__table__.c.id)
        )
        if run_id is None:
            db.session.rollback()
            return None
    db.session.commit()
    return run_id


def _summary(value: Any) -> dict | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, int | float | str | bool) else str(v) for k, v in value.items()}
    return {"result": value if isinstance(value, int | float | str | bool) else str(value)}


def execute(job_id: str, *, manual: bool = False) -> str:
    """Run `job_id` now inside the current app context; returns ok, failed, locked or served."""
    job = find_job(job_id)
    now = clock.now_utc()
    slot = None
    if not manual:
        slot = latest_fire(build_trigger(job, clock.local_zone()), now)
        if slot is None:
            return SKIPPED_SERVED
    holder = _holder()
    with job_lock(job_id, holder) as got:
        if not got:
            log.info("job %s: another scheduler holds its lock; skipped", job_id)
            return SKIPPED_LOCKED
        run_id = _claim(job_id, slot, holder)
        if run_id is None:
            log.info("job %s: slot %s was already served; skipped", job_id, slot)
            return SKIPPED_SERVED
        token = _current_slot.set(slot)
        try:
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

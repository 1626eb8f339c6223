"""The scheduler's health, as the staff page and `flask scheduler jobs` show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from alliance.core import clock
from alliance.core.extensions import db
from alliance.core.jobs import Job
from alliance.core.scheduler.descriptions import description_of
from alliance.core.scheduler.models import JobRun, StoredJob
from alliance.core.scheduler.runner import FAILED, OK, RUNNING, WAITING, jobs_of, lock_lease

# A job whose next run is this far in the past means no scheduler is running.
OVERDUE_AFTER = timedelta(minutes=10)
FAILURE_WINDOW = timedelta(days=7)


@dataclass
class JobHealth:
    job: Job
    last_run: JobRun | None
    last_ok: JobRun | None
    next_run: datetime | None
    failures: int  # failed runs in the last FAILURE_WINDOW
    consecutive_failures: int
    state: str  # ok, failing, running, interrupted, overdue, never_run

    @property
    def description(self) -> str:
        return description_of(self.job)

    @property
    def healthy(self) -> bool:
        return self.state in ("ok", "running", "never_run")


def _next_runs() -> dict[str, datetime]:
    rows = db.session.execute(sa.select(StoredJob.id, StoredJob.next_run_time))
    return {job_id: datetime.fromtimestamp(stamp, UTC) for job_id, stamp in rows if stamp is not None}


def job_health(now: datetime | None = None) -> list[JobHealth]:
    now = now or clock.now_utc()
    next_runs = _next_runs()
    found = []
    for job in jobs_of(current_app):
        recent = list(
            db.session.scalars(
                sa.select(JobRun)
                .where(JobRun.job_id == job.id)
                .order_by(JobRun.started_at.desc(), JobRun.id.desc())
                .limit(20)
            )
        )
        last = recent[0] if recent else None
        last_ok = next((r for r in recent if r.outcome == OK), None)
        if last_ok is None and last is not None:
            last_ok = db.session.scalar(
                sa.select(JobRun)
                .where(JobRun.job_id == job.id, JobRun.outcome == OK)
                .order_by(JobRun.started_at.desc())
                .limit(1)
            )
        failures = (
            db.session.scalar(
                sa.select(sa.func.count(JobRun.id)).where(
                    JobRun.job_id == job.id,
                    JobRun.outcome == FAILED,
                    JobRun.started_at >= now - FAILURE_WINDOW,
                )
            )
            or 0
        )
        consecutive = 0
        for run in recent:
            if run.outcome != FAILED:
                break
            consecutive += 1
        next_run = next_runs.get(job.id)
        if last is None:
            state = "never_run"
        elif last.outcome in (RUNNING, WAITING):
            alive = (last.heartbeat_at or last.started_at) > now - 2 * lock_lease()
            state = "running" if alive or last.outcome == WAITING else "interrupted"
        elif last.outcome == FAILED:
            state = "failing"
        else:
            state = "ok"
        if next_run is not None and next_run < now - OVERDUE_AFTER:
            state = "overdue"
        found.append(JobHealth(job, last, last_ok, next_run, failures, consecutive, state))
    return found

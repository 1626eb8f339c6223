"""The scheduler's own housekeeping job."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.extensions import db
from alliance.core.jobs import Job
from alliance.core.scheduler.models import JobRun

KEEP_RUNS = timedelta(days=90)
# A run still "running" or "waiting" after this long lost its scheduler: it is written off.
STALE_AFTER = timedelta(days=1)


def prune_runs() -> dict:
    """Forget run records older than 90 days (the health page looks back a week), whatever their
    outcome, and write off runs whose scheduler went away (still running or waiting after a day)."""
    now = clock.now_utc()
    stale = db.session.execute(
        sa.update(JobRun)
        .where(
            JobRun.outcome.in_(("running", "waiting")),
            sa.func.coalesce(JobRun.heartbeat_at, JobRun.started_at) < now - STALE_AFTER,
        )
        .values(outcome="failed", finished_at=now, error="interrupted: its scheduler stopped")
    ).rowcount
    deleted = db.session.execute(sa.delete(JobRun).where(JobRun.started_at < now - KEEP_RUNS)).rowcount
    db.session.commit()
    return {"deleted": deleted, "written_off": stale}


PRUNE_RUNS = Job(
    "scheduler.prune_runs", prune_runs, "cron", {"hour": 3, "minute": 30}, _l("Forget old run records")
)

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


def prune_runs() -> dict:
    """Forget run records older than 90 days (the health page looks back a week)."""
    cutoff = clock.now_utc() - KEEP_RUNS
    deleted = db.session.execute(
        sa.delete(JobRun).where(JobRun.started_at < cutoff, JobRun.outcome != "running")
    ).rowcount
    db.session.commit()
    return {"deleted": deleted}


PRUNE_RUNS = Job(
    "scheduler.prune_runs", prune_runs, "cron", {"hour": 3, "minute": 30}, _l("Forget old run records")
)

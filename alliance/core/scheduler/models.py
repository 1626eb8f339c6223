"""Scheduler tables: APScheduler's job store, the run locks, and the record of every run."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db

JOBSTORE_TABLE = "scheduler_jobs"


class StoredJob(db.Model):
    """APScheduler's SQLAlchemyJobStore table, declared here so migrations own its schema.

    The columns are APScheduler's own (id, next_run_time as a UTC epoch, pickled job_state); the
    job store reads and writes it, nothing else does, except the health page reading next runs.
    """

    __tablename__ = JOBSTORE_TABLE

    id: Mapped[str] = mapped_column(sa.Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(sa.Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)


class JobLock(db.Model):
    """A lease on one job, for databases without advisory locks (SQLite)."""

    __tablename__ = "scheduler_locks"

    job_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(120))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobRun(db.Model):
    """One run of a job. `slot` is the scheduled fire time it serves: one run per (job, slot).

    Manual runs have no slot. `outcome` is waiting (the slot fell due while the job's lock was
    held; it runs once the lock frees), running, ok or failed. `tries` is 2 when a run killed
    mid-way (a "running" row found under the lock: its holder is gone) was redone; `waited_from`
    says since when a slot waited for the lock; `heartbeat_at` is renewed while the run is alive.
    """

    __tablename__ = "scheduler_runs"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "slot"),
        sa.Index("ix_scheduler_runs_job_started", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(100))
    slot: Mapped[datetime | None] = mapped_column(UTCDateTime())
    holder: Mapped[str] = mapped_column(sa.String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(sa.String(16))
    tries: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    waited_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)

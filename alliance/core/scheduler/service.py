"""Building, starting and stopping the one scheduler of a deployment."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from alliance.core import clock
from alliance.core.extensions import db
from alliance.core.scheduler import runner
from alliance.core.scheduler.models import JOBSTORE_TABLE
from alliance.core.scheduler.triggers import build_trigger

log = logging.getLogger("alliance.scheduler")

CATCH_UP_ID = "scheduler.catch_up"
RUN_JOB_REF = "alliance.core.scheduler.runner:run_job"

# A fire that comes late (a busy machine, a long job before it) still runs, once, if within this.
MISFIRE_GRACE_SECONDS = 6 * 3600

_started: dict[str, BaseScheduler] = {}
_start_lock = threading.Lock()


def build(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    """A scheduler for `app`'s job list, its jobs stored in the app's database."""
    runner.bind(app)
    with app.app_context():
        engine = db.engine
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE),
            "local": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=clock.local_zone(),
    )
    register_jobs(app, scheduler)
    return scheduler


def register_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Every Job by its stable id (replacing what the store held), then the start-up catch-up."""
    zone = clock.local_zone()
    for job in runner.jobs_of(app):
        scheduler.add_job(
            RUN_JOB_REF,
            trigger=build_trigger(job, zone),
            args=[job.id],
            id=job.id,
            name=job.id,
            replace_existing=True,
        )
    # The catch-up offers every job its latest due slot once, right after start: after downtime
    # the missed work is done once; slots another scheduler served are skipped.
    scheduler.add_job(runner.catch_up, "date", id=CATCH_UP_ID, jobstore="local", replace_existing=True)


def remove_stale_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Jobs in the store that the job list no longer declares are removed."""
    wanted = {job.id for job in runner.jobs_of(app)}
    for stored in scheduler.get_jobs(jobstore="default"):
        if stored.id not in wanted:
            log.info("removing job %s: no longer declared", stored.id)
            with contextlib.suppress(JobLookupError):  # another scheduler removed it first
                scheduler.remove_job(stored.id, jobstore="default")


def start_background(app: Flask) -> BaseScheduler:
    """Start this process's scheduler in a background thread (development server); once only."""
    with _start_lock:
        if "background" in _started:
            return _started["background"]
        scheduler = build(app)
        scheduler.start()
        remove_stale_jobs(app, scheduler)
        _started["background"] = scheduler
        atexit.register(_shutdown_background)
        return scheduler


def _shutdown_background() -> None:
    scheduler = _started.pop("background", None)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)


def run_blocking(app: Flask) -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl+C (`flask scheduler run`)."""
    import signal

    scheduler = build(app, blocking=True)

    def stop(signum, frame):
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    scheduler.add_listener(lambda event: remove_stale_jobs(app, scheduler), mask=EVENT_SCHEDULER_START)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()

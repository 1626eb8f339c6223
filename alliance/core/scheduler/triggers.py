"""APScheduler triggers for our Job records, and the fire time ("slot") a run serves."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alliance.core.jobs import Job

# Interval jobs are anchored to a fixed instant, so that every process computes the same fire
# times (APScheduler's default anchor is "now + interval", different in each process).
INTERVAL_ANCHOR = datetime(2000, 1, 1)

_MAX_LOOKBACK = timedelta(days=800)


def build_trigger(job: Job, zone: ZoneInfo) -> BaseTrigger:
    schedule = dict(job.schedule)
    if job.trigger == "cron":
        return CronTrigger(timezone=zone, **schedule)
    if job.trigger == "interval":
        schedule.setdefault("start_date", INTERVAL_ANCHOR.replace(tzinfo=zone))
        return IntervalTrigger(timezone=zone, **schedule)
    if job.trigger == "date":
        return DateTrigger(timezone=zone, **schedule)
    raise ValueError(f"job {job.id}: unknown trigger {job.trigger!r}")


def latest_fire(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The last time at or before `now` when `trigger` fires (None if it never has).

    Two schedulers firing the same job for the same moment compute the same slot, which is what
    lets the run record refuse the second. After downtime it is the newest missed fire time, so
    a catch-up run serves it once.
    """
    lookback = timedelta(seconds=2)
    while lookback <= _MAX_LOOKBACK:
        found = trigger.get_next_fire_time(None, now - lookback)
        if found is not None and found <= now:
            while True:
                following = trigger.get_next_fire_time(found, found + timedelta(microseconds=1))
                if following is None or following > now or following <= found:
                    return found
                found = following
        lookback *= 2
    return None

"""The shape of a scheduled job. Features write plain functions in their `jobs.py`; `wsgi.JOBS` lists them.

A job function takes no arguments, runs inside an application context, commits for itself, and is
idempotent: it reconciles the database to "what should be true now", so a re-run or a catch-up after
downtime does no harm. It may return a short summary (a dict or a number) shown on the health page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    id: str  # stable: it is the key in the persistent job store
    func: Callable[[], Any]
    trigger: str  # "cron" or "interval" (APScheduler trigger names)
    # Trigger arguments; cron fields are read in the configured local zone (TIMEZONE).
    schedule: dict[str, Any] = field(default_factory=dict)
    description: str = ""

"""Scheduled funding work: open each month's statements and give back reservations that finished
coupons can no longer use. Both reconcile to what is true now, so a repeated run changes nothing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from alliance.core.extensions import db
from alliance.core.jobs import Job
from mall.funding.services import budgets, settlement


def reconcile_funding() -> dict:
    """Open this month's statements; release what ended and withdrawn coupons can no longer use."""
    opened = settlement.open_statements()
    released = budgets.release_unusable()
    db.session.commit()
    return {"opened": opened, **released}


RECONCILE = Job(
    "funding.reconcile",
    reconcile_funding,
    "interval",
    {"minutes": 10},
    _l("Open the month's settlement statements and release unusable budget reservations"),
)

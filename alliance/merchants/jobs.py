"""Scheduled work of the alliance: the monthly re-tiering and the cash-flow day reminders.

Each function runs in an application context, commits for itself, and is idempotent.
"""

from __future__ import annotations

from alliance.core.extensions import db
from alliance.merchants.constants import TierChangeReason
from alliance.merchants.services import cashflow, tiering


def retier_all() -> dict:
    """Recompute every member's tier from its latest figures and its branch's policy.

    Only real changes are written (and get a history row), so a re-run changes nothing.
    """
    try:
        changed = tiering.retier(None, reason=TierChangeReason.MONTHLY)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"tier_changes": changed}


def cashflow_reminders() -> dict:
    """Remind account managers the day before a merchant's collection or payment day."""
    try:
        sent = cashflow.send_reminders()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"reminders": sent}

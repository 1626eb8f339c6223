"""What each scheduled job does, in words, keyed by the job's stable id, for the health page.

Jobs are declared in the features' `jobs.py`, and not every declaration carries a translatable
description; the health page reads these instead, so every job is described in the page's language.
A job missing here falls back to its own description, then to its id.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DESCRIPTIONS = {
    "merchants.retier": _l("Re-tier every member from its latest figures, on the first of the month"),
    "merchants.cashflow": _l("Remind account managers the day before a merchant's collection or payment day"),
    "core.purge_idempotency_keys": _l("Forget idempotency keys older than a day"),
    "mall.expire_vouchers": _l("Mark vouchers past their validity as expired"),
    "mall.remind_expiring_vouchers": _l("Remind customers of vouchers that expire within three days"),
    "mall.end_finished_coupons": _l("End coupons whose claim window is over"),
    "scheduler.prune_runs": _l("Forget old run records"),
    "programme.rollover": _l("Daily rollover at local midnight"),
    "programme.event_reminders": _l("Event reminders, the day before"),
    "programme.figures": _l("Nightly programme figures"),
}


def description_of(job) -> str:
    """The job's description in the reader's language (its id when none is known)."""
    return str(DESCRIPTIONS.get(job.id) or job.description or job.id)

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


# What a run's result counts, in words: {"expired": 3} reads "已过期 3".
SUMMARY_LABELS = {
    "expired": _l("expired"),
    "reminded": _l("reminded"),
    "ended": _l("ended"),
    "phase_changes": _l("phase changes"),
    "merchants_told": _l("merchants told"),
    "windows_extended": _l("windows extended"),
    "sent": _l("sent"),
    "days": _l("days"),
    "rows": _l("rows"),
    "opened": _l("opened"),
    "coupons": _l("coupons"),
    "released_fen": _l("released (fen)"),
    "tier_changes": _l("tier changes"),
    "reminders": _l("reminders"),
    "deleted": _l("deleted"),
}


def summary_text(summary: dict | None) -> str:
    """A run's result in words, in the reader's language: '已过期 3 · 已提醒 2'."""
    if not summary:
        return ""
    return " · ".join(
        f"{SUMMARY_LABELS.get(key, key.replace('_', ' '))} {value}" for key, value in summary.items()
    )


def description_of(job) -> str:
    """The job's description in the reader's language (its id when none is known)."""
    return str(DESCRIPTIONS.get(job.id) or job.description or job.id)

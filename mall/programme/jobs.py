"""The programme's scheduled jobs. Each reconciles to what should be true now, so a re-run or a
catch-up after downtime does the missed work once and nothing twice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.branches.models import Branch
from alliance.core import clock
from alliance.core.extensions import db
from alliance.core.jobs import Job
from mall.programme import notices
from mall.programme.constants import CAMPAIGN_KINDS, EntryStatus, RegistrationStatus
from mall.programme.models import DailyFigures, ProgrammeEntry, Registration
from mall.programme.services import calendar, local_range, phase_of, rebuild_windows, zone_of

# A reminder for an occurrence is due at this local time on the day before it.
REMINDER_AT = time(9, 0)
# The figures roll-up looks back at most this far for days it has not rolled up yet.
FIGURES_LOOKBACK_DAYS = 31


def rollover() -> dict:
    """Local midnight: entries become live or ended; merchants of campaigns starting today are told;
    open-ended series get their windows extended."""
    now = clock.now_utc()
    changed = told = extended = 0
    entries = db.session.scalars(
        sa.select(ProgrammeEntry).where(
            ProgrammeEntry.status == EntryStatus.PUBLISHED, ProgrammeEntry.phase != "ended"
        )
    )
    for entry in entries:
        phase = phase_of(entry, now)
        if phase != entry.phase:
            entry.phase = phase
            changed += 1
        if phase == "live" and entry.kind in CAMPAIGN_KINDS and entry.rrule is None:
            ends_on = (entry.dtend.astimezone(zone_of(entry)) - timedelta(microseconds=1)).date()
            told += notices.campaign_live(entry, ends_on)
        if entry.series_end is None:
            rebuild_windows(entry, now)
            extended += 1
    db.session.commit()
    return {"phase_changes": changed, "merchants_told": told, "windows_extended": extended}


def reminder_due_at(occurrence_start: datetime, entry: ProgrammeEntry) -> datetime:
    day_before = occurrence_start.astimezone(zone_of(entry)).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_AT, tzinfo=zone_of(entry)).astimezone(clock.UTC)


def event_reminders() -> dict:
    """Remind registered customers of an event the day before (from 09:00), until it begins.

    After downtime the reminders that fell due meanwhile go out at once, for events still ahead.
    """
    now = clock.now_utc()
    horizon = now + timedelta(days=2)
    regs = db.session.scalars(
        sa.select(Registration)
        .join(ProgrammeEntry, ProgrammeEntry.id == Registration.entry_id)
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            Registration.occurrence_start > now,
            Registration.occurrence_start <= horizon,
            ProgrammeEntry.status == EntryStatus.PUBLISHED,
        )
    )
    sent = 0
    for reg in regs:
        if reg.occurrence_start in {c.occurrence_start for c in reg.entry.cancellations}:
            continue
        if reminder_due_at(reg.occurrence_start, reg.entry) <= now:
            sent += bool(notices.event_reminder(reg))
    db.session.commit()
    return {"sent": sent}


def figures_for(day: date, branch_id: int) -> dict:
    start, end = local_range(day, day)
    occs = calendar(None, start, end, branch_id=branch_id, include_cancelled=True)
    live_ids = {o.entry.id for o in occs if not o.cancelled}

    def count(*where) -> int:
        return (
            db.session.scalar(
                sa.select(sa.func.count(Registration.id))
                .join(ProgrammeEntry, ProgrammeEntry.id == Registration.entry_id)
                .where(ProgrammeEntry.branch_id == branch_id, *where)
            )
            or 0
        )

    return {
        "entries_live": len(live_ids),
        "occurrences": sum(1 for o in occs if not o.cancelled and start <= o.start < end),
        "cancelled_occurrences": sum(1 for o in occs if o.cancelled and start <= o.start < end),
        "registrations_new": count(Registration.created_at >= start, Registration.created_at < end),
        "registrations_cancelled": count(Registration.cancelled_at >= start, Registration.cancelled_at < end),
        "attendees_expected": count(
            Registration.occurrence_start >= start,
            Registration.occurrence_start < end,
            Registration.status == RegistrationStatus.REGISTERED,
        ),
        "checkins": count(Registration.checked_in_at >= start, Registration.checked_in_at < end),
    }


def figures_rollup() -> dict:
    """Nightly: the programme's figures per branch for every finished local day not rolled up yet
    (and yesterday again, in case late changes touched it)."""
    today = clock.local_today()
    yesterday = today - timedelta(days=1)
    earliest = today - timedelta(days=FIGURES_LOOKBACK_DAYS)
    rolled = 0
    for branch_id in db.session.scalars(sa.select(Branch.id).order_by(Branch.id)):
        last = db.session.scalar(
            sa.select(sa.func.max(DailyFigures.day)).where(DailyFigures.branch_id == branch_id)
        )
        day = max(earliest, (last or earliest - timedelta(days=1)) + timedelta(days=1))
        day = min(day, yesterday)
        while day <= yesterday:
            values = figures_for(day, branch_id)
            row = db.session.scalar(
                sa.select(DailyFigures).where(DailyFigures.branch_id == branch_id, DailyFigures.day == day)
            )
            if row is None:
                row = DailyFigures(branch_id=branch_id, day=day)
                db.session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.computed_at = clock.now_utc()
            rolled += 1
            day += timedelta(days=1)
    db.session.commit()
    return {"days": rolled}


ROLLOVER = Job(
    "programme.rollover", rollover, "cron", {"hour": 0, "minute": 0}, _l("Daily rollover at local midnight")
)
EVENT_REMINDERS = Job(
    "programme.event_reminders", event_reminders, "cron", {"minute": 5}, _l("Event reminders, the day before")
)
FIGURES = Job(
    "programme.figures", figures_rollup, "cron", {"hour": 1, "minute": 15}, _l("Nightly programme figures")
)

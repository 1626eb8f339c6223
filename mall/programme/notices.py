"""The programme's notifications: event reminders, cancelled occurrences, campaigns going live."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.accounts.models import User
from alliance.core.extensions import db
from alliance.notifications.services import notify, register_kind
from mall.programme.constants import RegistrationStatus
from mall.programme.models import ProgrammeEntry, Registration

EVENT_REMINDER = "programme.event_reminder"
OCCURRENCE_CANCELLED = "programme.occurrence_cancelled"
CAMPAIGN_LIVE = "programme.campaign_live"

register_kind(
    EVENT_REMINDER,
    title=_l("Reminder: %(title)s"),
    body=_l("%(title)s begins %(starts_at)s at %(place)s. Show your check-in code at the door."),
)
register_kind(
    OCCURRENCE_CANCELLED,
    title=_l("Cancelled: %(title)s"),
    body=_l("%(title)s on %(starts_at)s will not take place. We are sorry."),
)
register_kind(
    CAMPAIGN_LIVE,
    title=_l("Starting today: %(title)s"),
    body=_l("%(title)s, in which your shop takes part, starts today and runs until %(ends_on)s."),
)


def _place(entry: ProgrammeEntry) -> str:
    return entry.place or entry.online_url or entry.branch.name


def event_reminder(registration: Registration) -> bool:
    entry = registration.entry
    return notify(
        registration.user_id,
        EVENT_REMINDER,
        {
            "title": entry.title,
            "starts_at": registration.occurrence_start.isoformat(),
            "place": _place(entry),
        },
        link="/me/registrations",
        dedupe_key=f"programme.reminder:{registration.id}:{registration.occurrence_start:%Y%m%dT%H%M%SZ}",
    )


def occurrence_cancelled(entry: ProgrammeEntry, occ) -> int:
    sent = 0
    registrations = db.session.scalars(
        sa.select(Registration).where(
            Registration.entry_id == entry.id,
            Registration.occurrence_start == occ.start,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    )
    for reg in registrations:
        sent += notify(
            reg.user_id,
            OCCURRENCE_CANCELLED,
            {"title": entry.title, "starts_at": occ.start.isoformat()},
            link="/me/registrations",
            dedupe_key=f"programme.cancelled:{reg.id}:{occ.stamp}",
        )
    return sent


def campaign_live(entry: ProgrammeEntry, ends_on) -> int:
    """Tell the owners of the campaign's merchants that it starts today (once per entry)."""
    merchant_ids = [m.id for m in entry.merchants]
    if not merchant_ids:
        return 0
    owners = db.session.scalars(
        sa.select(User.id).where(
            User.merchant_id.in_(merchant_ids), User.role == "merchant", User.active.is_(True)
        )
    )
    sent = 0
    for user_id in owners:
        sent += notify(
            user_id,
            CAMPAIGN_LIVE,
            {"title": entry.title, "ends_on": ends_on.isoformat()},
            link=f"/events/entries/{entry.id}",
            dedupe_key=f"programme.live:{entry.id}:{user_id}",
        )
    return sent

"""Event registration with capacity, cancellation, and check-in at the door."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.branches.services import can_manage_branch
from alliance.core import clock, signing
from alliance.core.db import insert_ignore
from alliance.core.errors import Conflict, Forbidden, InvalidCode, InvalidState, NotFound, SoldOut
from alliance.core.extensions import db
from mall.programme.constants import EntryStatus, RegistrationStatus
from mall.programme.models import EventSeats, ProgrammeEntry, Registration
from mall.programme.services import Occurrence, find_occurrence, get_public_entry

CHECKIN_PURPOSE = "programme.checkin"
# The door opens this long before an occurrence starts.
CHECKIN_OPENS_BEFORE = timedelta(hours=2)


def seats_left_many(occs) -> dict[str, int | None]:
    """Free seats of each occurrence (None: no registration limit), in one query, keyed by
    `Occurrence.key`."""
    capped = [o for o in occs if o.entry.capacity]
    left: dict[str, int | None] = {o.key: None for o in occs}
    if not capped:
        return left
    rows = db.session.execute(
        sa.select(EventSeats.entry_id, EventSeats.occurrence_start, EventSeats.taken).where(
            EventSeats.entry_id.in_({o.entry.id for o in capped}),
            EventSeats.occurrence_start >= min(o.start for o in capped),
            EventSeats.occurrence_start <= max(o.start for o in capped),
        )
    ).all()
    taken = {(entry_id, clock.ensure_utc(start)): n for entry_id, start, n in rows}
    for o in capped:
        left[o.key] = max(0, o.entry.capacity - (taken.get((o.entry.id, clock.ensure_utc(o.start))) or 0))
    return left


@dataclass(frozen=True)
class SeatedOccurrence(Occurrence):
    """An occurrence with its free seats counted beforehand (None: no registration limit)."""

    seats_left: int | None = None


def with_seats(occs) -> list[SeatedOccurrence]:
    left = seats_left_many(occs)
    return [SeatedOccurrence(o.entry, o.start, o.end, o.cancelled, left[o.key]) for o in occs]


def _registrable_occurrence(entry_id: int, occurrence_start: datetime) -> Occurrence:
    entry = get_public_entry(entry_id)
    if not entry.registrable:
        raise InvalidState(_l("This event does not take registrations."))
    occ = find_occurrence(entry, occurrence_start)
    if occ is None:
        raise NotFound()
    if occ.cancelled:
        raise InvalidState(_l("This occurrence is cancelled."))
    if occ.start <= clock.now_utc():
        raise InvalidState(_l("This event has already begun."))
    return occ


def register(user, entry_id: int, occurrence_start: datetime) -> Registration:
    """Take a seat at one occurrence: one conditional UPDATE, so the seats never overbook."""
    if user is None or user.role != "customer":
        raise Forbidden(_l("Only customers register for events."))
    occ = _registrable_occurrence(entry_id, occurrence_start)
    entry = occ.entry
    # Counted in the entry's own row, on the condition that it still is as read: an edit moving
    # the series or a deletion either went first (then this matches nothing) or waits for this.
    held = db.session.execute(
        sa.update(ProgrammeEntry)
        .where(
            ProgrammeEntry.id == entry.id,
            ProgrammeEntry.status == EntryStatus.PUBLISHED,
            ProgrammeEntry.dtstart == entry.dtstart,
            ProgrammeEntry.dtend == entry.dtend,
            ProgrammeEntry.rrule.is_not_distinct_from(entry.rrule),
        )
        .values(
            registrations_made=ProgrammeEntry.registrations_made + 1, updated_at=ProgrammeEntry.updated_at
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not held:
        raise InvalidState(_l("This event has just changed: look at it again."))
    bind = db.session.get_bind()
    db.session.execute(
        insert_ignore(EventSeats.__table__, bind, entry_id=occ.entry.id, occurrence_start=occ.start, taken=0)
    )
    capacity = sa.select(ProgrammeEntry.capacity).where(ProgrammeEntry.id == occ.entry.id).scalar_subquery()
    took = db.session.execute(
        sa.update(EventSeats)
        .where(
            EventSeats.entry_id == occ.entry.id,
            EventSeats.occurrence_start == occ.start,
            EventSeats.taken < capacity,
        )
        .values(taken=EventSeats.taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not took:
        raise SoldOut(_l("Fully booked."))
    # Read after the seat row is locked: a second request of the same person waits, then sees this one.
    existing = db.session.scalar(
        sa.select(Registration)
        .where(
            Registration.entry_id == occ.entry.id,
            Registration.occurrence_start == occ.start,
            Registration.user_id == user.id,
        )
        .execution_options(populate_existing=True)
    )
    now = clock.now_utc()
    if existing is not None:
        if existing.status == RegistrationStatus.REGISTERED:
            raise Conflict(_l("You are already registered for this event."))
        existing.status = RegistrationStatus.REGISTERED
        existing.cancelled_at = None
        existing.created_at = now
        registration = existing
    else:
        registration = Registration(
            entry_id=occ.entry.id, occurrence_start=occ.start, user_id=user.id, created_at=now
        )
        db.session.add(registration)
    db.session.flush()
    return registration


def get_own(user, registration_id: int) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None or user is None or reg.user_id != user.id:
        raise NotFound()
    return reg


def cancel(user, registration_id: int) -> Registration:
    """Give the seat back, before the event begins."""
    reg = get_own(user, registration_id)
    if reg.status != RegistrationStatus.REGISTERED:
        raise InvalidState(_l("This registration is already cancelled."))
    if reg.occurrence_start <= clock.now_utc():
        raise InvalidState(_l("This event has already begun."))
    changed = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == reg.id, Registration.status == RegistrationStatus.REGISTERED)
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=clock.now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise InvalidState(_l("This registration is already cancelled."))
    db.session.execute(
        sa.update(EventSeats)
        .where(
            EventSeats.entry_id == reg.entry_id,
            EventSeats.occurrence_start == reg.occurrence_start,
            EventSeats.taken > 0,
        )
        .values(taken=EventSeats.taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(reg)
    return reg


def my_registrations(user, *, upcoming_only: bool = False) -> list[Registration]:
    stmt = (
        sa.select(Registration)
        .where(Registration.user_id == user.id)
        .order_by(Registration.occurrence_start.desc())
        .limit(200)
    )
    if upcoming_only:
        stmt = stmt.where(
            Registration.occurrence_start > clock.now_utc() - timedelta(hours=12),
            Registration.status == RegistrationStatus.REGISTERED,
        )
    return list(db.session.scalars(stmt))


def checkin_payload(reg: Registration) -> str:
    """The signed QR payload shown at the door; the database stays the authority on state."""
    return signing.dumps(
        CHECKIN_PURPOSE,
        {"r": reg.id, "u": reg.user_id, "n": secrets.token_hex(4), "t": int(clock.now_utc().timestamp())},
    )


def check_in(staff, payload: str) -> Registration:
    """Admit the holder of a check-in QR: once, on the day, at the staff member's own branch."""
    if staff is None or staff.role not in ("staff", "admin"):
        raise Forbidden()
    try:
        data = signing.loads(CHECKIN_PURPOSE, (payload or "").strip())
        reg_id, user_id = int(data["r"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidCode(_l("This is not a check-in code of ours."))
    reg = db.session.get(Registration, reg_id)
    if reg is None or reg.user_id != user_id or not can_manage_branch(staff, reg.entry.branch_id):
        raise InvalidCode(_l("This is not a check-in code of ours."))
    if reg.status != RegistrationStatus.REGISTERED or reg.entry.status != EntryStatus.PUBLISHED:
        raise InvalidState(_l("This registration was cancelled."))
    now = clock.now_utc()
    occ = find_occurrence(reg.entry, reg.occurrence_start)
    if occ is None or occ.cancelled:
        raise InvalidState(_l("This occurrence is cancelled."))
    if not (occ.start - CHECKIN_OPENS_BEFORE <= now < occ.end):
        raise InvalidState(_l("Check-in is open from two hours before the start until the end."))
    admitted = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == reg.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=staff.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(reg)
    if not admitted:
        from alliance.core.i18n import localtime

        raise InvalidState(_l("Already checked in at %(at)s.", at=localtime(reg.checked_in_at, "time")))
    return reg


def attendees(staff, entry_id: int, occurrence_start: datetime) -> list[Registration]:
    from mall.programme.services import get_entry_for_staff

    entry = get_entry_for_staff(staff, entry_id)
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.entry_id == entry.id, Registration.occurrence_start == occurrence_start)
            .order_by(Registration.created_at)
        )
    )

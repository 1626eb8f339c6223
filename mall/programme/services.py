"""The programme's rules: entries and their timing, the calendar of occurrences, programme windows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.branches.models import Branch, District
from alliance.branches.services import can_manage_branch, visible_branch_ids
from alliance.core import clock
from alliance.core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.programme import recurrence, themes
from mall.programme.constants import (
    ALL_DAY_KINDS,
    REGISTRABLE_KINDS,
    EntryKind,
    EntryStatus,
    EventFormat,
)
from mall.programme.models import Cancellation, EventSeats, ProgrammeEntry, ProgrammeWindow, Registration

STAFF_ROLES = ("staff", "admin")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_RANGE = timedelta(days=400)
# Open-ended series have their windows written this far ahead (the daily rollover extends them).
WINDOW_HORIZON = timedelta(days=400)


# ---------------------------------------------------------------- occurrences


@dataclass(frozen=True)
class Occurrence:
    """One dated happening of an entry."""

    entry: ProgrammeEntry
    start: datetime  # UTC
    end: datetime  # UTC
    cancelled: bool = False

    @property
    def key(self) -> str:
        return f"{self.entry.id}@{self.start:%Y%m%dT%H%M%SZ}"

    @property
    def begun(self) -> bool:
        """Under way or over: it takes no new registrations."""
        return self.start <= clock.now_utc()

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(zone_of(self.entry))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(zone_of(self.entry))

    @property
    def local_days(self) -> list[date]:
        """The local days this occurrence touches (an all-day end is exclusive)."""
        first = self.local_start.date()
        last = (self.local_end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    @property
    def stamp(self) -> str:
        return f"{self.start:%Y%m%dT%H%M%SZ}"


def zone_of(entry: ProgrammeEntry) -> ZoneInfo:
    return ZoneInfo(entry.tzid)


def parse_stamp(stamp: str) -> datetime:
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=clock.UTC)
    except (TypeError, ValueError):
        raise NotFound()


def _duration(entry: ProgrammeEntry) -> timedelta:
    return entry.dtend - entry.dtstart


def _end_of(entry: ProgrammeEntry, start: datetime) -> datetime:
    """An occurrence lasts as long as the first, in wall time (an all-day stays whole days)."""
    zone = zone_of(entry)
    first_local = entry.dtstart.astimezone(zone).replace(tzinfo=None)
    length = entry.dtend.astimezone(zone).replace(tzinfo=None) - first_local
    local = start.astimezone(zone).replace(tzinfo=None) + length
    return local.replace(tzinfo=zone).astimezone(clock.UTC)


def expand(
    entry: ProgrammeEntry, start: datetime, end: datetime, *, include_cancelled: bool = False
) -> list[Occurrence]:
    """The entry's occurrences overlapping [start, end), EXDATEs removed (or flagged)."""
    cancelled = {c.occurrence_start for c in entry.cancellations}
    found = []
    for occ_start in recurrence.occurrence_starts(
        entry.dtstart, entry.rrule, zone_of(entry), start, end, _duration(entry) + timedelta(hours=2)
    ):
        occ_end = _end_of(entry, occ_start)
        if not (occ_start < end and occ_end > start):
            continue
        is_cancelled = occ_start in cancelled
        if is_cancelled and not include_cancelled:
            continue
        found.append(Occurrence(entry, occ_start, occ_end, is_cancelled))
    return found


def find_occurrence(entry: ProgrammeEntry, start: datetime) -> Occurrence | None:
    for occ in expand(entry, start, start + timedelta(seconds=1), include_cancelled=True):
        if occ.start == start:
            return occ
    return None


def _entries_query(start: datetime, end: datetime):
    return sa.select(ProgrammeEntry).where(
        ProgrammeEntry.dtstart < end,
        sa.or_(ProgrammeEntry.series_end.is_(None), ProgrammeEntry.series_end > start),
    )


def _scope_filter(stmt, branch_id: int | None, district_id: int | None):
    if branch_id is not None:
        stmt = stmt.where(ProgrammeEntry.branch_id == branch_id)
    if district_id is not None:
        district = db.session.get(District, district_id)
        if district is None:
            raise NotFound()
        from mall.programme.models import entry_districts

        linked = sa.select(entry_districts.c.entry_id).where(entry_districts.c.district_id == district_id)
        branch_wide = ~sa.exists().where(entry_districts.c.entry_id == ProgrammeEntry.id)
        stmt = stmt.where(
            ProgrammeEntry.branch_id == district.branch_id,
            sa.or_(ProgrammeEntry.id.in_(linked), branch_wide),
        )
    return stmt


def calendar(
    actor,
    start: datetime,
    end: datetime,
    *,
    branch_id: int | None = None,
    district_id: int | None = None,
    kinds: list[str] | None = None,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Occurrences in [start, end): published ones for everyone; staff also see their drafts."""
    if end <= start:
        raise ValidationFailed({"to": [_l("The end must be after the start.")]})
    if end - start > MAX_RANGE:
        raise ValidationFailed({"to": [_l("Ask for at most 400 days at once.")]})
    stmt = _scope_filter(_entries_query(start, end), branch_id, district_id)
    staff = actor is not None and actor.role in STAFF_ROLES
    if staff:
        ids = visible_branch_ids(actor)
        if ids is not None:
            stmt = stmt.where(ProgrammeEntry.branch_id.in_(ids))
        stmt = stmt.where(ProgrammeEntry.status != EntryStatus.CANCELLED)
    else:
        stmt = stmt.where(ProgrammeEntry.status == EntryStatus.PUBLISHED)
    if kinds:
        stmt = stmt.where(ProgrammeEntry.kind.in_(kinds))
    found: list[Occurrence] = []
    for entry in db.session.scalars(stmt):
        found.extend(expand(entry, start, end, include_cancelled=include_cancelled))
    found.sort(key=lambda o: (o.start, not o.entry.all_day, o.entry.kind, o.entry.id))
    return found


def local_range(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """[local midnight of first_day, local midnight after last_day) in UTC."""
    return clock.local_midnight_utc(first_day), clock.local_midnight_utc(last_day + timedelta(days=1))


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


# ---------------------------------------------------------------- programme windows


def day_span(occ: Occurrence) -> tuple[datetime, datetime]:
    """From local midnight of the occurrence's first day to local midnight after its last day."""
    days = occ.local_days
    zone = zone_of(occ.entry)
    return (
        datetime.combine(days[0], time(0), tzinfo=zone).astimezone(clock.UTC),
        datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone).astimezone(clock.UTC),
    )


def is_open(entry: ProgrammeEntry, at: datetime) -> bool:
    """Whether the entry's window holds `at`: a theme from the first local day 00:00 to the end of its
    last day, a festival on its dates, a daily deal on the local days it runs (not a cancelled one)."""
    if entry.status != EntryStatus.PUBLISHED:
        return False
    for occ in expand(entry, at - timedelta(days=2), at + timedelta(days=2)):
        lo, hi = day_span(occ)
        if lo <= at < hi:
            return True
    return False


def open_entry_ids(at: datetime, entry_ids: list[int] | None = None) -> set[int]:
    """Entries whose window holds `at` (the mall's claimability filter uses this)."""
    stmt = _entries_query(at - timedelta(days=2), at + timedelta(days=2)).where(
        ProgrammeEntry.status == EntryStatus.PUBLISHED
    )
    if entry_ids is not None:
        stmt = stmt.where(ProgrammeEntry.id.in_(entry_ids))
    return {entry.id for entry in db.session.scalars(stmt) if is_open(entry, at)}


def windows_of(entry: ProgrammeEntry, until: datetime) -> list[tuple[datetime, datetime]]:
    """The entry's open intervals up to `until`: day spans of its occurrences, touching ones merged."""
    if entry.status != EntryStatus.PUBLISHED:
        return []
    end = until if entry.series_end is None else min(until, entry.series_end)
    merged: list[list[datetime]] = []
    for occ in expand(entry, entry.dtstart, max(end, entry.dtend)):
        lo, hi = day_span(occ)
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def rebuild_windows(entry: ProgrammeEntry, now: datetime | None = None) -> int:
    """Write the entry's windows afresh (after any change to its timing, status or cancellations)."""
    now = now or clock.now_utc()
    db.session.execute(sa.delete(ProgrammeWindow).where(ProgrammeWindow.entry_id == entry.id))
    spans = windows_of(entry, now + WINDOW_HORIZON)
    if spans:
        db.session.execute(
            sa.insert(ProgrammeWindow),
            [{"entry_id": entry.id, "opens_at": lo, "closes_at": hi} for lo, hi in spans],
        )
    from mall.programme.linking import forget_windows

    forget_windows()
    return len(spans)


def open_entries_clause(at: datetime) -> sa.Select:
    """SQL: ids of the entries whose window holds `at` (agrees with `is_open` to the second)."""
    return sa.select(ProgrammeWindow.entry_id).where(
        ProgrammeWindow.opens_at <= at, ProgrammeWindow.closes_at > at
    )


def phase_of(entry: ProgrammeEntry, at: datetime) -> str:
    """upcoming, live or ended, by the entry's days in local time."""
    first_start, _ = day_span(Occurrence(entry, entry.dtstart, entry.dtend))
    if at < first_start:
        return "upcoming"
    if entry.series_end is not None:
        last_occ = Occurrence(entry, entry.series_end - _duration(entry), entry.series_end)
        if at >= day_span(last_occ)[1]:
            return "ended"
    return "live"


# ---------------------------------------------------------------- entries


@dataclass
class EntryData:
    """What staff (form) or a script (API) give to create or change an entry, times resolved."""

    kind: str
    title: str
    branch_id: int
    dtstart: datetime
    dtend: datetime
    all_day: bool = False
    rrule: str | None = None
    event_format: str | None = None
    description: str | None = None
    place: str | None = None
    online_url: str | None = None
    colour: str | None = None
    capacity: int | None = None
    status: str = EntryStatus.PUBLISHED
    district_ids: list[int] = field(default_factory=list)
    merchant_ids: list[int] = field(default_factory=list)
    coupon_ids: list[int] = field(default_factory=list)


def plain_timing(
    kind: str,
    first_day: date | None,
    last_day: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    choice: str = recurrence.NONE,
    weekdays: list[int] | None = None,
    until: date | None = None,
) -> tuple[datetime, datetime, bool, str | None]:
    """(dtstart, dtend, all_day, rrule) from what a person picks: days, times and a plain choice."""
    zone = clock.local_zone()
    errors: dict[str, list] = {}
    if first_day is None:
        raise ValidationFailed({"first_day": [_l("Please choose a day.")]})
    if kind == EntryKind.MONTHLY_THEME:
        first_day, last_day = month_bounds(first_day)
        choice = recurrence.NONE
    all_day = kind in ALL_DAY_KINDS
    if all_day:
        last = first_day if kind == EntryKind.DAILY_DEAL else last_day or first_day
        if last < first_day:
            errors["last_day"] = [_l("The last day cannot be before the first day.")]
            raise ValidationFailed(errors)
        dtstart, dtend = local_range(first_day, last)
    else:
        if start_time is None or end_time is None:
            raise ValidationFailed({"start_time": [_l("Please give a start and an end time.")]})
        last = last_day or first_day
        dtstart = clock.local_datetime_utc(first_day, start_time)
        dtend = clock.local_datetime_utc(last, end_time)
        if dtend <= dtstart:
            raise ValidationFailed({"end_time": [_l("The end must be after the start.")]})
    if kind == EntryKind.DAILY_DEAL and choice == recurrence.NONE:
        raise ValidationFailed({"recurrence": [_l("A daily deal repeats: choose its days.")]})
    if until is not None and until < first_day:
        raise ValidationFailed({"until": [_l("The last day cannot be before the first day.")]})
    try:
        rule = recurrence.build_rrule(choice, first_day, weekdays, until, zone=zone)
    except recurrence.RecurrenceError:
        raise ValidationFailed({"recurrence": [_l("Please choose how it repeats.")]})
    return dtstart, dtend, all_day, rule


def _clean_text(value: str | None, limit: int, name: str, errors: dict, required: bool = False) -> str | None:
    cleaned = (value or "").strip() or None
    if required and not cleaned:
        errors[name] = [_l("This field is required.")]
    elif cleaned and len(cleaned) > limit:
        errors[name] = [_l("At most %(n)s characters.", n=limit)]
    return cleaned


def _validate(actor, data: EntryData, entry: ProgrammeEntry | None) -> dict:
    errors: dict[str, list] = {}
    values: dict = {}
    if data.kind not in {k.value for k in EntryKind}:
        errors["kind"] = [_l("Unknown kind.")]
    values["title"] = _clean_text(data.title, 100, "title", errors, required=True)
    values["description"] = _clean_text(data.description, 5000, "description", errors)
    values["place"] = _clean_text(data.place, 200, "place", errors)
    values["online_url"] = _clean_text(data.online_url, 300, "online_url", errors)
    if values["online_url"] and not values["online_url"].startswith(("https://", "http://")):
        errors["online_url"] = [_l("A web address starts with https://")]
    if data.kind == EntryKind.WEEKLY_EVENT:
        if data.event_format not in {f.value for f in EventFormat}:
            errors["event_format"] = [_l("Please choose the kind of event.")]
        values["event_format"] = data.event_format
    else:
        values["event_format"] = None
    colour = (data.colour or "").strip() or None
    if colour and not COLOUR_RE.match(colour):
        errors["colour"] = [_l("A colour like #C8102E.")]
    values["colour"] = colour
    if data.capacity is not None and not (1 <= data.capacity <= 100000):
        errors["capacity"] = [_l("Between 1 and 100000 seats.")]
    values["capacity"] = data.capacity if data.kind in REGISTRABLE_KINDS else None
    if data.status not in {s.value for s in EntryStatus}:
        errors["status"] = [_l("Unknown status.")]
    values["status"] = data.status
    branch = db.session.get(Branch, data.branch_id) if data.branch_id else None
    if branch is None or not can_manage_branch(actor, branch.id):
        errors["branch_id"] = [_l("Unknown branch.")]
    values["branch_id"] = data.branch_id
    districts = list(db.session.scalars(sa.select(District).where(District.id.in_(data.district_ids or []))))
    if len(districts) != len(set(data.district_ids or [])) or any(
        d.branch_id != data.branch_id for d in districts
    ):
        errors["district_ids"] = [_l("Choose districts of the entry's branch.")]
    merchants = list(db.session.scalars(sa.select(Merchant).where(Merchant.id.in_(data.merchant_ids or []))))
    if len(merchants) != len(set(data.merchant_ids or [])) or any(
        m.district.branch_id != data.branch_id for m in merchants
    ):
        errors["merchant_ids"] = [_l("Choose merchants of the entry's branch.")]
    if data.dtend <= data.dtstart:
        errors["ends_at"] = [_l("The end must be after the start.")]
    if data.dtend - data.dtstart > timedelta(days=62):
        errors["ends_at"] = [_l("One occurrence lasts at most two months.")]
    zone = clock.local_zone()
    rule = None
    if data.rrule:
        if data.kind in (EntryKind.MONTHLY_THEME, EntryKind.FESTIVAL, EntryKind.COMMUNITY_EVENT):
            errors["rrule"] = [_l("Themes, festivals and community events are dated, they do not repeat.")]
        else:
            try:
                rule = recurrence.validate_rrule(data.rrule, data.dtstart, zone)
            except recurrence.RecurrenceError:
                errors["rrule"] = [_l("Not a valid recurrence rule.")]
    elif data.kind == EntryKind.DAILY_DEAL:
        errors["rrule"] = [_l("A daily deal repeats: choose its days.")]
    if data.kind == EntryKind.MONTHLY_THEME:
        local_start = clock.to_local(data.dtstart)
        first, last = month_bounds(local_start.date())
        if (data.dtstart, data.dtend) != local_range(first, last):
            errors["starts_at"] = [_l("A theme runs from the first to the last day of one month.")]
    if errors:
        raise ValidationFailed(errors)
    values.update(
        dtstart=data.dtstart,
        dtend=data.dtend,
        all_day=data.all_day,
        rrule=rule,
        tzid=zone.key,
        kind=data.kind,
    )
    try:
        last_start = recurrence.last_occurrence_start(data.dtstart, rule, zone)
    except recurrence.RecurrenceError:
        raise ValidationFailed({"rrule": [_l("Not a valid recurrence rule.")]})
    values["series_end"] = None if last_start is None else last_start + (data.dtend - data.dtstart)
    values["districts"] = districts
    values["merchants"] = merchants
    return values


def _claim_theme(entry: ProgrammeEntry) -> None:
    """A theme that is not cancelled takes its month and scope, or the save fails naming the holder."""
    if entry.kind != EntryKind.MONTHLY_THEME:
        return  # the kind never changes: other entries hold no month
    cancelled = entry.status == EntryStatus.CANCELLED
    themes.hold_months(entry.id, None if cancelled else (entry.branch_id, entry.dtstart))
    themes.release(entry.id)
    if cancelled:
        return
    district_ids = {d.id for d in entry.districts}
    if themes.claim(entry.id, entry.branch_id, entry.dtstart, district_ids):
        return
    taken = _theme_taken({"branch_id": entry.branch_id, "dtstart": entry.dtstart}, district_ids, entry)
    if taken is not None:
        message = _l("This month already has a theme for this scope: %(title)s", title=taken.title)
    else:
        message = _l("This month already has a theme for this scope.")
    raise ValidationFailed({"first_day": [message]})


def _hold_entry(entry: ProgrammeEntry, *, unregistered: bool = False) -> bool:
    """Take the entry's row with one conditional UPDATE that changes nothing: from here on a
    registration (which adds to `registrations_made` in the same row) waits for this request, and
    with `unregistered` the statement matches only while nobody has ever registered. False when it
    did not match. Saves of one entry run in turn from here, too."""
    stmt = (
        sa.update(ProgrammeEntry)
        .where(ProgrammeEntry.id == entry.id)
        .values(registrations_made=ProgrammeEntry.registrations_made, updated_at=ProgrammeEntry.updated_at)
        .execution_options(synchronize_session=False)
    )
    if unregistered:
        stmt = stmt.where(ProgrammeEntry.registrations_made == 0)
    return db.session.execute(stmt).rowcount == 1


def _scopes_overlap(a: set[int], b: set[int]) -> bool:
    """Branch-wide (no districts) overlaps everything in the branch; otherwise shared districts do."""
    return not a or not b or bool(a & b)


def _theme_taken(values: dict, district_ids: set[int], entry: ProgrammeEntry | None) -> ProgrammeEntry | None:
    stmt = sa.select(ProgrammeEntry).where(
        ProgrammeEntry.kind == EntryKind.MONTHLY_THEME,
        ProgrammeEntry.branch_id == values["branch_id"],
        ProgrammeEntry.status != EntryStatus.CANCELLED,
        ProgrammeEntry.dtstart == values["dtstart"],
    )
    if entry is not None and entry.id is not None:
        stmt = stmt.where(ProgrammeEntry.id != entry.id)
    for other in db.session.scalars(stmt):
        if _scopes_overlap(district_ids, {d.id for d in other.districts}):
            return other
    return None


def overlap_warnings(entry: ProgrammeEntry) -> list:
    """Festivals (and community events) of the same branch that overlap this one in a shared district."""
    if (
        entry.kind not in (EntryKind.FESTIVAL, EntryKind.COMMUNITY_EVENT)
        or entry.status == EntryStatus.CANCELLED
    ):
        return []
    mine = {d.id for d in entry.districts}
    stmt = sa.select(ProgrammeEntry).where(
        ProgrammeEntry.kind == entry.kind,
        ProgrammeEntry.branch_id == entry.branch_id,
        ProgrammeEntry.id != entry.id,
        ProgrammeEntry.status != EntryStatus.CANCELLED,
        ProgrammeEntry.dtstart < entry.dtend,
        ProgrammeEntry.dtend > entry.dtstart,
    )
    found = []
    for other in db.session.scalars(stmt):
        theirs = {d.id for d in other.districts}
        if _scopes_overlap(mine, theirs):
            shared = [d.name for d in entry.districts if d.id in theirs] or [
                d.name for d in (entry.districts or other.districts)
            ]
            where = "、".join(shared) if shared else entry.branch.name
            found.append(
                _l(
                    "%(title)s overlaps %(other)s in %(where)s.",
                    title=entry.title,
                    other=other.title,
                    where=where,
                )
            )
    return found


def create_entry(actor, data: EntryData) -> tuple[ProgrammeEntry, list[str]]:
    """Create an entry; returns it with warnings (overlapping festivals) that do not block."""
    if actor is None or actor.role not in STAFF_ROLES:
        raise Forbidden()
    values = _validate(actor, data, None)
    entry = ProgrammeEntry(created_by_id=actor.id, **values)
    entry.phase = phase_of(entry, clock.now_utc())
    db.session.add(entry)
    db.session.flush()
    _claim_theme(entry)
    rebuild_windows(entry)
    _link_coupons(actor, entry, data.coupon_ids)
    record(actor, "programme.entry.create", entry, data={"kind": entry.kind, "title": entry.title})
    return entry, overlap_warnings(entry)


def update_entry(actor, entry_id: int, data: EntryData) -> tuple[ProgrammeEntry, list[str]]:
    entry = get_entry_for_staff(actor, entry_id)
    if data.kind != entry.kind:
        raise ValidationFailed({"kind": [_l("The kind of an entry cannot change.")]})
    # Take the row, then read it again: what is compared, released and claimed below is the entry as
    # it stands now (another save may have committed since it was first read), and no registration
    # can add itself until this save is done.
    if not _hold_entry(entry):
        raise NotFound()
    db.session.refresh(entry)
    values = _validate(actor, data, entry)
    timing_changed = (values["dtstart"], values["dtend"], values["rrule"]) != (
        entry.dtstart,
        entry.dtend,
        entry.rrule,
    )
    if timing_changed and entry.registrations_made:
        raise InvalidState(
            _l("Customers have registered: cancel single occurrences instead of moving the series.")
        )
    cancelling = values["status"] == EntryStatus.CANCELLED and entry.status != EntryStatus.CANCELLED
    for key, value in values.items():
        setattr(entry, key, value)
    entry.phase = phase_of(entry, clock.now_utc())
    db.session.flush()
    _claim_theme(entry)
    rebuild_windows(entry)
    _link_coupons(actor, entry, data.coupon_ids)
    if cancelling:
        _tell_registrants_of_cancelled_entry(entry)
    record(actor, "programme.entry.update", entry, data={"title": entry.title, "status": entry.status})
    return entry, overlap_warnings(entry)


def _link_coupons(actor, entry: ProgrammeEntry, coupon_ids: list[int]) -> None:
    from mall.programme import linking

    if coupon_ids or entry.coupons:
        linking.set_coupons(actor, entry, coupon_ids)


def _tell_registrants_of_cancelled_entry(entry: ProgrammeEntry) -> None:
    from mall.programme import notices

    starts = db.session.scalars(
        sa.select(Registration.occurrence_start)
        .where(
            Registration.entry_id == entry.id,
            Registration.status == "registered",
            Registration.occurrence_start > clock.now_utc(),
        )
        .distinct()
    )
    for start in starts:
        notices.occurrence_cancelled(entry, Occurrence(entry, start, _end_of(entry, start), True))


def delete_entry(actor, entry_id: int) -> None:
    """Delete an entry nobody registered for; one with registrations is cancelled instead."""
    entry = get_entry_for_staff(actor, entry_id)
    if not _hold_entry(entry, unregistered=True):
        if db.session.scalar(sa.select(ProgrammeEntry.id).where(ProgrammeEntry.id == entry.id)) is None:
            raise NotFound()  # deleted meanwhile
        raise InvalidState(_l("Customers have registered: cancel the entry instead of deleting it."))
    themes.release(entry.id)
    record(actor, "programme.entry.delete", entry, data={"title": entry.title})
    db.session.execute(sa.delete(EventSeats).where(EventSeats.entry_id == entry.id))
    db.session.delete(entry)
    db.session.flush()


def get_entry_for_staff(actor, entry_id: int) -> ProgrammeEntry:
    if actor is None or actor.role not in STAFF_ROLES:
        raise Forbidden()
    entry = db.session.get(ProgrammeEntry, entry_id)
    if entry is None or not can_manage_branch(actor, entry.branch_id):
        raise NotFound()
    return entry


def get_public_entry(entry_id: int) -> ProgrammeEntry:
    entry = db.session.get(ProgrammeEntry, entry_id)
    if entry is None or entry.status != EntryStatus.PUBLISHED:
        raise NotFound()
    return entry


def list_entries(actor, *, kind: str | None = None, branch_id: int | None = None) -> list[ProgrammeEntry]:
    if actor is None or actor.role not in STAFF_ROLES:
        raise Forbidden()
    stmt = sa.select(ProgrammeEntry).order_by(ProgrammeEntry.dtstart.desc(), ProgrammeEntry.id.desc())
    ids = visible_branch_ids(actor)
    if ids is not None:
        stmt = stmt.where(ProgrammeEntry.branch_id.in_(ids))
    if kind:
        stmt = stmt.where(ProgrammeEntry.kind == kind)
    if branch_id:
        stmt = stmt.where(ProgrammeEntry.branch_id == branch_id)
    return list(db.session.scalars(stmt.limit(500)))


def cancel_occurrence(
    actor, entry_id: int, occurrence_start: datetime, reason: str | None = None
) -> Cancellation:
    """Cancel one occurrence (an EXDATE); its registrants are told."""
    entry = get_entry_for_staff(actor, entry_id)
    occ = find_occurrence(entry, occurrence_start)
    if occ is None:
        raise NotFound()
    if occ.cancelled:
        raise InvalidState(_l("This occurrence is already cancelled."))
    cancellation = Cancellation(
        entry=entry, occurrence_start=occ.start, reason=(reason or "").strip()[:200] or None
    )
    db.session.add(cancellation)
    db.session.flush()
    rebuild_windows(entry)
    from mall.programme import notices

    notices.occurrence_cancelled(entry, occ)
    record(actor, "programme.occurrence.cancel", entry, reason=cancellation.reason, data={"start": occ.stamp})
    return cancellation


def restore_occurrence(actor, entry_id: int, occurrence_start: datetime) -> None:
    entry = get_entry_for_staff(actor, entry_id)
    found = next((c for c in entry.cancellations if c.occurrence_start == occurrence_start), None)
    if found is None:
        raise NotFound()
    entry.cancellations.remove(found)
    db.session.flush()
    rebuild_windows(entry)
    record(actor, "programme.occurrence.restore", entry, data={"start": f"{occurrence_start:%Y%m%dT%H%M%SZ}"})

"""Coupons in the programme: a theme's, festival's, daily deal's or community event's coupons are
claimable only inside that entry's window, to the second, computed from the clock (never from when a
job happens to run). The rule joins the mall's claimability as one more `ClaimRule`, so the claim
and the mall's lists obey the same condition."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from alliance.branches.services import can_manage_branch
from alliance.core.errors import DomainError, NotClaimable, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.coupons import rules
from mall.coupons.models import Coupon, CouponStatus
from mall.programme.constants import CAMPAIGN_KINDS, EntryStatus
from mall.programme.models import ProgrammeEntry, ProgrammeWindow, entry_coupons
from mall.programme.services import Occurrence, day_span, open_entries_clause

# Coupon statuses that may be linked: those still to come or live.
LINKABLE = (CouponStatus.DRAFT, CouponStatus.PENDING_REVIEW, CouponStatus.APPROVED)


def entry_of(coupon_id: int) -> ProgrammeEntry | None:
    return db.session.scalar(
        sa.select(ProgrammeEntry)
        .join(entry_coupons, entry_coupons.c.entry_id == ProgrammeEntry.id)
        .where(entry_coupons.c.coupon_id == coupon_id)
    )


# How long one process keeps the linked coupons' windows. Judging a claim by them is safe: the claim's
# stock statement re-checks `clause(now)` in its WHERE, and a refusal is confirmed afresh first.
CACHE_SECONDS = 2.0
_CACHE_KEY = "programme.link_windows"


@dataclass
class _LinkWindows:
    lo: datetime
    hi: datetime
    spans: dict[int, list[tuple[datetime, datetime]]]  # linked coupon -> its entry's windows near now
    read_at: float = 0.0


def forget_windows() -> None:
    """Drop this process's copy of the windows (after linking coupons or changing an entry)."""
    current_app.extensions.pop(_CACHE_KEY, None)


def _link_windows(now: datetime, *, fresh: bool = False) -> _LinkWindows:
    """Every linked coupon with its entry's windows around `now`: one statement, kept by the process
    for a couple of seconds while `now` stays in range, so a page of coupons or a claim costs at most
    one query, and each coupon is still judged at its own `now`, to the second."""
    cached = current_app.extensions.get(_CACHE_KEY)
    if (
        fresh
        or cached is None
        or not cached.lo <= now < cached.hi
        or time.monotonic() - cached.read_at > CACHE_SECONDS
    ):
        lo, hi = now - timedelta(hours=12), now + timedelta(hours=12)
        joined = entry_coupons.outerjoin(
            ProgrammeWindow,
            sa.and_(
                ProgrammeWindow.entry_id == entry_coupons.c.entry_id,
                ProgrammeWindow.opens_at < hi,
                ProgrammeWindow.closes_at > lo,
            ),
        )
        rows = db.session.execute(
            sa.select(
                entry_coupons.c.coupon_id, ProgrammeWindow.opens_at, ProgrammeWindow.closes_at
            ).select_from(joined)
        ).all()
        spans: dict[int, list[tuple[datetime, datetime]]] = {}
        for coupon_id, opens_at, closes_at in rows:
            found = spans.setdefault(coupon_id, [])
            if opens_at is not None:
                found.append((opens_at, closes_at))
        cached = _LinkWindows(lo, hi, spans, time.monotonic())
        current_app.extensions[_CACHE_KEY] = cached
    return cached


def _open_at(windows: _LinkWindows, coupon_id: int, now: datetime) -> bool:
    spans = windows.spans.get(coupon_id)
    return spans is None or any(opens <= now < closes for opens, closes in spans)


def refusal(coupon: Coupon, now: datetime) -> DomainError | None:
    """Why a linked coupon cannot be claimed at `now`; None when unlinked or its window is open."""
    if coupon.id is None:  # not stored yet, so in no entry
        return None
    if _open_at(_link_windows(now), coupon.id, now):
        return None
    if _open_at(_link_windows(now, fresh=True), coupon.id, now):  # the copy was older than a change
        return None
    entry = entry_of(coupon.id)
    if entry is None:
        return None
    if entry.status != EntryStatus.PUBLISHED:
        return NotClaimable(_l("This offer has ended."))
    first_day_starts, _ = day_span(Occurrence(entry, entry.dtstart, entry.dtend))
    if now < first_day_starts:
        return NotClaimable(_l("Not started yet."), detail="upcoming")
    if entry.rrule and (entry.series_end is None or now < _last_day_ends(entry)):
        return NotClaimable(
            _l("Claimable only on the days of %(title)s.", title=entry.title), detail="upcoming"
        )
    return NotClaimable(_l("This offer has ended."))


def _last_day_ends(entry: ProgrammeEntry) -> datetime:
    last = Occurrence(entry, entry.series_end - (entry.dtend - entry.dtstart), entry.series_end)
    return day_span(last)[1]


def clause(now: datetime) -> sa.ColumnElement[bool]:
    """The SQL twin of `refusal(...) is None`: unlinked coupons, or coupons of an entry open now."""
    linked = sa.select(entry_coupons.c.coupon_id)
    open_linked = sa.select(entry_coupons.c.coupon_id).where(
        entry_coupons.c.entry_id.in_(open_entries_clause(now))
    )
    return sa.or_(Coupon.id.not_in(linked), Coupon.id.in_(open_linked))


# Registered from create_app: claims and the mall list obey it only once it is wired.
CLAIM_RULE = rules.ClaimRule("programme", refusal, clause, recheck_on_write=True)


def linkable_coupons(entry_branch_id: int) -> list[Coupon]:
    """Coupons of the branch's merchants that may join an entry."""
    from alliance.branches.models import District

    return list(
        db.session.scalars(
            sa.select(Coupon)
            .join(Merchant, Merchant.id == Coupon.merchant_id)
            .join(District, District.id == Merchant.district_id)
            .where(District.branch_id == entry_branch_id, Coupon.status.in_(LINKABLE))
            .order_by(Coupon.id.desc())
            .limit(300)
        )
    )


def set_coupons(actor, entry: ProgrammeEntry, coupon_ids: list[int]) -> None:
    """Link exactly `coupon_ids` to `entry` (coupons of its branch, not in another entry)."""
    wanted = set(coupon_ids or [])
    if wanted and entry.kind not in CAMPAIGN_KINDS:
        raise ValidationFailed(
            {"coupon_ids": [_l("Only themes, festivals, daily deals and community events have coupons.")]}
        )
    coupons = list(db.session.scalars(sa.select(Coupon).where(Coupon.id.in_(wanted)))) if wanted else []
    if len(coupons) != len(wanted) or any(
        c.merchant.district.branch_id != entry.branch_id or not can_manage_branch(actor, entry.branch_id)
        for c in coupons
    ):
        raise ValidationFailed({"coupon_ids": [_l("Choose coupons of the entry's branch.")]})
    taken = db.session.scalars(
        sa.select(entry_coupons.c.coupon_id).where(
            entry_coupons.c.coupon_id.in_(wanted), entry_coupons.c.entry_id != entry.id
        )
    ).all()
    if taken:
        raise ValidationFailed({"coupon_ids": [_l("A coupon can be in one programme entry only.")]})
    db.session.execute(sa.delete(entry_coupons).where(entry_coupons.c.entry_id == entry.id))
    for coupon_id in sorted(wanted):
        db.session.execute(sa.insert(entry_coupons).values(entry_id=entry.id, coupon_id=coupon_id))
    db.session.flush()
    db.session.expire(entry, ["coupons"])
    forget_windows()


def linked_coupons(entry: ProgrammeEntry) -> list[Coupon]:
    return [c for c in entry.coupons if c.status == CouponStatus.APPROVED]

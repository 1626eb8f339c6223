"""Programme tables: entries with their recurrence, cancelled occurrences, seats, registrations, figures."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column
from mall.programme.constants import EntryKind, EntryStatus, RegistrationStatus

entry_districts = sa.Table(
    "programme_entry_districts",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("programme_entries.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("district_id", sa.ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)

entry_merchants = sa.Table(
    "programme_entry_merchants",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("programme_entries.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True),
)

entry_coupons = sa.Table(
    "programme_entry_coupons",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("programme_entries.id", ondelete="CASCADE"), primary_key=True),
    # A coupon belongs to at most one entry, so its window is never ambiguous.
    sa.Column("coupon_id", sa.ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True, unique=True),
)


class ProgrammeEntry(db.Model):
    """One item of the programme, scoped to a branch and optionally to some of its districts.

    Its first occurrence runs `dtstart`–`dtend` (UTC); `rrule` (RFC 5545, without DTSTART) repeats
    it in the wall time of `tzid`, so "every Wednesday 19:00" stays 19:00 local. `series_end` is
    the end of the last occurrence (NULL while the series is open-ended), for range queries.
    """

    __tablename__ = "programme_entries"
    __table_args__ = (
        sa.Index("ix_programme_entries_branch_span", "branch_id", "dtstart", "series_end"),
        sa.Index("ix_programme_entries_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    event_format: Mapped[str | None] = mapped_column(sa.String(24))
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.Text)
    place: Mapped[str | None] = mapped_column(sa.String(200))
    online_url: Mapped[str | None] = mapped_column(sa.String(300))
    colour: Mapped[str | None] = mapped_column(sa.String(7))
    banner_path: Mapped[str | None] = mapped_column(sa.String(200))
    tzid: Mapped[str] = mapped_column(sa.String(64))
    all_day: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    dtstart: Mapped[datetime] = mapped_column(UTCDateTime())
    dtend: Mapped[datetime] = mapped_column(UTCDateTime())
    rrule: Mapped[str | None] = mapped_column(sa.String(300))
    series_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column(sa.Integer)
    # Registrations ever made (cancelled ones too): each registration adds one with a conditional
    # UPDATE of this row, and moving or deleting the entry requires 0 in its own, so the two can
    # never interleave (see services.update_entry / delete_entry).
    registrations_made: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(16), default=EntryStatus.PUBLISHED)
    phase: Mapped[str] = mapped_column(sa.String(16), default="upcoming", server_default="upcoming")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    branch = relationship("Branch", lazy="joined")
    districts = relationship("District", secondary=entry_districts, lazy="selectin", order_by="District.name")
    merchants = relationship("Merchant", secondary=entry_merchants, lazy="selectin", order_by="Merchant.name")
    coupons = relationship(
        "Coupon", secondary=entry_coupons, lazy="selectin", order_by="Coupon.id", viewonly=True
    )
    cancellations: Mapped[list[Cancellation]] = relationship(
        back_populates="entry",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="Cancellation.occurrence_start",
    )

    @property
    def kind_enum(self) -> EntryKind:
        return EntryKind(self.kind)

    @property
    def display_colour(self) -> str:
        return self.colour or self.kind_enum.colour

    @property
    def coupon_ids(self) -> list[int]:
        return [c.id for c in self.coupons]

    @property
    def status_label(self):
        return EntryStatus(self.status).label

    @property
    def registrable(self) -> bool:
        from mall.programme.constants import REGISTRABLE_KINDS

        return self.kind in REGISTRABLE_KINDS and bool(self.capacity)


class Cancellation(db.Model):
    """One occurrence that will not take place (an EXDATE): a cancelled Wednesday."""

    __tablename__ = "programme_cancellations"
    __table_args__ = (sa.UniqueConstraint("entry_id", "occurrence_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_entries.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()

    entry: Mapped[ProgrammeEntry] = relationship(back_populates="cancellations")


class ProgrammeWindow(db.Model):
    """When an entry is on, as UTC intervals from local midnight to local midnight: a theme's month, a
    festival's dates, each day of a daily deal (cancelled days left out). The SQL mirror of the
    entry's occurrences, so that "is it on now?" is one indexed condition in any query (the mall's
    claimability filter uses it). Rebuilt whenever the entry changes; open-ended series are kept
    WINDOW_HORIZON ahead by the daily rollover."""

    __tablename__ = "programme_windows"
    __table_args__ = (sa.Index("ix_programme_windows_span", "opens_at", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_entries.id", ondelete="CASCADE"), index=True
    )
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ThemeMonth(db.Model):
    """Which monthly themes hold one month of a branch: a branch-wide theme (`wide_entry_id`) or any
    number of district themes (`scoped`, their districts in ThemeDistrict), never both. Claimed by
    one conditional upsert each (see themes.py), so two staff saving themes at once cannot both win."""

    __tablename__ = "programme_theme_months"

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)
    month_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    wide_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_entries.id", ondelete="SET NULL"), unique=True
    )
    scoped: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    __table_args__ = (sa.CheckConstraint("scoped >= 0", name="ck_programme_theme_months_scoped"),)


class ThemeDistrict(db.Model):
    """A district taken for one month by a district theme: the primary key allows one theme each."""

    __tablename__ = "programme_theme_districts"

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)
    month_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    district_id: Mapped[int] = mapped_column(
        sa.ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_entries.id", ondelete="CASCADE"), index=True
    )


class EventSeats(db.Model):
    """Seats taken at one occurrence; registration takes one with a conditional UPDATE."""

    __tablename__ = "programme_event_seats"
    __table_args__ = (sa.UniqueConstraint("entry_id", "occurrence_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_entries.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime())
    taken: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class Registration(db.Model):
    """A customer's seat at one occurrence of an event."""

    __tablename__ = "programme_registrations"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "occurrence_start", "user_id"),
        sa.Index("ix_programme_registrations_user", "user_id", "occurrence_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_entries.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(16), default=RegistrationStatus.REGISTERED)
    created_at: Mapped[datetime] = created_at_column()
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    entry: Mapped[ProgrammeEntry] = relationship(lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")


class DailyFigures(db.Model):
    """The programme's figures for one local day and branch, rolled up nightly for reports."""

    __tablename__ = "programme_daily_figures"
    __table_args__ = (sa.UniqueConstraint("day", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id", ondelete="CASCADE"))
    entries_live: Mapped[int] = mapped_column(sa.Integer, default=0)
    occurrences: Mapped[int] = mapped_column(sa.Integer, default=0)
    cancelled_occurrences: Mapped[int] = mapped_column(sa.Integer, default=0)
    registrations_new: Mapped[int] = mapped_column(sa.Integer, default=0)
    registrations_cancelled: Mapped[int] = mapped_column(sa.Integer, default=0)
    attendees_expected: Mapped[int] = mapped_column(sa.Integer, default=0)
    checkins: Mapped[int] = mapped_column(sa.Integer, default=0)
    computed_at: Mapped[datetime] = created_at_column()

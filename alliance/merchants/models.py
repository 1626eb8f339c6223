"""The alliance's tables: merchants, their monthly figures, tier policies and history, service
packages, the settlement whitelist, prospects and visits, cash-flow care, and figure imports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column
from alliance.merchants.constants import (
    FORMAT_LABELS,
    INDUSTRY_LABELS,
    STATUS_LABELS,
    STORE_TYPE_LABELS,
    TIER_LABELS,
    MerchantStatus,
    ProspectStage,
)


class Merchant(db.Model):
    """A shop in a district; a member of the alliance once approved."""

    __tablename__ = "merchants"
    __table_args__ = (
        sa.Index("ix_merchants_district_status", "district_id", "status"),
        sa.Index("ix_merchants_status_industry", "status", "industry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"))
    format: Mapped[str] = mapped_column(sa.String(32))
    industry: Mapped[str] = mapped_column(sa.String(32))
    store_type: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default=MerchantStatus.PENDING)
    address: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    opening_hours: Mapped[str | None] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.Text)
    logo_path: Mapped[str | None] = mapped_column(sa.String(200))
    # the application: who the shop is in law, and whom the bank calls
    legal_name: Mapped[str | None] = mapped_column(sa.String(200))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18))  # 统一社会信用代码 (GB 32100-2015)
    licence_path: Mapped[str | None] = mapped_column(sa.String(200))  # business licence photo, staff only
    contact_name: Mapped[str | None] = mapped_column(sa.String(64))
    contact_mobile: Mapped[str | None] = mapped_column(sa.String(32))
    tier: Mapped[str | None] = mapped_column(sa.String(1), index=True)
    service_level: Mapped[str | None] = mapped_column(sa.String(1))
    # The reason given with the latest decision (rejection, suspension, removal, leaving); the
    # audit trail keeps every decision, this is what the merchant is shown.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    district = relationship("District", lazy="joined")

    @property
    def is_active_member(self) -> bool:
        return self.status == MerchantStatus.ACTIVE

    @property
    def branch_id(self) -> int:
        return self.district.branch_id

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def format_label(self):
        return FORMAT_LABELS.get(self.format, self.format)

    @property
    def industry_label(self):
        return INDUSTRY_LABELS.get(self.industry, self.industry)

    @property
    def store_type_label(self):
        return STORE_TYPE_LABELS.get(self.store_type, self.store_type or "")

    @property
    def tier_label(self):
        return TIER_LABELS.get(self.tier, "") if self.tier else ""

    @property
    def logo_version(self) -> str | None:
        """Changes with every new logo, so the logo's URL can be cached for long."""
        if not self.logo_path:
            return None
        return self.logo_path.rsplit("-", 1)[-1].split(".")[0]


class MerchantCare(db.Model):
    """How the branch looks after one merchant: its account manager (客户经理) and its cash-flow
    rhythm, the usual collection and payment days of the month (回款日、付款日)."""

    __tablename__ = "merchant_care"
    __table_args__ = (
        sa.CheckConstraint("collection_day BETWEEN 1 AND 31", name="collection_day"),
        sa.CheckConstraint("payment_day BETWEEN 1 AND 31", name="payment_day"),
    )

    merchant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True
    )
    account_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    collection_day: Mapped[int | None] = mapped_column(sa.SmallInteger)
    payment_day: Mapped[int | None] = mapped_column(sa.SmallInteger)
    updated_at: Mapped[datetime] = updated_at_column()

    account_manager = relationship("User", lazy="joined")


class MerchantFigures(db.Model):
    """One merchant's figures for one month (the bank's monthly export), all money in fen.

    The acquiring volume and fee income are rolling annual figures as of that month.
    """

    __tablename__ = "merchant_figures"
    __table_args__ = (sa.UniqueConstraint("merchant_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(sa.Date)  # the first day of the month
    avg_daily_balance_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    acquiring_volume_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    fee_income_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    loan_credit_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transaction_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    source: Mapped[str] = mapped_column(sa.String(16), default="manual")  # manual | import
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = updated_at_column()


class TierPolicy(db.Model):
    """A branch's tiering rule: thresholds per tier A–D and figure, and how many figures must reach
    them. E is everyone else. Each branch sets its own (the course leaves them as `**万元`)."""

    __tablename__ = "tier_policies"
    __table_args__ = (sa.CheckConstraint("figures_required BETWEEN 1 AND 4", name="figures_required"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), unique=True)
    figures_required: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = updated_at_column()

    thresholds: Mapped[list[TierThreshold]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", lazy="selectin"
    )


class TierThreshold(db.Model):
    __tablename__ = "tier_thresholds"
    __table_args__ = (sa.UniqueConstraint("policy_id", "tier", "figure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("tier_policies.id", ondelete="CASCADE"))
    tier: Mapped[str] = mapped_column(sa.String(1))
    figure: Mapped[str] = mapped_column(sa.String(32))
    threshold_fen: Mapped[int] = mapped_column(sa.BigInteger)

    policy: Mapped[TierPolicy] = relationship(back_populates="thresholds")


class TierChange(db.Model):
    """Append-only history: a merchant's tier changed, with the figures and rule that caused it."""

    __tablename__ = "tier_changes"
    __table_args__ = (sa.Index("ix_tier_changes_merchant_at", "merchant_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id", ondelete="CASCADE"))
    from_tier: Mapped[str | None] = mapped_column(sa.String(1))
    to_tier: Mapped[str] = mapped_column(sa.String(1))
    reason: Mapped[str] = mapped_column(sa.String(16))
    changed_at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    figures_month: Mapped[date | None] = mapped_column(sa.Date)
    avg_daily_balance_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    acquiring_volume_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    fee_income_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    loan_credit_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The rule as it stood: {"figures_required": n, "thresholds": {"A": {figure: fen}, ...}}
    policy: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", lazy="joined")


class ServicePackage(db.Model):
    """The rights and services a branch gives one service level (a: head, b–d: waist, e: ordinary)."""

    __tablename__ = "service_packages"
    __table_args__ = (sa.UniqueConstraint("branch_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    level: Mapped[str] = mapped_column(sa.String(1))
    name: Mapped[str] = mapped_column(sa.String(100))
    rights: Mapped[list] = mapped_column(sa.JSON, default=list)  # one line per right or service
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = updated_at_column()


class WhitelistPolicy(db.Model):
    """A branch's criteria for its settlement-discount whitelist (白名单) and the package it offers.

    A criterion left empty is not applied; a merchant qualifies when it meets every one that is set.
    """

    __tablename__ = "whitelist_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), unique=True)
    min_acquiring_volume_fen: Mapped[int | None] = mapped_column(sa.BigInteger)  # settlement volume
    min_avg_daily_balance_fen: Mapped[int | None] = mapped_column(sa.BigInteger)  # retained balance
    min_fee_income_fen: Mapped[int | None] = mapped_column(sa.BigInteger)  # overall contribution
    package_name: Mapped[str] = mapped_column(sa.String(100))
    package_details: Mapped[str | None] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = updated_at_column()


class WhitelistEntry(db.Model):
    """A merchant's time on the whitelist: added with a reason, later perhaps removed with one.

    `open_key` equals merchant_id while the entry is open and is NULL once closed, so a unique
    constraint allows one open entry per merchant on SQLite and PostgreSQL alike.
    """

    __tablename__ = "whitelist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id", ondelete="CASCADE"), index=True)
    open_key: Mapped[int | None] = mapped_column(sa.Integer, unique=True)
    added_at: Mapped[datetime] = created_at_column()
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    removal_reason: Mapped[str | None] = mapped_column(sa.Text)

    merchant = relationship("Merchant", lazy="joined")
    added_by = relationship("User", foreign_keys=[added_by_id], lazy="joined")


class Prospect(db.Model):
    """A shop the account manager wants in the alliance (精准获客): worked from visit to joining."""

    __tablename__ = "prospects"
    __table_args__ = (sa.Index("ix_prospects_district_stage", "district_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    industry: Mapped[str] = mapped_column(sa.String(32))
    store_type: Mapped[str | None] = mapped_column(sa.String(32))
    format: Mapped[str | None] = mapped_column(sa.String(32))
    contact_name: Mapped[str | None] = mapped_column(sa.String(64))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    stage: Mapped[str] = mapped_column(sa.String(16), default=ProspectStage.TO_VISIT)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    merchant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("merchants.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    district = relationship("District", lazy="joined")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="joined")

    @property
    def industry_label(self):
        return INDUSTRY_LABELS.get(self.industry, self.industry)

    @property
    def store_type_label(self):
        return STORE_TYPE_LABELS.get(self.store_type, self.store_type or "")


class VisitNote(db.Model):
    """A field visit in four steps: icebreaker, purpose, needs found, products proposed."""

    __tablename__ = "visit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospects.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    visited_on: Mapped[date] = mapped_column(sa.Date)
    icebreaker: Mapped[str | None] = mapped_column(sa.Text)
    purpose: Mapped[str | None] = mapped_column(sa.Text)
    needs_found: Mapped[str | None] = mapped_column(sa.Text)
    products_proposed: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()

    author = relationship("User", lazy="joined")


class FigureImport(db.Model):
    """An uploaded figures file waiting for confirmation: its parsed rows and every bad row with why.

    Kept server-side under a random id (never in the cookie); nothing reaches merchant_figures
    until the staff member confirms.
    """

    __tablename__ = "figure_imports"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), default="preview")  # preview|applied|discarded
    total_rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)  # the valid rows, ready to write
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{line, values, reasons}]
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_rows: Mapped[int | None] = mapped_column(sa.Integer)


__all__ = [
    "FigureImport",
    "Merchant",
    "MerchantCare",
    "MerchantFigures",
    "Prospect",
    "ServicePackage",
    "TierChange",
    "TierPolicy",
    "TierThreshold",
    "VisitNote",
    "WhitelistEntry",
    "WhitelistPolicy",
]

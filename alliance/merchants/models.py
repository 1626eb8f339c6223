"""Merchant table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column
from alliance.merchants.constants import MerchantStatus


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
    tier: Mapped[str | None] = mapped_column(sa.String(1), index=True)
    service_level: Mapped[str | None] = mapped_column(sa.String(1))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    district = relationship("District", lazy="joined")

    @property
    def is_active_member(self) -> bool:
        return self.status == MerchantStatus.ACTIVE

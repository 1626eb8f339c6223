"""Branch and District tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.extensions import db
from alliance.core.models import created_at_column


class Branch(db.Model):
    """A bank branch (网点): owns its districts, staff and programme."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    address: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()

    districts: Mapped[list[District]] = relationship(
        back_populates="branch", order_by="District.name", lazy="selectin"
    )


class District(db.Model):
    """A business district (商圈) served by one branch."""

    __tablename__ = "districts"
    __table_args__ = (sa.UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    description: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = created_at_column()

    branch: Mapped[Branch] = relationship(back_populates="districts", lazy="joined")

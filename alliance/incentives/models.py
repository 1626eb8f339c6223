"""IncentiveEntry: one credit or debit of a customer's incentive balance. Rows are never changed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.extensions import db
from alliance.core.models import created_at_column


class IncentiveEntry(db.Model):
    """A signed amount in fen. A mistake is undone by a compensating entry, never by an edit.

    (source_type, source_id, kind) is unique: crediting the same event twice is impossible.
    """

    __tablename__ = "incentive_entries"
    __table_args__ = (
        sa.UniqueConstraint("source_type", "source_id", "kind"),
        sa.Index("ix_incentive_entries_user_id_id", "user_id", "id"),
        sa.CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))
    source_type: Mapped[str] = mapped_column(sa.String(32))
    source_id: Mapped[int] = mapped_column(sa.Integer)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incentive_entries.id"))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()


class AppendOnlyError(RuntimeError):
    """The ledger was asked to change history."""


@event.listens_for(IncentiveEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("incentive entries are append-only; add a compensating entry instead")


@event.listens_for(IncentiveEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("incentive entries are append-only; add a compensating entry instead")

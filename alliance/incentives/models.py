"""IncentiveEntry: one credit or debit of a customer's incentive balance (rows are never changed);
IncentiveBalance: the running balance the till spends from; PaymentCode: the short code a customer
shows to spend it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column


class IncentiveEntry(db.Model):
    """A signed amount in fen. A mistake is undone by a compensating entry, never by an edit.

    (source_type, source_id, kind) is unique: crediting the same event twice is impossible.
    `branch_id` is the branch the event belongs to (the shop's, or the referral rules'), for its figures.
    """

    __tablename__ = "incentive_entries"
    __table_args__ = (
        sa.UniqueConstraint("source_type", "source_id", "kind"),
        sa.Index("ix_incentive_entries_user_id_id", "user_id", "id"),
        sa.Index("ix_incentive_entries_branch_created", "branch_id", "created_at"),
        sa.CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(32))
    source_type: Mapped[str] = mapped_column(sa.String(32))
    source_id: Mapped[int] = mapped_column(sa.Integer)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incentive_entries.id"))
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()


class IncentiveBalance(db.Model):
    """The sum of a customer's entries, kept beside the ledger so that spending is one conditional
    UPDATE (`… WHERE balance_fen >= :x`): however many tills spend at once, it never goes below what
    was there. Every entry moves it by its amount in the same transaction."""

    __tablename__ = "incentive_balances"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, autoincrement=False)
    balance_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Cashback a reversal could not take back because it was spent already: the next credits pay it
    # off (each with its own ledger entry), so spending a cashback and reversing both redemptions
    # never leaves the customer the cashback. Not part of the balance.
    owed_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class PaymentCode(db.Model):
    """A short-lived typeable code naming a customer, for spending incentive cash at a till."""

    __tablename__ = "incentive_payment_codes"
    __table_args__ = (sa.Index("ix_incentive_payment_codes_user_expires", "user_id", "expires_at"),)

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppendOnlyError(RuntimeError):
    """The ledger was asked to change history."""


@event.listens_for(IncentiveEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("incentive entries are append-only; add a compensating entry instead")


@event.listens_for(IncentiveEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("incentive entries are append-only; add a compensating entry instead")

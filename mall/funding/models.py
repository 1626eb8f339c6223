"""Budgets, what coupons reserve from them, and the merchants' monthly settlement statements."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column


class Budget(db.Model):
    """A branch's marketing money for a period (补贴预算). `reserved_fen` is held for coupons whose
    vouchers may still be redeemed; `spent_fen` went to redemptions; the rest is available."""

    __tablename__ = "budgets"
    __table_args__ = (
        sa.Index("ix_budgets_branch_id", "branch_id"),
        sa.CheckConstraint("total_fen > 0", name="total_positive"),
        sa.CheckConstraint("reserved_fen >= 0 AND spent_fen >= 0", name="figures_not_negative"),
        sa.CheckConstraint("reserved_fen + spent_fen <= total_fen", name="never_overspent"),
        sa.CheckConstraint("ends_on >= starts_on", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    total_fen: Mapped[int] = mapped_column(sa.BigInteger)
    reserved_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    # The budget the branch names for incentive cash (激励金) that customers spend at tills.
    funds_incentives: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    branch = relationship("Branch", lazy="joined", innerjoin=True)

    @property
    def available_fen(self) -> int:
        return self.total_fen - self.reserved_fen - self.spent_fen


class Reservation(db.Model):
    """What a funded coupon holds of its budget: the worst case at approval (stock × the bank's part
    of the largest discount), less what redemptions spent and what was released since.
    Always `reserved_fen = held_fen + spent_fen + released_fen`."""

    __tablename__ = "budget_reservations"
    __table_args__ = (
        sa.Index("ix_budget_reservations_budget_id", "budget_id"),
        sa.CheckConstraint(
            "held_fen >= 0 AND spent_fen >= 0 AND released_fen >= 0", name="figures_not_negative"
        ),
        sa.CheckConstraint("reserved_fen = held_fen + spent_fen + released_fen", name="adds_up"),
    )

    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id"), primary_key=True)
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budgets.id"))
    per_voucher_fen: Mapped[int] = mapped_column(sa.BigInteger)
    reserved_fen: Mapped[int] = mapped_column(sa.BigInteger)
    held_fen: Mapped[int] = mapped_column(sa.BigInteger)
    spent_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    released_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    coupon = relationship("Coupon", lazy="joined", innerjoin=True)


class IncentiveCharge(db.Model):
    """Incentive cash spent with a redemption, charged to the branch's incentive budget (one row per
    redemption, removed when the redemption is reversed)."""

    __tablename__ = "budget_incentive_charges"
    __table_args__ = (
        sa.Index("ix_budget_incentive_charges_budget_id", "budget_id"),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    redemption_id: Mapped[int] = mapped_column(sa.ForeignKey("redemptions.id"), primary_key=True)
    budget_id: Mapped[int] = mapped_column(sa.ForeignKey("budgets.id"))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    charged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatementStatus(StrEnum):
    OPEN = "open"  # the month's figures still follow the redemptions
    CONFIRMED = "confirmed"  # frozen by staff after the month ended
    PAID = "paid"  # the bank paid the merchant, with a payment reference


STATUS_LABELS = {
    StatementStatus.OPEN: _l("In progress"),
    StatementStatus.CONFIRMED: _l("Confirmed"),
    StatementStatus.PAID: _l("Paid out"),
}


class Statement(db.Model):
    """One merchant's settlement for one local calendar month (结算单). Its totals and lines are
    written when it is confirmed; until then they are computed from the redemptions."""

    __tablename__ = "settlement_statements"
    __table_args__ = (
        sa.UniqueConstraint("merchant_id", "month", name="uq_settlement_statements_merchant_month"),
        sa.Index("ix_settlement_statements_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"))
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-11"
    status: Mapped[str] = mapped_column(sa.String(16), default=StatementStatus.OPEN)
    redemptions: Mapped[int] = mapped_column(sa.Integer, default=0)
    discount_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    bank_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    merchant_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    incentive_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    opened_at: Mapped[datetime] = created_at_column()
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_reference: Mapped[str | None] = mapped_column(sa.String(100))

    merchant = relationship("Merchant", lazy="joined", innerjoin=True)
    lines = relationship(
        "StatementLine", lazy="selectin", order_by="(StatementLine.day, StatementLine.correction)"
    )
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id], lazy="select")
    paid_by = relationship("User", foreign_keys=[paid_by_id], lazy="select")


class StatementLine(db.Model):
    """A day of a confirmed statement, as it was confirmed. A correction line carries a reversal
    (negative figures) of a redemption whose own month was already confirmed."""

    __tablename__ = "settlement_lines"
    __table_args__ = (sa.Index("ix_settlement_lines_statement_id", "statement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("settlement_statements.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    correction: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    redemptions: Mapped[int] = mapped_column(sa.Integer)
    discount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    bank_fen: Mapped[int] = mapped_column(sa.BigInteger)
    merchant_fen: Mapped[int] = mapped_column(sa.BigInteger)
    incentive_fen: Mapped[int] = mapped_column(sa.BigInteger)

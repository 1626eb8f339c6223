"""Referral, ReferralRules (a branch's rewards and cap) and ReferralMonth (a referrer's rewards in one
local calendar month, the counter the cap is held on)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column


class ReferralKind(StrEnum):
    CUSTOMER = "customer"  # a customer brought a customer: converts at the first redemption
    MERCHANT = "merchant"  # someone brought a shop: converts when the shop is approved


class ReferralStatus(StrEnum):
    PENDING = "pending"
    CONVERTED = "converted"


STATUS_LABELS = {ReferralStatus.PENDING: _l("Pending"), ReferralStatus.CONVERTED: _l("Converted")}
KIND_LABELS = {ReferralKind.CUSTOMER: _l("Customer"), ReferralKind.MERCHANT: _l("Merchant")}


class Referral(db.Model):
    """One person brought by another. A referee is referred at most once (unique `referee_id`);
    the status moves pending → converted by one conditional UPDATE, so its reward is booked once."""

    __tablename__ = "referrals"
    __table_args__ = (
        sa.Index("ix_referrals_referrer_status", "referrer_id", "status"),
        sa.Index("ix_referrals_branch_month", "branch_id", "month"),
        sa.CheckConstraint("reward_fen >= 0 AND referee_reward_fen >= 0", name="rewards_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    referee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    merchant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("merchants.id"))  # the referred shop
    # The branch the referral belongs to: known at once for a shop, set at conversion for a customer
    # (the branch of the shop where the first redemption happened).
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=ReferralStatus.PENDING)
    reward_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # to the referrer
    referee_reward_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    capped: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    month: Mapped[str | None] = mapped_column(sa.String(7))  # local YYYY-MM of the conversion
    converted_by: Mapped[str | None] = mapped_column(sa.String(32))  # "redemption" or "approval"
    converted_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = created_at_column()
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    referrer = relationship("User", foreign_keys=[referrer_id], lazy="joined")
    referee = relationship("User", foreign_keys=[referee_id], lazy="joined")


class ReferralRules(db.Model):
    """A branch's rewards for a converted referral, in fen, and the monthly cap per referrer."""

    __tablename__ = "referral_rules"
    __table_args__ = (
        sa.CheckConstraint(
            "referrer_reward_fen >= 0 AND referee_reward_fen >= 0 AND monthly_cap_fen >= 0",
            name="amounts_not_negative",
        ),
    )

    branch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("branches.id"), primary_key=True, autoincrement=False
    )
    referrer_reward_fen: Mapped[int] = mapped_column(sa.BigInteger)
    referee_reward_fen: Mapped[int] = mapped_column(sa.BigInteger)
    monthly_cap_fen: Mapped[int] = mapped_column(sa.BigInteger)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = updated_at_column()


class ReferralMonth(db.Model):
    """What a referrer has been rewarded in one local month. The cap is held here: a reward is added
    by one UPDATE that only matches while `rewards_fen + reward <= cap`."""

    __tablename__ = "referral_months"

    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    rewards_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

"""Voucher, and the per-customer claim counters that make limits hold under concurrency."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db


class VoucherStatus(StrEnum):
    ACTIVE = "active"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    REVOKED = "revoked"  # a chain's reward taken back with the redemption that gave it


STATUS_LABELS = {
    VoucherStatus.ACTIVE: _l("Ready to use"),
    VoucherStatus.REDEEMED: _l("Used"),
    VoucherStatus.EXPIRED: _l("Expired"),
    VoucherStatus.REVOKED: _l("Revoked"),
}


class Voucher(db.Model):
    """One claim of a coupon by a customer; redeemed at most once."""

    __tablename__ = "vouchers"
    __table_args__ = (
        sa.Index("ix_vouchers_user_status", "user_id", "status", "id"),
        sa.Index("ix_vouchers_status_valid_until", "status", "valid_until"),
        sa.Index("ix_vouchers_coupon_user", "coupon_id", "user_id"),
        sa.Index("ix_vouchers_merchant_user_status", "merchant_id", "user_id", "status"),
        sa.Index("ix_vouchers_promotion_id", "promotion_id"),
        # A chain gives one voucher of each reward coupon per redemption, however often it is retried.
        sa.UniqueConstraint("issued_by_redemption_id", "coupon_id", name="uq_vouchers_issued_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=VoucherStatus.ACTIVE)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The cross-industry promotion (chain or pack) this voucher came from, if any.
    promotion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("promotions.id"))
    # The redemption whose chain issued this voucher (revoked with it while unused).
    issued_by_redemption_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("redemptions.id", use_alter=True)
    )

    coupon = relationship("Coupon", lazy="joined", innerjoin=True)
    user = relationship("User", lazy="select")
    promotion = relationship("Promotion", lazy="select")
    issued_by = relationship("Redemption", lazy="select", foreign_keys=[issued_by_redemption_id])

    def status_at(self, now: datetime) -> str:
        """The status as of `now`: past its validity an active voucher is expired, job or no job."""
        if self.status == VoucherStatus.ACTIVE and self.valid_until is not None and self.valid_until <= now:
            return VoucherStatus.EXPIRED
        return self.status


class ClaimCounter(db.Model):
    """How many vouchers a customer has claimed of a coupon: the per-customer limit's counter."""

    __tablename__ = "claim_counters"

    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    claimed: Mapped[int] = mapped_column(sa.Integer, default=0)


class DailyClaimCounter(db.Model):
    """Claims of a coupon by a customer on one local day: the daily limit's counter."""

    __tablename__ = "daily_claim_counters"

    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    claimed: Mapped[int] = mapped_column(sa.Integer, default=0)

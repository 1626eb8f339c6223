"""A cross-industry promotion, the partner merchants it invites, and their decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column


class Shape(StrEnum):
    CHAIN = "chain"  # 连环券: redeeming the lead's voucher issues one of each partner's coupon
    PACK = "pack"  # 券包: one claim gives a voucher of every member coupon, or none


SHAPE_LABELS = {
    Shape.CHAIN: _l("Chain voucher"),
    Shape.PACK: _l("Coupon pack"),
}


class PromotionStatus(StrEnum):
    INVITING = "inviting"  # partners are deciding
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"  # live while its coupons are
    REJECTED = "rejected"


STATUS_LABELS = {
    PromotionStatus.INVITING: _l("Inviting partners"),
    PromotionStatus.PENDING_REVIEW: _l("Pending review"),
    PromotionStatus.APPROVED: _l("Approved"),
    PromotionStatus.REJECTED: _l("Rejected"),
}


class PartnerStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


PARTNER_STATUS_LABELS = {
    PartnerStatus.INVITED: _l("Invited"),
    PartnerStatus.ACCEPTED: _l("Accepted"),
    PartnerStatus.DECLINED: _l("Declined"),
}


class Promotion(db.Model):
    """A lead merchant's promotion with partners of other trades."""

    __tablename__ = "promotions"
    __table_args__ = (
        sa.Index("ix_promotions_coupon_status", "coupon_id", "status"),
        sa.Index("ix_promotions_status_approved_at", "status", "approved_at"),
        sa.Index("ix_promotions_merchant_id", "merchant_id"),
        sa.CheckConstraint("min_order_fen IS NULL OR min_order_fen >= 0", name="min_order_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"))
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.Text)
    shape: Mapped[str] = mapped_column(sa.String(8))
    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id"))
    min_order_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(16), default=PromotionStatus.INVITING)
    review_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    merchant = relationship("Merchant", lazy="joined", innerjoin=True)
    coupon = relationship("Coupon", lazy="joined", innerjoin=True)
    partners = relationship(
        "PromotionPartner",
        lazy="selectin",
        order_by="PromotionPartner.merchant_id",
        back_populates="promotion",
        cascade="all, delete-orphan",
    )

    @property
    def accepted(self) -> list[PromotionPartner]:
        return [p for p in self.partners if p.status == PartnerStatus.ACCEPTED]

    @property
    def shape_label(self):
        return SHAPE_LABELS.get(self.shape, self.shape)

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)


class PromotionPartner(db.Model):
    """One invited partner merchant: its decision, and the coupon it brings when it accepts."""

    __tablename__ = "promotion_partners"
    __table_args__ = (sa.Index("ix_promotion_partners_merchant_status", "merchant_id", "status"),)

    promotion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True
    )
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=PartnerStatus.INVITED)
    coupon_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupons.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    invited_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    promotion = relationship("Promotion", back_populates="partners")
    merchant = relationship("Merchant", lazy="joined", innerjoin=True)
    coupon = relationship("Coupon", lazy="joined")

    @property
    def status_label(self):
        return PARTNER_STATUS_LABELS.get(self.status, self.status)

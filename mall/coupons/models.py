"""Coupon and its partner merchants."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column, updated_at_column


class CouponKind(StrEnum):
    THRESHOLD_CUT = "threshold_cut"  # 满减
    DISCOUNT = "discount"  # 折扣
    CASH = "cash"  # 代金券
    GIFT = "gift"  # 兑换券
    CASHBACK = "cashback"  # 激励金


KIND_LABELS = {
    CouponKind.THRESHOLD_CUT: _l("Spend-and-save"),
    CouponKind.DISCOUNT: _l("Percentage off"),
    CouponKind.CASH: _l("Cash voucher"),
    CouponKind.GIFT: _l("Gift voucher"),
    CouponKind.CASHBACK: _l("Cashback"),
}


class CouponStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"  # live while its claim window is open and stock remains
    REJECTED = "rejected"  # with a reason; the owner may edit and submit again
    WITHDRAWN = "withdrawn"  # ended early by the merchant or staff
    ENDED = "ended"  # its claim window is over


STATUS_LABELS = {
    CouponStatus.DRAFT: _l("Draft"),
    CouponStatus.PENDING_REVIEW: _l("Pending review"),
    CouponStatus.APPROVED: _l("Approved"),
    CouponStatus.REJECTED: _l("Rejected"),
    CouponStatus.WITHDRAWN: _l("Withdrawn"),
    CouponStatus.ENDED: _l("Ended"),
}

# Statuses whose coupon the public has seen: its page stays readable, with its state on the button.
PUBLISHED = (CouponStatus.APPROVED, CouponStatus.WITHDRAWN, CouponStatus.ENDED)


class Channel(StrEnum):
    MALL = "mall"  # listed and claimable in the mall
    REWARD = "reward"  # only issued by a chain (连环券) or claimed inside a coupon pack (券包)


CHANNEL_LABELS = {
    Channel.MALL: _l("In the mall"),
    Channel.REWARD: _l("Rewards only (chains and packs)"),
}


class Audience(StrEnum):
    ALL = "all"
    NEW_CUSTOMERS = "new_customers"  # no voucher of this merchant redeemed before


AUDIENCE_LABELS = {
    Audience.ALL: _l("Everyone"),
    Audience.NEW_CUSTOMERS: _l("New customers of this shop"),
}


coupon_partners = sa.Table(
    "coupon_partners",
    db.metadata,
    sa.Column("coupon_id", sa.ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("merchant_id", sa.ForeignKey("merchants.id"), primary_key=True, index=True),
)


class Coupon(db.Model):
    """An offer a merchant publishes; customers claim vouchers from its stock."""

    __tablename__ = "coupons"
    __table_args__ = (
        sa.Index("ix_coupons_merchant_id", "merchant_id"),
        # The mall's pages walk this index newest approval first.
        sa.Index("ix_coupons_status_approved_at", "status", "approved_at", "id"),
        # Counting live coupons (with any filter, text included), and sorting a few thousand of them,
        # reads this index alone, never the table.
        sa.Index(
            "ix_coupons_live",
            "status",
            "merchant_id",
            "kind",
            "stock_remaining",
            "claim_starts_at",
            "claim_ends_at",
            "valid_until",
            "search_text",
            "approved_at",
        ),
        # "Last chance": live coupons whose claim window closes first.
        sa.Index("ix_coupons_status_claim_ends_at", "status", "claim_ends_at"),
        # The few reward-only coupons, which the mall's lists leave out.
        sa.Index("ix_coupons_channel", "channel"),
        sa.CheckConstraint("stock_remaining >= 0", name="stock_not_negative"),
        sa.CheckConstraint("stock_remaining <= stock_total", name="stock_within_total"),
        sa.CheckConstraint("bank_share_percent BETWEEN 0 AND 100", name="bank_share_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"))
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The kind's value fields (API.md); those a kind does not use stay NULL.
    threshold_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    cut_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    percent_off: Mapped[int | None] = mapped_column(sa.Integer)
    cap_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    amount_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    gift_name: Mapped[str | None] = mapped_column(sa.String(100))
    # Lower-cased title, gift and the start of the description: what the mall's text search reads.
    search_text: Mapped[str] = mapped_column(sa.String(400), default="")

    stock_total: Mapped[int] = mapped_column(sa.Integer)
    # Unsharded: the exact remaining stock. Sharded (stock_shards > 0, see mall.coupons.stock): above
    # zero exactly while some shard has stock, which is all the mall's filters ask; the number to show
    # is `stock_left`.
    stock_remaining: Mapped[int] = mapped_column(sa.Integer)
    stock_shards: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    per_customer_limit: Mapped[int] = mapped_column(sa.Integer, default=1)
    daily_limit: Mapped[int | None] = mapped_column(sa.Integer)
    claim_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_days_after_claim: Mapped[int | None] = mapped_column(sa.Integer)
    # ISO weekdays as digits ("135" = Mon, Wed, Fri); NULL = every day.
    usable_weekdays: Mapped[str | None] = mapped_column(sa.String(7))
    # Local minutes of the day; an end before the start crosses midnight. NULL = all day.
    usable_from_minute: Mapped[int | None] = mapped_column(sa.Integer)
    usable_until_minute: Mapped[int | None] = mapped_column(sa.Integer)
    audience: Mapped[str] = mapped_column(sa.String(16), default=Audience.ALL)
    # Funding (mall.funding): the budget that pays the bank's share of each discount, set at approval.
    budget_id: Mapped[int | None] = mapped_column(sa.ForeignKey("budgets.id"))
    bank_share_percent: Mapped[int | None] = mapped_column(sa.Integer)
    channel: Mapped[str] = mapped_column(
        sa.String(8), default=Channel.MALL, server_default=Channel.MALL.value
    )

    status: Mapped[str] = mapped_column(sa.String(16), default=CouponStatus.DRAFT)
    review_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    merchant = relationship("Merchant", lazy="joined", innerjoin=True)
    partners = relationship("Merchant", secondary=coupon_partners, lazy="selectin", order_by="Merchant.id")

    @property
    def partner_merchant_ids(self) -> list[int]:
        return [m.id for m in self.partners]

    @property
    def weekdays(self) -> list[int]:
        return [int(d) for d in self.usable_weekdays] if self.usable_weekdays else []

    @property
    def usable_hours(self) -> str | None:
        if self.usable_from_minute is None or self.usable_until_minute is None:
            return None
        return f"{_hhmm(self.usable_from_minute)}-{_hhmm(self.usable_until_minute)}"

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def issued(self) -> int:
        return self.stock_total - self.stock_left


class CouponStockShard(db.Model):
    """A part of a large coupon's stock: claims spread over several rows instead of queueing on one."""

    __tablename__ = "coupon_stock_shards"
    __table_args__ = (sa.CheckConstraint("remaining >= 0", name="shard_not_negative"),)

    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    remaining: Mapped[int] = mapped_column(sa.Integer)


# The remaining stock to show, exact on every page and in the API: the sum of the shards for a sharded
# coupon (read with the coupon, one correlated subquery per coupon row shown), else the column.
Coupon.stock_left = orm.column_property(
    sa.case(
        (
            Coupon.__table__.c.stock_shards > 0,
            sa.select(sa.func.coalesce(sa.func.sum(CouponStockShard.remaining), 0))
            .where(CouponStockShard.coupon_id == Coupon.__table__.c.id)
            .correlate_except(CouponStockShard)
            .scalar_subquery(),
        ),
        else_=Coupon.__table__.c.stock_remaining,
    )
)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"

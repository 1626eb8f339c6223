"""Redemption: a voucher used at a till, with what the customer paid; reversible for a short while."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db


def _whole_discount(context) -> int:
    return context.get_current_parameters().get("discount_fen") or 0


class Redemption(db.Model):
    __tablename__ = "redemptions"
    __table_args__ = (
        sa.Index("ix_redemptions_merchant_redeemed_at", "merchant_id", "redeemed_at"),
        sa.Index("ix_redemptions_voucher_id", "voucher_id"),
        # At most one standing (not reversed) redemption per voucher, whatever the code above does.
        sa.Index(
            "uq_redemptions_voucher_standing",
            "voucher_id",
            unique=True,
            sqlite_where=sa.text("reversed_at IS NULL"),
            postgresql_where=sa.text("reversed_at IS NULL"),
        ),
        sa.CheckConstraint(
            "payable_fen = order_amount_fen - discount_fen - incentive_fen", name="payable_adds_up"
        ),
        sa.CheckConstraint("incentive_fen >= 0", name="incentive_not_negative"),
        sa.CheckConstraint(
            "discount_fen >= 0 AND discount_fen <= order_amount_fen", name="discount_in_range"
        ),
        sa.CheckConstraint(
            "bank_fen >= 0 AND merchant_fen >= 0 AND bank_fen + merchant_fen = discount_fen",
            name="discount_shared_out",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the customer only spends incentive cash (激励金), with no voucher.
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vouchers.id"))
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id"))
    clerk_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    order_amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    discount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    payable_fen: Mapped[int] = mapped_column(sa.BigInteger)
    cashback_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Who gave the discount (mall.funding): the bank's share and the merchant's; the merchant's
    # until the funding hook says otherwise.
    bank_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    merchant_fen: Mapped[int] = mapped_column(sa.BigInteger, default=_whole_discount, server_default="0")
    # Incentive cash spent on this order (激励金抵扣), taken from the customer's balance.
    incentive_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # Where the shop stood when it redeemed (set by the reports' after-redeem hook), so a report's
    # history does not move when a merchant changes district.
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    method: Mapped[str] = mapped_column(sa.String(8))  # "code" typed, or "qr" scanned
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reversal_reason: Mapped[str | None] = mapped_column(sa.Text)

    voucher = relationship("Voucher", lazy="joined", foreign_keys=[voucher_id])
    clerk = relationship("User", foreign_keys=[clerk_id], lazy="select")

"""The reports' roll-up: one row per local day, redeeming (or issuing) merchant, coupon and place, and
the ledger of days rolled up; plus the indexes the live figures of today read."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column
from mall.redemption.models import Redemption
from mall.vouchers.models import Voucher

# The figures a row adds up; every report (page, export, API) speaks of these names.
FIELDS = (
    "claimed",
    "redeemed",
    "discount_fen",
    "bank_fen",
    "order_fen",
    "new_customers",
    "partner_customers",
)


class _Figures:
    """What every roll-up row holds: its local day, where it happened (the branch and district the
    shop stood in, its trade and tier when the day was rolled up) and the figures."""

    day: Mapped[date] = mapped_column(sa.Date)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    industry: Mapped[str | None] = mapped_column(sa.String(32))
    tier: Mapped[str | None] = mapped_column(sa.String(1))
    claimed: Mapped[int] = mapped_column(sa.Integer, default=0)
    redeemed: Mapped[int] = mapped_column(sa.Integer, default=0)
    discount_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    bank_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    order_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    new_customers: Mapped[int] = mapped_column(sa.Integer, default=0)
    partner_customers: Mapped[int] = mapped_column(sa.Integer, default=0)


class DailyReport(_Figures, db.Model):
    """What happened on one local day for one merchant and coupon.

    Claims count for the coupon's own merchant; redemptions for the merchant that redeemed (a
    partner's till counts for the partner), at the branch and district it stood in at the time. A
    reversed redemption is not counted. The nightly job writes past days; today is computed live.
    """

    __tablename__ = "report_daily"
    __table_args__ = (
        sa.Index("ix_report_daily_merchant_day", "merchant_id", "day"),
        sa.Index("ix_report_daily_coupon_day", "coupon_id", "day"),
        sa.Index("ix_report_daily_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id", ondelete="CASCADE"))
    coupon_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coupons.id", ondelete="SET NULL"))


class MerchantDailyReport(_Figures, db.Model):
    """The same, added up per merchant: what a branch's merchant tables read."""

    __tablename__ = "report_merchant_daily"
    __table_args__ = (
        sa.Index("ix_report_merchant_daily_branch_day", "branch_id", "day"),
        sa.Index("ix_report_merchant_daily_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(sa.ForeignKey("merchants.id", ondelete="CASCADE"))


class BranchDailyReport(_Figures, db.Model):
    """The same, added up per branch, district, trade and tier: what a branch's trends read, a few
    hundred rows a day however many merchants and coupons there are."""

    __tablename__ = "report_branch_daily"
    __table_args__ = (
        sa.Index("ix_report_branch_daily_branch_day", "branch_id", "day"),
        sa.Index("ix_report_branch_daily_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)


# The roll-up's tables, finest first, with the columns that make a row's key besides its place.
LEVELS = (
    (DailyReport, ("merchant_id", "coupon_id")),
    (MerchantDailyReport, ("merchant_id",)),
    (BranchDailyReport, ()),
)
PLACE_COLUMNS = ("branch_id", "district_id", "industry", "tier")


class RolledUpDay(db.Model):
    """A local day the roll-up has written: the job continues after the last one, so days missed
    during downtime are rolled up once when it runs again."""

    __tablename__ = "report_rollup_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    computed_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Today's live figures read claims and redemptions by time, for a branch or a merchant; "new
# customer" asks for a customer's earlier redemptions at the same shop.
# (A day's claims are counted from this index alone, never the table.)
sa.Index("ix_vouchers_claimed_at", Voucher.claimed_at, Voucher.merchant_id, Voucher.coupon_id)
sa.Index("ix_redemptions_branch_redeemed_at", Redemption.branch_id, Redemption.redeemed_at)
sa.Index(
    "ix_redemptions_merchant_customer", Redemption.merchant_id, Redemption.customer_id, Redemption.redeemed_at
)

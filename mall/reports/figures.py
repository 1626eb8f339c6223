"""Adding up claims and redemptions: live for a local day, or read back from the nightly roll-up.

A claim counts for the coupon's own merchant on the local day it was claimed. A redemption counts for
the merchant whose till redeemed it (a partner's till counts for the partner), at the branch and
district it stood in then, on the local day it was redeemed; a reversed redemption is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from alliance.branches.models import District
from alliance.core import clock
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.programme.models import entry_coupons
from mall.redemption.models import Redemption
from mall.reports.models import FIELDS, BranchDailyReport, DailyReport, MerchantDailyReport, RolledUpDay
from mall.vouchers.models import Voucher

PLACE = ("merchant_id", "coupon_id", "district_id", "branch_id", "industry", "tier")


@dataclass(frozen=True)
class Scope:
    """Which figures: one merchant's, or a branch's narrowed by district, trade, tier, programme entry."""

    merchant_id: int | None = None
    branch_id: int | None = None
    district_id: int | None = None
    industry: str | None = None
    tier: str | None = None
    entry_id: int | None = None

    @property
    def needs_merchant(self) -> bool:
        return bool(self.industry or self.tier)


def empty() -> dict[str, int]:
    return dict.fromkeys(FIELDS, 0)


def add(into: dict, row) -> dict:
    for name in FIELDS:
        into[name] += int(row.get(name) or 0)
    return into


def rate(redeemed: int, claimed: int) -> float:
    """Redeemed per claimed in the same period (0 when nothing was claimed)."""
    return round(redeemed / claimed, 4) if claimed else 0.0


# Figures other features bring. Each reads its column when that feature's schema has it, else 0.
def _bank_fen():
    # The bank's part of a discount: `redemptions.bank_fen`, written by the funding feature.
    column = getattr(Redemption, "bank_fen", None)
    return sa.func.coalesce(column, 0) if column is not None else sa.literal(0)


def _sent_by_partner():
    # A customer a cross-industry partner sent: the voucher came from a promotion or from a
    # redemption at another shop (`vouchers.promotion_id` / `issued_by_redemption_id`, promotions).
    columns = [
        getattr(Voucher, n) for n in ("issued_by_redemption_id", "promotion_id") if hasattr(Voucher, n)
    ]
    if not columns:
        return sa.literal(0)
    return sa.case((sa.or_(*[c.is_not(None) for c in columns]), 1), else_=0)


def _entry_coupon_ids(entry_id: int):
    return sa.select(entry_coupons.c.coupon_id).where(entry_coupons.c.entry_id == entry_id)


def day_span(day: date) -> tuple[datetime, datetime]:
    return clock.local_midnight_utc(day), clock.local_midnight_utc(day + timedelta(days=1))


def live(day: date, scope: Scope, by: tuple[str, ...] = PLACE) -> list[dict]:
    """One local day's figures computed from claims and redemptions, one row per place (the names
    in `by`, of PLACE: the roll-up wants them all, a dashboard fewer). Two statements."""
    start, end = day_span(day)
    rows: dict[tuple, dict] = {}

    # The day's claims are added up first (the time index alone finds them), then placed: joined
    # first, SQLite would rather walk the branch's merchants and every voucher they ever gave.
    inner = [Voucher.merchant_id] + ([Voucher.coupon_id] if "coupon_id" in by else [])
    day_claims = (
        sa.select(*inner, sa.func.count(Voucher.id).label("n"))
        .where(Voucher.claimed_at >= start, Voucher.claimed_at < end)
        .group_by(*inner)
    )
    if scope.merchant_id:
        day_claims = day_claims.where(Voucher.merchant_id == scope.merchant_id)
    if scope.entry_id:
        day_claims = day_claims.where(Voucher.coupon_id.in_(_entry_coupon_ids(scope.entry_id)))
    day_claims = day_claims.subquery()
    claim_place = {
        "merchant_id": day_claims.c.merchant_id,
        "coupon_id": day_claims.c.get("coupon_id"),
        "district_id": Merchant.district_id,
        "branch_id": District.branch_id,
        "industry": Merchant.industry,
        "tier": Merchant.tier,
    }
    keys = [claim_place[name] for name in by]
    claims = (
        sa.select(*keys, sa.func.sum(day_claims.c.n))
        .select_from(day_claims)
        .join(Merchant, Merchant.id == day_claims.c.merchant_id)
        .join(District, District.id == Merchant.district_id)
        .group_by(*keys)
    )
    if scope.branch_id:
        claims = claims.where(District.branch_id == scope.branch_id)
    if scope.district_id:
        claims = claims.where(Merchant.district_id == scope.district_id)
    claims = _merchant_filters(claims, scope, Merchant)
    for *place, n in db.session.execute(claims):
        row = rows.setdefault(tuple(place), empty())
        row["claimed"] += int(n or 0)

    earlier = aliased(Redemption)
    first_here = ~sa.exists().where(
        earlier.merchant_id == Redemption.merchant_id,
        earlier.customer_id == Redemption.customer_id,
        earlier.reversed_at.is_(None),
        sa.or_(
            earlier.redeemed_at < Redemption.redeemed_at,
            sa.and_(earlier.redeemed_at == Redemption.redeemed_at, earlier.id < Redemption.id),
        ),
    )
    redemption_place = {
        "merchant_id": Redemption.merchant_id,
        "coupon_id": Voucher.coupon_id,
        "district_id": sa.func.coalesce(Redemption.district_id, Merchant.district_id),
        "branch_id": sa.func.coalesce(Redemption.branch_id, District.branch_id),
        "industry": Merchant.industry,
        "tier": Merchant.tier,
    }
    keys = [redemption_place[name] for name in by]
    redemptions = (
        sa.select(
            *keys,
            sa.func.count(Redemption.id),
            sa.func.sum(Redemption.discount_fen),
            sa.func.sum(_bank_fen()),
            sa.func.sum(Redemption.order_amount_fen),
            sa.func.sum(sa.case((first_here, 1), else_=0)),
            sa.func.sum(_sent_by_partner()),
        )
        .select_from(Redemption)
        .outerjoin(Voucher, Voucher.id == Redemption.voucher_id)
        .join(Merchant, Merchant.id == Redemption.merchant_id)
        .join(District, District.id == Merchant.district_id)
        .where(
            Redemption.reversed_at.is_(None),
            Redemption.redeemed_at >= start,
            Redemption.redeemed_at < end,
        )
        .group_by(*keys)
    )
    if scope.merchant_id:
        redemptions = redemptions.where(Redemption.merchant_id == scope.merchant_id)
    if scope.branch_id:
        redemptions = redemptions.where(Redemption.branch_id == scope.branch_id)
    if scope.district_id:
        redemptions = redemptions.where(Redemption.district_id == scope.district_id)
    redemptions = _merchant_filters(redemptions, scope, Merchant)
    if scope.entry_id:
        redemptions = redemptions.where(Voucher.coupon_id.in_(_entry_coupon_ids(scope.entry_id)))
    width = len(by)
    for values in db.session.execute(redemptions):
        row = rows.setdefault(tuple(values[:width]), empty())
        for name, value in zip(FIELDS[1:], values[width:], strict=True):
            row[name] += int(value or 0)

    return [dict(zip(by, key, strict=True), day=day, **values) for key, values in rows.items()]


def _merchant_filters(stmt, scope: Scope, merchant):
    if scope.industry:
        stmt = stmt.where(merchant.industry == scope.industry)
    if scope.tier:
        stmt = stmt.where(merchant.tier == scope.tier)
    return stmt


def rolled_through() -> date | None:
    """The last local day the roll-up has written."""
    return db.session.scalar(sa.select(sa.func.max(RolledUpDay.day)))


def table_for(scope: Scope, group: tuple[str, ...]):
    """The coarsest roll-up table that still answers: per coupon, per merchant, or per place."""
    if scope.entry_id or scope.merchant_id or "coupon_id" in group:
        return DailyReport
    if "merchant_id" in group:
        return MerchantDailyReport
    return BranchDailyReport


def rolled_up(first: date, last: date, scope: Scope, group: Iterable[str]) -> list[dict]:
    """The roll-up's rows of [first, last] added up by `group` (names of the roll-up's columns)."""
    group = tuple(group)
    table = table_for(scope, group)
    keys = [getattr(table, name) for name in group]
    stmt = (
        sa.select(*keys, *[sa.func.sum(getattr(table, name)) for name in FIELDS])
        .where(table.day >= first, table.day <= last)
        .group_by(*keys)
    )
    if scope.merchant_id:
        stmt = stmt.where(table.merchant_id == scope.merchant_id)
    if scope.branch_id:
        stmt = stmt.where(table.branch_id == scope.branch_id)
    if scope.district_id:
        stmt = stmt.where(table.district_id == scope.district_id)
    if scope.industry:
        stmt = stmt.where(table.industry == scope.industry)
    if scope.tier:
        stmt = stmt.where(table.tier == scope.tier)
    if scope.entry_id:
        stmt = stmt.where(table.coupon_id.in_(_entry_coupon_ids(scope.entry_id)))
    found = []
    for values in db.session.execute(stmt):
        row = dict(zip(group, values[: len(group)], strict=True))
        row.update({name: int(v or 0) for name, v in zip(FIELDS, values[len(group) :], strict=True)})
        found.append(row)
    return found


def regroup(rows: Iterable[dict], group: Iterable[str]) -> list[dict]:
    group = tuple(group)
    out: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in group)
        if key not in out:
            out[key] = dict(zip(group, key, strict=True), **empty())
        add(out[key], row)
    return list(out.values())


def collect(
    first: date, last: date, scope: Scope, group: Iterable[str], today: date | None = None
) -> list[dict]:
    """Figures of [first, last] by `group`: days the roll-up has written from it, later days live
    (today, and any day the job has not reached yet)."""
    return collect_many(first, last, scope, [tuple(group)], today)[0]


def collect_many(
    first: date, last: date, scope: Scope, groups: list[tuple[str, ...]], today: date | None = None
) -> list[list[dict]]:
    """`collect` for several groupings of the same days: each added up by the database from the
    roll-up, the live days counted once for all."""
    today = today or clock.local_today()
    last = min(last, today)
    if first > last:
        return [[] for _ in groups]
    through = rolled_through()
    found: list[list[dict]] = [[] for _ in groups]
    live_from = first
    if through is not None and through >= first:
        rolled_last = min(last, through, today - timedelta(days=1))
        for i, group in enumerate(groups):
            found[i] += rolled_up(first, rolled_last, scope, group)
        live_from = rolled_last + timedelta(days=1)
    cells: list[dict] = []
    day = live_from
    while day <= last:
        cells += live(day, scope)
        day += timedelta(days=1)
    return [regroup(rows + cells, group) for rows, group in zip(found, groups, strict=True)]

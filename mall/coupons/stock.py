"""Stock shards: a coupon with a large stock keeps it in several rows, so that concurrent claims
update different rows instead of queueing on one (on PostgreSQL one hot row serialises every claim's
commit).

A claim takes one unit from one shard (chosen from the customer's id) and falls through to the others
in the same statement when that one is empty; nothing oversells, because each take is
`remaining = remaining - 1 WHERE remaining > 0`. `coupons.stock_remaining` of a sharded coupon stays
above zero exactly while some shard has stock: the claim that empties a shard locks the coupon row
and writes the shards' sum there (under that lock the last such claim sees every other one
committed). The number shown is `Coupon.stock_left`, the sum of the shards.

Settings: `STOCK_SHARDS` (rows per sharded coupon, default 8; 0 or 1 turns sharding off) and
`STOCK_SHARD_MIN` (the stock from which a coupon is sharded when approved, default 1000).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from alliance.core.extensions import db
from mall.coupons.models import Coupon, CouponStockShard

SHARDS = 8
SHARD_MIN = 1000


def shard_count_for(stock_total: int) -> int:
    shards = int(current_app.config.get("STOCK_SHARDS", SHARDS))
    minimum = int(current_app.config.get("STOCK_SHARD_MIN", SHARD_MIN))
    if shards < 2 or stock_total < max(minimum, shards):
        return 0
    return shards


def shard_on_approval(coupon: Coupon) -> None:
    """Split a coupon's stock into shards as it goes live, when it is large enough."""
    n = shard_count_for(coupon.stock_total)
    if not n or coupon.stock_shards:
        return
    base, extra = divmod(coupon.stock_remaining, n)
    db.session.execute(
        sa.insert(CouponStockShard),
        [{"coupon_id": coupon.id, "shard": i, "remaining": base + (1 if i < extra else 0)} for i in range(n)],
    )
    coupon.stock_shards = n


_statements: dict[tuple, tuple] = {}


def _take_statements(shape: tuple[str, ...]) -> tuple:
    """(take, claimable) with bound parameters, built once per process for the rules' shape."""
    found = _statements.get(shape)
    if found is None:
        from alliance.core.db import UTCDateTime
        from mall.coupons import rules

        shards = CouponStockShard.__table__
        coupon_id = sa.bindparam("shard_coupon_id")
        start, n = sa.bindparam("shard_start"), sa.bindparam("shard_n")
        now = sa.bindparam("claim_now", type_=UTCDateTime())
        pick = (
            sa.select(shards.c.shard)
            .where(shards.c.coupon_id == coupon_id, shards.c.remaining > 0)
            .order_by((shards.c.shard - start + n) % n)
            .limit(1)
            .scalar_subquery()
        )
        claimable = (
            sa.select(Coupon.id).where(Coupon.id == coupon_id, rules.write_recheck_clause(now)).exists()
        )
        take_stmt = (
            sa.update(shards)
            .where(shards.c.coupon_id == coupon_id, shards.c.shard == pick, shards.c.remaining > 0, claimable)
            .values(remaining=shards.c.remaining - 1)
            .returning(shards.c.shard, shards.c.remaining)
        )
        found = _statements[shape] = (take_stmt, sa.select(claimable))
    return found


def take(coupon: Coupon, start: int, now, shape: tuple[str, ...]) -> int | None:
    """One unit from the first shard with stock, trying shard `start % n` first; what must hold of
    the coupon (claimable at `now`, `rules.write_recheck_clause`) is checked in the same statement.
    The shard taken, or None."""
    n = coupon.stock_shards
    take_stmt, claimable = _take_statements(shape)
    params = {"shard_coupon_id": coupon.id, "shard_start": start % n, "shard_n": n, "claim_now": now}
    for _attempt in range(n):
        row = db.session.execute(take_stmt, params).first()
        if row is not None:
            if row.remaining == 0:
                sync_flag(coupon)
            return row.shard
        # Nothing changed: no shard with stock, not claimable, or (PostgreSQL) the picked shard was
        # emptied by a concurrent claim between the pick and the update: look again.
        if not _any_left(coupon) or not db.session.scalar(claimable, params):
            return None
    return None


def give_back(coupon: Coupon, shard: int) -> None:
    shards = CouponStockShard.__table__
    row = db.session.execute(
        sa.update(shards)
        .where(shards.c.coupon_id == coupon.id, shards.c.shard == shard)
        .values(remaining=shards.c.remaining + 1)
        .returning(shards.c.remaining)
    ).first()
    if row is not None and row.remaining == 1:
        sync_flag(coupon)


def _any_left(coupon: Coupon) -> bool:
    shards = CouponStockShard.__table__
    return bool(
        db.session.scalar(
            sa.select(sa.literal(1)).where(shards.c.coupon_id == coupon.id, shards.c.remaining > 0).limit(1)
        )
    )


def sync_flag(coupon: Coupon) -> None:
    """Write the shards' sum into `coupons.stock_remaining`, under the coupon row's lock (taken by its
    own statement first, so the sum is read after every claim that locked it before has committed).
    `FOR NO KEY UPDATE`: claims in flight hold a key-share lock on the coupon (their counters' and
    vouchers' foreign keys) and must not be waited for, or they and this one would wait on each other.
    """
    db.session.execute(sa.select(Coupon.id).where(Coupon.id == coupon.id).with_for_update(key_share=True))
    shards = CouponStockShard.__table__
    total = (
        sa.select(sa.func.coalesce(sa.func.sum(shards.c.remaining), 0))
        .where(shards.c.coupon_id == coupon.id)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id)
        .values(stock_remaining=total)
        .execution_options(synchronize_session=False)
    )

"""Claiming vouchers, the wallet, codes and signed QR payloads, expiry and reminders.

A claim is three reusable steps (a coupon pack or a chain reward composes them the same way):
  1. `check_claim`: the coupon's rules, the registered claim rules and its audience, no writes;
  2. `take_stock`: conditional statements only, so it holds under any number of concurrent requests
     on SQLite and PostgreSQL alike: the per-customer counter (one upsert that increments only under
     the limit), the same for the local day's counter when the coupon has a daily limit, then
     `stock_remaining = stock_remaining - 1 WHERE stock_remaining > 0 AND status = 'approved'`;
     a statement that changes no row answers `limit_reached` or `sold_out`, and what was taken is
     given back;
  3. `issue_vouchers`: the voucher rows, in one INSERT.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from alliance.core import clock, codes, signing
from alliance.core.db import UTCDateTime, dialect_insert
from alliance.core.errors import (
    DomainError,
    Forbidden,
    InvalidCode,
    LimitReached,
    NotClaimable,
    NotFound,
    SoldOut,
)
from alliance.core.extensions import db
from alliance.notifications.services import notify, register_kind
from mall.coupons import rules, stock
from mall.coupons.models import Audience, Coupon
from mall.vouchers.models import ClaimCounter, DailyClaimCounter, Voucher, VoucherStatus

CODE_LENGTH = 12  # 11 random characters from 31 and a check character: about 2.5 × 10^16 codes
QR_PURPOSE = "voucher-qr"
QR_PAYLOAD_MAX_CHARS = 1000  # genuine payloads are under 100 characters
QR_TTL_SECONDS = 90  # a scanned payload is accepted this long after it was issued
QR_REFRESH_SECONDS = 30  # the voucher page fetches a fresh payload this often
QR_FUTURE_SKEW_SECONDS = 30  # clocks of several servers may disagree a little
REMIND_BEFORE = timedelta(days=3)

register_kind(
    "voucher_expiring",
    title=_l("Your voucher expires soon"),
    body=_l("%(title)s at %(shop)s is valid until %(until_at)s. Use it before then."),
)


def qr_ttl_seconds() -> int:
    return int(current_app.config.get("QR_TTL_SECONDS", QR_TTL_SECONDS))


def qr_refresh_seconds() -> int:
    return int(current_app.config.get("QR_REFRESH_SECONDS", QR_REFRESH_SECONDS))


# ---------------------------------------------------------------------------------------------------
# Claiming
# ---------------------------------------------------------------------------------------------------


# The hot path's statements are built once per process (with bound parameters): building a
# statement costs more CPU than running it. Keyed by what shapes them (dialect, re-checked rules).
_statements: dict[tuple, Any] = {}


def _statement(key: tuple, build: Callable[[], Any]):
    found = _statements.get(key)
    if found is None:
        found = _statements[key] = build()
    return found


def _now_param():
    return sa.bindparam("claim_now", type_=UTCDateTime())


def load_coupon(coupon_id: int) -> Coupon:
    """The coupon a claim names, with its merchant and partners, in one statement."""
    stmt = _statement(
        ("load_coupon",),
        lambda: (
            sa.select(Coupon)
            .where(Coupon.id == sa.bindparam("coupon_id"))
            .options(orm.joinedload(Coupon.partners))
        ),
    )
    coupon = db.session.scalars(stmt, {"coupon_id": coupon_id}).unique().first()
    if coupon is None:
        raise NotFound()
    return coupon


def _has_redeemed_here(user_id: int, merchant_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Voucher.id)
            .where(
                Voucher.user_id == user_id,
                Voucher.merchant_id == merchant_id,
                Voucher.status == VoucherStatus.REDEEMED,
            )
            .limit(1)
        )
        is not None
    )


def validity_for(coupon: Coupon, claimed_at: datetime) -> tuple[datetime, datetime | None]:
    """(valid_from, valid_until) of a voucher claimed at `claimed_at`.

    N days after claiming runs to the end of the Nth local day, counting the day of the claim.
    """
    if coupon.valid_days_after_claim:
        last_day = clock.to_local(claimed_at).date() + timedelta(days=coupon.valid_days_after_claim)
        return claimed_at, clock.local_midnight_utc(last_day)
    valid_from = coupon.valid_from if coupon.valid_from and coupon.valid_from > claimed_at else claimed_at
    return valid_from, coupon.valid_until


def check_claim(customer, coupon: Coupon, now: datetime) -> None:
    """Step 1 of a claim, no writes: whether `customer` may claim `coupon` at `now` (the coupon's
    rules, the registered claim rules, its audience). Raises the domain error that says why not."""
    if customer is None or customer.role != "customer":
        raise Forbidden(_l("Only customers claim vouchers."))
    refusal = rules.claim_refusal(coupon, now)
    if refusal is not None:
        raise refusal
    if coupon.audience == Audience.NEW_CUSTOMERS and _has_redeemed_here(customer.id, coupon.merchant_id):
        raise NotClaimable(_l("This offer is for new customers of this shop."))


def _bump_counter(table, key: dict, limit: int) -> bool:
    """One upsert: the counter row is created at 1, or incremented only while under `limit`.
    False (no row changed) when the limit is used up."""
    bind = db.session.get_bind()

    def build():
        values = {**{name: sa.bindparam(name) for name in key}, "claimed": 1}
        stmt = dialect_insert(table, bind).values(values)
        return stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={"claimed": table.c.claimed + 1},
            where=table.c.claimed < sa.bindparam("claim_limit"),
        ).returning(table.c.claimed)

    stmt = _statement(("bump", table.name, bind.dialect.name), build)
    return db.session.execute(stmt, {**key, "claim_limit": limit}).first() is not None


def _unbump_counter(table, key: dict) -> None:
    db.session.execute(
        sa.update(table)
        .where(*(table.c[name] == value for name, value in key.items()))
        .values(claimed=table.c.claimed - 1)
    )


ROW = -1  # the unit came from the coupon row itself (an unsharded coupon)


def _take_unit(customer, coupon: Coupon, now: datetime) -> int | None:
    """One voucher's worth of stock, in one conditional statement that re-checks what must hold:
    stock left and the coupon claimable now (status, windows, and the claim rules judged from a
    per-process cache), so a check made on slightly older data can never let a claim through.
    The shard taken (`ROW` for an unsharded coupon), or None when nothing could be taken."""
    shape = rules.recheck_rule_names()
    if coupon.stock_shards:
        return stock.take(coupon, customer.id, now, shape)
    stmt = _statement(
        ("take_row", shape),
        lambda: (
            sa.update(Coupon)
            .where(
                Coupon.id == sa.bindparam("coupon_id"),
                Coupon.stock_remaining > 0,
                rules.write_recheck_clause(_now_param()),
            )
            .values(stock_remaining=Coupon.stock_remaining - 1)
            .execution_options(synchronize_session=False)
        ),
    )
    taken = db.session.execute(stmt, {"coupon_id": coupon.id, "claim_now": now}).rowcount
    return ROW if taken == 1 else None


def _give_back_unit(coupon: Coupon, unit: int) -> None:
    if unit != ROW:
        stock.give_back(coupon, unit)
        return
    db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id)
        .values(stock_remaining=Coupon.stock_remaining + 1)
        .execution_options(synchronize_session=False)
    )


def _stock_refusal(coupon: Coupon, now: datetime) -> DomainError:
    """Why the stock statement changed nothing: read the coupon afresh and say."""
    db.session.refresh(coupon)
    refusal = rules.claim_refusal(coupon, now)
    if refusal is None or isinstance(refusal, SoldOut):
        return SoldOut()
    return refusal


@dataclass
class _Taken:
    coupon: Coupon
    counters: list[tuple[Any, dict]]
    unit: int | None = None


def _take_one(customer, coupon: Coupon, now: datetime) -> tuple[_Taken, DomainError | None]:
    taken = _Taken(coupon, [])
    key = {"coupon_id": coupon.id, "user_id": customer.id}
    if not _bump_counter(ClaimCounter.__table__, key, coupon.per_customer_limit):
        return taken, LimitReached(_l("Limit %(n)s per customer.", n=coupon.per_customer_limit))
    taken.counters.append((ClaimCounter.__table__, key))
    if coupon.daily_limit:
        day_key = {**key, "day": clock.to_local(now).date()}
        if not _bump_counter(DailyClaimCounter.__table__, day_key, coupon.daily_limit):
            return taken, LimitReached(_l("Limit %(n)s per customer per day.", n=coupon.daily_limit))
        taken.counters.append((DailyClaimCounter.__table__, day_key))
    taken.unit = _take_unit(customer, coupon, now)
    if taken.unit is None:
        return taken, _stock_refusal(coupon, now)
    return taken, None


def _give_back(taken: _Taken) -> None:
    for table, key in taken.counters:
        _unbump_counter(table, key)
    if taken.unit is not None:
        _give_back_unit(taken.coupon, taken.unit)


def take_stock(customer, coupons: list[Coupon], now: datetime) -> None:
    """Step 2 of a claim: for each coupon (one or several, a pack), the customer's counter, the
    customer's counter of the local day (when the coupon has a daily limit) and one unit of stock;
    all or nothing.

    Coupons are taken in id order, so two packs sharing coupons lock rows in the same order and
    PostgreSQL never deadlocks. Every statement is conditional (an upsert that increments only under
    the limit, `stock_remaining > 0`), so concurrent claims never oversell. When any coupon fails,
    what was taken from the others (and from the failing one) is given back in the same transaction
    and the failing coupon's domain error is raised (`sold_out`, `limit_reached`, `not_claimable`),
    with `coupon_id` naming it and `failures` mapping every failing coupon id to its error.
    """
    done: list[_Taken] = []
    failures: dict[int, DomainError] = {}
    for coupon in sorted(coupons, key=lambda c: c.id):
        taken, error = _take_one(customer, coupon, now)
        if error is not None:
            _give_back(taken)
            failures.setdefault(coupon.id, error)
        else:
            done.append(taken)
    if failures:
        for taken in done:
            _give_back(taken)
        first_id = min(failures)
        error = failures[first_id]
        error.coupon_id = first_id
        error.failures = failures
        raise error


def issue_vouchers(customer, coupons: list[Coupon], now: datetime, **voucher_fields) -> list[Voucher]:
    """Step 3 of a claim: one active voucher of each coupon for `customer`, in one INSERT, in the
    order given. `voucher_fields` are further columns of every voucher (what issued it, ...).

    Codes are random; a clash with an existing code (about one in 10^16) skips that row
    (ON CONFLICT DO NOTHING) and only it is tried again with a new code. The vouchers come back as
    loaded objects of the session, so answering with them costs no further statement.
    """
    if not coupons:
        return []
    rows = []
    for coupon in coupons:
        valid_from, valid_until = validity_for(coupon, now)
        rows.append(
            {
                "coupon_id": coupon.id,
                "user_id": customer.id,
                "merchant_id": coupon.merchant_id,
                "status": VoucherStatus.ACTIVE.value,
                "claimed_at": now,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "redeemed_at": None,
                "expired_at": None,
                **voucher_fields,
            }
        )
    table = Voucher.__table__
    bind = db.session.get_bind()
    columns = tuple(rows[0])
    stmt = _statement(
        ("issue", bind.dialect.name, columns),
        lambda: (
            dialect_insert(table, bind)
            .values({name: sa.bindparam(name) for name in (*columns, "code")})
            .on_conflict_do_nothing()
            .returning(table.c.id, table.c.code)
        ),
    )
    ids: dict[str, int] = {}
    waiting = rows
    for _attempt in range(5):
        for row in waiting:
            row["code"] = codes.new_code(CODE_LENGTH)
        params = waiting[0] if len(waiting) == 1 else waiting
        for voucher_id, code in db.session.execute(stmt, params):
            ids[code] = voucher_id
        waiting = [row for row in waiting if row["code"] not in ids]
        if not waiting:
            break
    else:
        raise RuntimeError("could not find a free voucher code")

    issued = []
    for coupon, row in zip(coupons, rows, strict=True):
        voucher = Voucher(id=ids[row["code"]], **row)
        voucher.coupon = coupon
        orm.make_transient_to_detached(voucher)
        db.session.add(voucher)
        issued.append(voucher)
    return issued


def claim(customer, coupon_id: int, now: datetime | None = None) -> Voucher:
    """Claim one voucher of `coupon_id` for `customer`: check, take stock, issue."""
    if customer is None or customer.role != "customer":
        raise Forbidden(_l("Only customers claim vouchers."))
    now = now or clock.now_utc()
    coupon = load_coupon(coupon_id)
    check_claim(customer, coupon, now)
    take_stock(customer, [coupon], now)
    [voucher] = issue_vouchers(customer, [coupon], now)
    return voucher


# ---------------------------------------------------------------------------------------------------
# The wallet
# ---------------------------------------------------------------------------------------------------


def _status_clause(status: str, now: datetime) -> sa.ColumnElement[bool]:
    not_over = sa.or_(Voucher.valid_until.is_(None), Voucher.valid_until > now)
    if status == VoucherStatus.ACTIVE:
        return sa.and_(Voucher.status == VoucherStatus.ACTIVE, not_over)
    if status == VoucherStatus.EXPIRED:
        return sa.or_(
            Voucher.status == VoucherStatus.EXPIRED,
            sa.and_(Voucher.status == VoucherStatus.ACTIVE, sa.not_(not_over)),
        )
    return Voucher.status == status


def wallet(user, status: str | None = None, now: datetime | None = None) -> list[Voucher]:
    """The customer's vouchers; active ones soonest-to-expire first, others newest first."""
    now = now or clock.now_utc()
    stmt = sa.select(Voucher).where(Voucher.user_id == user.id)
    if status:
        stmt = stmt.where(_status_clause(status, now))
    if status == VoucherStatus.ACTIVE:
        stmt = stmt.order_by(Voucher.valid_until.is_(None), Voucher.valid_until, Voucher.id.desc())
    else:
        stmt = stmt.order_by(Voucher.id.desc())
    return list(db.session.scalars(stmt))


def wallet_counts(user, now: datetime | None = None) -> dict[str, int]:
    now = now or clock.now_utc()
    counts = {}
    for status in (VoucherStatus.ACTIVE, VoucherStatus.REDEEMED, VoucherStatus.EXPIRED):
        counts[status.value] = int(
            db.session.scalar(
                sa.select(sa.func.count(Voucher.id)).where(
                    Voucher.user_id == user.id, _status_clause(status, now)
                )
            )
            or 0
        )
    return counts


def held_vouchers(user, coupon_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """For coupon cards: per coupon, a voucher the customer holds ready to use (one query)."""
    if user is None or not coupon_ids:
        return {}
    now = now or clock.now_utc()
    rows = db.session.execute(
        sa.select(Voucher.coupon_id, sa.func.min(Voucher.id))
        .where(
            Voucher.user_id == user.id,
            Voucher.coupon_id.in_(coupon_ids),
            _status_clause(VoucherStatus.ACTIVE, now),
        )
        .group_by(Voucher.coupon_id)
    ).all()
    return dict(rows)


def claimed_counts(user, coupon_ids: list[int]) -> dict[int, int]:
    """How many vouchers of each coupon the customer has ever claimed (for 已领取 on cards)."""
    if user is None or not coupon_ids:
        return {}
    rows = db.session.execute(
        sa.select(ClaimCounter.coupon_id, ClaimCounter.claimed).where(
            ClaimCounter.user_id == user.id, ClaimCounter.coupon_id.in_(coupon_ids)
        )
    ).all()
    return dict(rows)


def get_own(user, voucher_id: int) -> Voucher:
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None or voucher.user_id != user.id:
        raise NotFound()
    return voucher


# ---------------------------------------------------------------------------------------------------
# Codes and QR payloads
# ---------------------------------------------------------------------------------------------------


def _at_till() -> tuple:
    """A voucher read at a till comes with its coupon (joined); partners load only for a partner's till.
    (Built when used: loader options configure the mappers, which needs every model imported.)"""
    return (orm.defaultload(Voucher.coupon).lazyload(Coupon.partners),)


def find_by_code(text: str) -> Voucher | None:
    """The voucher a typed code names, or None. A code with a wrong check character never reaches
    the database."""
    code = codes.normalise(text)
    if not codes.is_well_formed(code, CODE_LENGTH):
        return None
    return db.session.scalar(sa.select(Voucher).where(Voucher.code == code).options(*_at_till()))


def qr_payload(voucher: Voucher, now: datetime | None = None) -> str:
    """A fresh signed payload: the voucher id, a nonce and the issue time."""
    now = now or clock.now_utc()
    return signing.dumps(
        QR_PURPOSE, {"v": voucher.id, "n": secrets.token_urlsafe(6), "t": int(now.timestamp())}
    )


class ForgedPayload(InvalidCode):
    """A payload whose signature does not verify: counts as a failed attempt."""


def voucher_from_payload(payload: str, now: datetime | None = None) -> Voucher:
    """The voucher a scanned payload names. A changed or invented payload is `invalid_code` (and
    counts against the merchant's attempts); a genuine but old one asks for a fresh QR."""
    now = now or clock.now_utc()
    if len(payload) > QR_PAYLOAD_MAX_CHARS:
        raise ForgedPayload()
    try:
        data = signing.loads(QR_PURPOSE, payload)
    except signing.BadSignature:
        raise ForgedPayload()
    if not isinstance(data, dict) or not isinstance(data.get("v"), int) or not isinstance(data.get("t"), int):
        raise ForgedPayload()
    age = now.timestamp() - data["t"]
    if age > qr_ttl_seconds() or age < -QR_FUTURE_SKEW_SECONDS:
        raise InvalidCode(
            _l("This QR code is out of date. Ask the customer to refresh it, or type the code.")
        )
    voucher = db.session.get(Voucher, data["v"], options=_at_till())
    if voucher is None:
        raise ForgedPayload()
    return voucher


# ---------------------------------------------------------------------------------------------------
# Jobs' work
# ---------------------------------------------------------------------------------------------------


def expire_due(now: datetime | None = None) -> int:
    """Mark active vouchers past their validity as expired. Idempotent."""
    now = now or clock.now_utc()
    return db.session.execute(
        sa.update(Voucher)
        .where(
            Voucher.status == VoucherStatus.ACTIVE,
            Voucher.valid_until.is_not(None),
            Voucher.valid_until <= now,
        )
        .values(status=VoucherStatus.EXPIRED, expired_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def remind_expiring(now: datetime | None = None, link_for=None) -> int:
    """Tell customers, once per voucher, that a voucher runs out within three days."""
    now = now or clock.now_utc()
    vouchers = db.session.scalars(
        sa.select(Voucher)
        .where(
            Voucher.status == VoucherStatus.ACTIVE,
            Voucher.valid_until > now,
            Voucher.valid_until <= now + REMIND_BEFORE,
        )
        .order_by(Voucher.id)
    ).all()
    sent = 0
    for voucher in vouchers:
        sent += notify(
            voucher.user_id,
            "voucher_expiring",
            {
                "title": voucher.coupon.title,
                "shop": voucher.coupon.merchant.name,
                "until_at": voucher.valid_until.isoformat(),
            },
            link=link_for(voucher) if link_for else None,
            dedupe_key=f"voucher-expiring:{voucher.id}",
        )
    return sent

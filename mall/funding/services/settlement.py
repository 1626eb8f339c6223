"""Monthly settlement (月结): per merchant and local calendar month, what the bank owes for its share
of the discounts and the incentive cash spent at the till.

An open month is computed from the redemptions each time it is read. Staff confirm it once the month
is over: its lines and totals are written down then and never change. A redemption of a confirmed
month reversed afterwards becomes a correction line (negative figures) of the month it was reversed
in. A confirmed statement is marked paid with the bank's payment reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from alliance.audit.services import record
from alliance.branches.models import District
from alliance.branches.services import can_manage_branch, visible_branch_ids
from alliance.core import clock
from alliance.core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from mall.funding.models import Statement, StatementLine, StatementStatus
from mall.redemption.models import Redemption

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
REFERENCE_MAX = 100
FIGURES = ("redemptions", "discount_fen", "bank_fen", "merchant_fen", "incentive_fen")


# ---------------------------------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------------------------------


def parse_month(text: str | None) -> date:
    """'2026-11' -> date(2026, 11, 1); 422 otherwise."""
    match = MONTH_RE.match((text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    raise ValidationFailed({"month": [_l("A month as YYYY-MM.")]})


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def month_of(moment: datetime) -> date:
    return clock.to_local(moment).date().replace(day=1)


def bounds(first: date) -> tuple[datetime, datetime]:
    """The month's start and end as UTC instants (local midnights)."""
    return clock.local_midnight_utc(first), clock.local_midnight_utc(next_month(first))


# ---------------------------------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------------------------------


def _merchant(actor, merchant_id: int, *, staff_only: bool = False) -> Merchant:
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or actor is None:
        raise NotFound()
    own = actor.role in ("merchant", "clerk") and actor.merchant_id == merchant_id
    staff = actor.role in ("staff", "admin") and can_manage_branch(actor, merchant.district.branch_id)
    if staff:
        return merchant
    if own and staff_only:
        raise Forbidden()
    if own and actor.role == "merchant":
        return merchant
    raise NotFound()


# ---------------------------------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------------------------------


@dataclass
class Line:
    day: date
    correction: bool = False
    redemptions: int = 0
    discount_fen: int = 0
    bank_fen: int = 0
    merchant_fen: int = 0
    incentive_fen: int = 0

    def add(self, sign: int, discount: int, bank: int, merchant: int, incentive: int) -> None:
        self.redemptions += sign
        self.discount_fen += sign * discount
        self.bank_fen += sign * bank
        self.merchant_fen += sign * merchant
        self.incentive_fen += sign * incentive


@dataclass
class StatementView:
    """A statement as shown and answered: the stored one when confirmed, the live figures when open."""

    merchant: Merchant
    month: str
    status: str
    lines: list[Line]
    totals: dict[str, int]
    statement: Statement | None = None
    extra: dict = field(default_factory=dict)

    @property
    def merchant_id(self) -> int:
        return self.merchant.id

    @property
    def paid_reference(self) -> str | None:
        return self.statement.paid_reference if self.statement else None

    @property
    def confirmed_at(self):
        return self.statement.confirmed_at if self.statement else None

    @property
    def paid_at(self):
        return self.statement.paid_at if self.statement else None

    @property
    def paid_by(self):
        return self.statement.paid_by if self.statement else None

    @property
    def confirmed_by(self):
        return self.statement.confirmed_by if self.statement else None


def _totals(lines: list[Line]) -> dict[str, int]:
    totals = {name: sum(getattr(line, name) for line in lines) for name in FIGURES}
    totals["due_fen"] = totals["bank_fen"] + totals["incentive_fen"]
    return totals


def compute_lines(merchant_id: int, first: date) -> list[Line]:
    """The month's lines from the redemptions: one per local day with standing redemptions, plus a
    correction line per day on which a redemption of an already confirmed month was reversed."""
    start, end = bounds(first)
    columns = (
        Redemption.redeemed_at,
        Redemption.discount_fen,
        Redemption.bank_fen,
        Redemption.merchant_fen,
        Redemption.incentive_fen,
    )
    days: dict[tuple[date, bool], Line] = {}

    def line(day: date, correction: bool) -> Line:
        return days.setdefault((day, correction), Line(day=day, correction=correction))

    standing = db.session.execute(
        sa.select(*columns).where(
            Redemption.merchant_id == merchant_id,
            Redemption.redeemed_at >= start,
            Redemption.redeemed_at < end,
            Redemption.reversed_at.is_(None),
        )
    )
    for redeemed_at, discount, bank, merchant, incentive in standing:
        line(clock.to_local(redeemed_at).date(), False).add(1, discount, bank, merchant, incentive or 0)

    late = db.session.execute(
        sa.select(Redemption.reversed_at, *columns).where(
            Redemption.merchant_id == merchant_id,
            Redemption.reversed_at >= start,
            Redemption.reversed_at < end,
            Redemption.redeemed_at < start,
        )
    ).all()
    if late:
        confirmed = {
            s.month: s.confirmed_at
            for s in db.session.scalars(
                sa.select(Statement).where(
                    Statement.merchant_id == merchant_id, Statement.confirmed_at.is_not(None)
                )
            )
        }
        for reversed_at, redeemed_at, discount, bank, merchant, incentive in late:
            at = confirmed.get(month_key(month_of(redeemed_at)))
            if at is not None and at <= reversed_at:
                line(clock.to_local(reversed_at).date(), True).add(
                    -1, discount, bank, merchant, incentive or 0
                )
    return [days[key] for key in sorted(days)]


def _stored_lines(statement: Statement) -> list[Line]:
    return [
        Line(
            day=s.day,
            correction=s.correction,
            redemptions=s.redemptions,
            discount_fen=s.discount_fen,
            bank_fen=s.bank_fen,
            merchant_fen=s.merchant_fen,
            incentive_fen=s.incentive_fen,
        )
        for s in statement.lines
    ]


def _find(merchant_id: int, key: str) -> Statement | None:
    return db.session.scalar(
        sa.select(Statement).where(Statement.merchant_id == merchant_id, Statement.month == key)
    )


def view_of(merchant: Merchant, first: date) -> StatementView:
    key = month_key(first)
    statement = _find(merchant.id, key)
    if statement is not None and statement.status != StatementStatus.OPEN:
        lines = _stored_lines(statement)
        totals = {name: getattr(statement, name) for name in FIGURES}
        totals["due_fen"] = totals["bank_fen"] + totals["incentive_fen"]
        return StatementView(merchant, key, statement.status, lines, totals, statement)
    lines = compute_lines(merchant.id, first)
    return StatementView(merchant, key, StatementStatus.OPEN, lines, _totals(lines), statement)


def get_statement(actor, merchant_id: int, month: str | None) -> StatementView:
    """A merchant's statement for `month` (default: the current month): the merchant's owner, staff."""
    first = parse_month(month) if month else clock.local_today().replace(day=1)
    return view_of(_merchant(actor, merchant_id), first)


def merchant_months(actor, merchant_id: int, count: int = 12) -> list[StatementView]:
    """The last `count` months, newest first (the merchant's list of statements)."""
    merchant = _merchant(actor, merchant_id)
    first = clock.local_today().replace(day=1)
    found = []
    for _ in range(count):
        found.append(view_of(merchant, first))
        first = previous_month(first)
    return found


# ---------------------------------------------------------------------------------------------------
# Workflow: open → confirmed → paid
# ---------------------------------------------------------------------------------------------------


def _ensure(merchant_id: int, key: str) -> Statement:
    """The stored statement of that month, opened now if there was none (safe under races)."""
    statement = _find(merchant_id, key)
    if statement is not None:
        return statement
    try:
        with db.session.begin_nested():
            db.session.add(Statement(merchant_id=merchant_id, month=key, status=StatementStatus.OPEN))
            db.session.flush()
    except IntegrityError:
        pass
    return _find(merchant_id, key)


def confirm(actor, merchant_id: int, month: str, now: datetime | None = None) -> StatementView:
    """Staff confirm a month once it is over: its lines and totals are written down, frozen."""
    now = now or clock.now_utc()
    merchant = _merchant(actor, merchant_id, staff_only=True)
    first = parse_month(month)
    if bounds(first)[1] > now:
        raise InvalidState(_l("A month can be confirmed once it is over."))
    key = month_key(first)
    statement = _ensure(merchant.id, key)
    lines = compute_lines(merchant.id, first)
    totals = _totals(lines)
    won = db.session.execute(
        sa.update(Statement)
        .where(Statement.id == statement.id, Statement.status == StatementStatus.OPEN)
        .values(
            status=StatementStatus.CONFIRMED,
            confirmed_at=now,
            confirmed_by_id=actor.id,
            **{name: totals[name] for name in FIGURES},
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise InvalidState(_l("This month is confirmed already."))
    for line in lines:
        db.session.add(
            StatementLine(
                statement_id=statement.id,
                **{name: getattr(line, name) for name in ("day", "correction", *FIGURES)},
            )
        )
    db.session.flush()
    db.session.expire(statement)
    record(actor, "settlement.confirm", statement, data={"month": key, "due_fen": totals["due_fen"]})
    return view_of(merchant, first)


def mark_paid(
    actor, merchant_id: int, month: str, reference: str | None, now: datetime | None = None
) -> StatementView:
    """Staff record that the bank paid a confirmed statement, with the payment's reference."""
    now = now or clock.now_utc()
    merchant = _merchant(actor, merchant_id, staff_only=True)
    first = parse_month(month)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed({"reference": [_l("Give the payment's reference.")]})
    if len(reference) > REFERENCE_MAX:
        raise ValidationFailed({"reference": [_l("At most %(n)s characters.", n=REFERENCE_MAX)]})
    statement = _find(merchant.id, month_key(first))
    won = 0
    if statement is not None:
        won = db.session.execute(
            sa.update(Statement)
            .where(Statement.id == statement.id, Statement.status == StatementStatus.CONFIRMED)
            .values(status=StatementStatus.PAID, paid_at=now, paid_by_id=actor.id, paid_reference=reference)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not won:
        raise InvalidState(_l("Only a confirmed statement that is not paid yet can be marked paid."))
    db.session.expire(statement)
    record(actor, "settlement.paid", statement, data={"reference": reference})
    return view_of(merchant, first)


def open_statements(now: datetime | None = None) -> int:
    """Open this month's statement for every active merchant that has none (the monthly job)."""
    now = now or clock.now_utc()
    key = month_key(month_of(now))
    have = sa.select(Statement.merchant_id).where(Statement.month == key)
    missing = db.session.scalars(
        sa.select(Merchant.id).where(Merchant.status == MerchantStatus.ACTIVE, Merchant.id.not_in(have))
    ).all()
    opened = 0
    for merchant_id in missing:
        try:
            with db.session.begin_nested():
                db.session.add(Statement(merchant_id=merchant_id, month=key, status=StatementStatus.OPEN))
                db.session.flush()
            opened += 1
        except IntegrityError:
            continue
    return opened


# ---------------------------------------------------------------------------------------------------
# The staff's month overview
# ---------------------------------------------------------------------------------------------------


@dataclass
class Overview:
    month: str
    rows: list[StatementView]
    totals: dict[str, int]


def month_overview(actor, month: str | None, *, only_with_activity: bool = True) -> Overview:
    """Every merchant of the actor's branches for a month, with the total the bank is to pay."""
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()
    first = parse_month(month) if month else clock.local_today().replace(day=1)
    key = month_key(first)
    ids = visible_branch_ids(actor)
    stmt = sa.select(Merchant).join(District, District.id == Merchant.district_id).order_by(Merchant.name)
    if ids is not None:
        stmt = stmt.where(District.branch_id.in_(ids or {-1}))
    start, end = bounds(first)
    busy = set(
        db.session.scalars(
            sa.select(Redemption.merchant_id).where(
                sa.or_(
                    sa.and_(Redemption.redeemed_at >= start, Redemption.redeemed_at < end),
                    sa.and_(Redemption.reversed_at >= start, Redemption.reversed_at < end),
                )
            )
        )
    )
    stored = set(db.session.scalars(sa.select(Statement.merchant_id).where(Statement.month == key)))
    rows = []
    for merchant in db.session.scalars(stmt).unique():
        if only_with_activity and merchant.id not in busy and merchant.id not in stored:
            continue
        view = view_of(merchant, first)
        if only_with_activity and not view.lines and view.status == StatementStatus.OPEN:
            continue
        rows.append(view)
    totals = {name: sum(r.totals[name] for r in rows) for name in (*FIGURES, "due_fen")}
    return Overview(key, rows, totals)

"""Crediting, spending, reversing and reading the incentive ledger. Other features credit it for their
events (cashback vouchers on redemption, referral rewards), each naming its source so that a credit
happens at most once per event; tills spend it through `spend`, one conditional UPDATE on the
customer's balance row, so the balance never goes below zero however many tills spend at once."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from alliance.core import clock, codes, signing
from alliance.core.db import insert_ignore
from alliance.core.errors import DomainError, Forbidden, InvalidCode, InvalidState
from alliance.core.extensions import db
from alliance.core.money import format_fen
from alliance.incentives.models import IncentiveBalance, IncentiveEntry, PaymentCode

CASHBACK = "cashback"  # 激励金 from a cashback voucher, credited on redemption
CASHBACK_REVERSAL = "cashback_reversal"  # taken back when that redemption is reversed
SPEND = "spend"  # 激励金抵扣: spent at a till, part of what the customer pays
SPEND_REFUND = "spend_refund"  # put back when that redemption is reversed

KIND_LABELS: dict[str, object] = {
    CASHBACK: _l("Cashback"),
    CASHBACK_REVERSAL: _l("Cashback taken back (redemption reversed)"),
    SPEND: _l("Spent at the till"),
    SPEND_REFUND: _l("Put back (payment reversed)"),
}

PAYMENT_PURPOSE = "incentive-payment-code"
PAYLOAD_PREFIX = "PAY."  # tells a till's scanner a payment code from a voucher's QR
PAYMENT_CODE_LENGTH = 10  # 9 random characters from 31 and a check character; lives two minutes
PAYMENT_CODE_TTL_SECONDS = 120
PAYMENT_CODE_REFRESH_SECONDS = 30
PAYLOAD_MAX_CHARS = 1000
FUTURE_SKEW_SECONDS = 30


class InsufficientBalance(DomainError):
    code, status = "insufficient_balance", 409
    default_message = _l("Not enough incentive cash: the balance is short of this amount.")


class ForgedPaymentCode(InvalidCode):
    """A payment code that names nobody, or a payload whose signature does not verify."""

    default_message = _l("This payment code is not valid. Ask the customer to refresh it.")


def register_kind(kind: str, label) -> None:
    """Let another feature (referrals) add its own kind of entry with a translated label."""
    KIND_LABELS[kind] = label


def kind_label(kind: str):
    return KIND_LABELS.get(kind, kind)


# ---------------------------------------------------------------------------------------------------
# The balance row
# ---------------------------------------------------------------------------------------------------


def _add_to_balance(user_id: int, amount_fen: int):
    """balance += amount, creating the row on first use: one upsert, safe under concurrency. Answers
    the row's (balance_fen, owed_fen) after it."""
    table = IncentiveBalance.__table__
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(user_id=user_id, balance_fen=amount_fen)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={"balance_fen": table.c.balance_fen + stmt.excluded.balance_fen},
    ).returning(table.c.balance_fen, table.c.owed_fen)
    return db.session.execute(stmt).one()


def credit(
    user_id: int,
    amount_fen: int,
    kind: str,
    *,
    source_type: str,
    source_id: int,
    note: str | None = None,
    reverses_id: int | None = None,
    branch_id: int | None = None,
) -> IncentiveEntry | None:
    """Append an entry and move the balance by it; None when this (source, kind) was already booked
    (a retry books nothing and moves nothing)."""
    if amount_fen == 0:
        return None
    inserted = db.session.execute(
        insert_ignore(
            IncentiveEntry.__table__,
            db.session.get_bind(),
            user_id=user_id,
            amount_fen=amount_fen,
            kind=kind,
            source_type=source_type,
            source_id=source_id,
            reverses_id=reverses_id,
            branch_id=branch_id,
            note=note,
            created_at=clock.now_utc(),
        ).returning(IncentiveEntry.__table__.c.id)
    ).first()
    if inserted is None:
        return None
    after = _add_to_balance(user_id, amount_fen)
    if amount_fen > 0 and after.owed_fen > 0:
        _pay_off_owed(user_id, inserted.id, branch_id)
    return db.session.get(IncentiveEntry, inserted.id)


OWED_SOURCE = "owed"  # a pay-off entry's source: the credit that paid it


def _pay_off_owed(user_id: int, credit_id: int, branch_id: int | None) -> None:
    """Take what is owed (cashback spent before its redemption was reversed) out of a new credit:
    as much as the balance now holds, booked as a cashback reversal of its own."""
    row = db.session.execute(
        sa.select(IncentiveBalance.balance_fen, IncentiveBalance.owed_fen)
        .where(IncentiveBalance.user_id == user_id)
        .with_for_update()
    ).one()
    settle = min(int(row.owed_fen), int(row.balance_fen))
    if settle <= 0:
        return
    db.session.execute(
        sa.update(IncentiveBalance)
        .where(
            IncentiveBalance.user_id == user_id,
            IncentiveBalance.owed_fen >= settle,
            IncentiveBalance.balance_fen >= settle,
        )
        .values(
            balance_fen=IncentiveBalance.balance_fen - settle, owed_fen=IncentiveBalance.owed_fen - settle
        )
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        IncentiveEntry(
            user_id=user_id,
            amount_fen=-settle,
            kind=CASHBACK_REVERSAL,
            source_type=OWED_SOURCE,
            source_id=credit_id,
            branch_id=branch_id,
        )
    )
    db.session.flush()


def spend(
    user_id: int,
    amount_fen: int,
    *,
    source_type: str,
    source_id: int,
    note: str | None = None,
    branch_id: int | None = None,
) -> IncentiveEntry:
    """Take `amount_fen` from the balance for one event (a redemption), or raise InsufficientBalance.

    One conditional UPDATE decides: of any number of tills spending at once, only those the balance
    covers change the row; the ledger gets the matching debit in the same transaction."""
    if amount_fen <= 0:
        raise ValueError("spend a positive amount")
    won = db.session.execute(
        sa.update(IncentiveBalance)
        .where(IncentiveBalance.user_id == user_id, IncentiveBalance.balance_fen >= amount_fen)
        .values(balance_fen=IncentiveBalance.balance_fen - amount_fen)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise InsufficientBalance(
            _l(
                "Not enough incentive cash: the balance is %(balance)s.",
                balance=format_fen(balance(user_id)),
            )
        )
    entry = IncentiveEntry(
        user_id=user_id,
        amount_fen=-amount_fen,
        kind=SPEND,
        source_type=source_type,
        source_id=source_id,
        branch_id=branch_id,
        note=note,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def reverse(
    *, source_type: str, source_id: int, kind: str, reversal_kind: str, note: str | None = None
) -> IncentiveEntry | None:
    """Book the compensating entry of (source, kind), once. None if there was nothing to reverse.

    Taking back a credit never takes the balance below zero: what the customer has spent of it
    already stays spent, and the entry books what was actually taken back."""
    original = db.session.scalar(
        sa.select(IncentiveEntry).where(
            IncentiveEntry.source_type == source_type,
            IncentiveEntry.source_id == source_id,
            IncentiveEntry.kind == kind,
        )
    )
    if original is None:
        return None
    values = {
        "source_type": source_type,
        "source_id": source_id,
        "note": note,
        "reverses_id": original.id,
        "branch_id": original.branch_id,
    }
    if original.amount_fen <= 0:
        return credit(original.user_id, -original.amount_fen, reversal_kind, **values)
    booked = sa.select(IncentiveEntry.id).where(
        IncentiveEntry.source_type == source_type,
        IncentiveEntry.source_id == source_id,
        IncentiveEntry.kind == reversal_kind,
    )
    if db.session.scalar(booked) is not None:
        return None
    taken = _take_back(original.user_id, original.amount_fen)
    if not taken:  # all of it spent already: nothing to take back, nothing to book
        return None
    inserted = db.session.execute(
        insert_ignore(
            IncentiveEntry.__table__,
            db.session.get_bind(),
            user_id=original.user_id,
            amount_fen=-taken,
            kind=reversal_kind,
            created_at=clock.now_utc(),
            **values,
        ).returning(IncentiveEntry.__table__.c.id)
    ).first()
    if inserted is None:  # booked in between by another transaction: undo this one's take
        raise InvalidState(_l("This redemption was already reversed."))
    return db.session.get(IncentiveEntry, inserted.id)


def _take_back(user_id: int, amount_fen: int) -> int:
    """Take up to `amount_fen` from the balance and say how much was taken. Usually one conditional
    UPDATE; when the balance no longer covers it, the row is locked and emptied of what is left, and
    the rest is recorded as owed."""
    full = db.session.execute(
        sa.update(IncentiveBalance)
        .where(IncentiveBalance.user_id == user_id, IncentiveBalance.balance_fen >= amount_fen)
        .values(balance_fen=IncentiveBalance.balance_fen - amount_fen)
        .execution_options(synchronize_session=False)
    ).rowcount
    if full:
        return amount_fen
    left = db.session.scalar(
        sa.select(IncentiveBalance.balance_fen).where(IncentiveBalance.user_id == user_id).with_for_update()
    )
    taken = max(0, min(amount_fen, int(left or 0)))
    # What was spent already is owed: later credits pay it off (see _pay_off_owed).
    db.session.execute(
        sa.update(IncentiveBalance)
        .where(IncentiveBalance.user_id == user_id, IncentiveBalance.balance_fen >= taken)
        .values(
            balance_fen=IncentiveBalance.balance_fen - taken,
            owed_fen=IncentiveBalance.owed_fen + (amount_fen - taken),
        )
        .execution_options(synchronize_session=False)
    )
    return taken


def refund_spend(*, source_type: str, source_id: int, note: str | None = None) -> IncentiveEntry | None:
    """A reversed payment puts its incentive cash back, once."""
    return reverse(
        source_type=source_type, source_id=source_id, kind=SPEND, reversal_kind=SPEND_REFUND, note=note
    )


def balance(user_id: int) -> int:
    """The balance in fen (the balance row, which every entry moves)."""
    value = db.session.scalar(
        sa.select(IncentiveBalance.balance_fen).where(IncentiveBalance.user_id == user_id)
    )
    return int(value or 0)


def ledger_sum(user_id: int) -> int:
    """The sum of the ledger: always equal to `balance` (the tests check it)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(IncentiveEntry.amount_fen), 0)).where(
                IncentiveEntry.user_id == user_id
            )
        )
    )


def entries(user_id: int, limit: int = 50) -> list[IncentiveEntry]:
    return list(
        db.session.scalars(
            sa.select(IncentiveEntry)
            .where(IncentiveEntry.user_id == user_id)
            .order_by(IncentiveEntry.id.desc())
            .limit(limit)
        )
    )


# ---------------------------------------------------------------------------------------------------
# Payment codes
# ---------------------------------------------------------------------------------------------------


def payment_code_ttl_seconds() -> int:
    return int(current_app.config.get("PAYMENT_CODE_TTL_SECONDS", PAYMENT_CODE_TTL_SECONDS))


def payment_code_refresh_seconds() -> int:
    return int(current_app.config.get("PAYMENT_CODE_REFRESH_SECONDS", PAYMENT_CODE_REFRESH_SECONDS))


def issue_payment_code(user, now: datetime | None = None) -> dict:
    """A fresh payment code for a customer: `{code, qr_payload, expires_at}`, both short-lived.

    The typed code is a random row that expires; the QR payload is signed (customer, nonce, time)."""
    if user is None or user.role != "customer":
        raise Forbidden(_l("Only customers have a payment code."))
    now = now or clock.now_utc()
    expires_at = now + timedelta(seconds=payment_code_ttl_seconds())
    db.session.execute(
        sa.delete(PaymentCode)
        .where(PaymentCode.user_id == user.id, PaymentCode.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    while True:
        code = codes.new_code(PAYMENT_CODE_LENGTH)
        try:
            with db.session.begin_nested():
                db.session.add(PaymentCode(code=code, user_id=user.id, expires_at=expires_at))
                db.session.flush()
        except IntegrityError:
            continue
        break
    payload = PAYLOAD_PREFIX + signing.dumps(
        PAYMENT_PURPOSE, {"c": user.id, "n": secrets.token_urlsafe(6), "t": int(now.timestamp())}
    )
    return {"code": code, "qr_payload": payload, "expires_at": expires_at}


def is_payment_code(text: str | None) -> bool:
    """Whether what the till read looks like a payment code (typed or scanned), not a voucher's."""
    text = (text or "").strip()
    if not text:
        return False
    return text.startswith(PAYLOAD_PREFIX) or codes.is_well_formed(codes.normalise(text), PAYMENT_CODE_LENGTH)


def customer_for_code(text: str | None, now: datetime | None = None) -> int:
    """The customer id a payment code (typed code or scanned payload) names, or InvalidCode."""
    now = now or clock.now_utc()
    text = (text or "").strip()
    if not text or len(text) > PAYLOAD_MAX_CHARS:
        raise ForgedPaymentCode()
    code = codes.normalise(text)
    if len(code) <= 16:
        if not codes.is_well_formed(code, PAYMENT_CODE_LENGTH):
            raise ForgedPaymentCode()
        row = db.session.get(PaymentCode, code)
        if row is None:
            raise ForgedPaymentCode()
        if row.expires_at <= now:
            raise InvalidCode(_l("This payment code is out of date. Ask the customer to refresh it."))
        return row.user_id
    try:
        data = signing.loads(PAYMENT_PURPOSE, text.removeprefix(PAYLOAD_PREFIX))
    except signing.BadSignature:
        raise ForgedPaymentCode()
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("t"), int):
        raise ForgedPaymentCode()
    age = now.timestamp() - data["t"]
    if age > payment_code_ttl_seconds() or age < -FUTURE_SKEW_SECONDS:
        raise InvalidCode(_l("This payment code is out of date. Ask the customer to refresh it."))
    return data["c"]


# ---------------------------------------------------------------------------------------------------
# Figures for staff
# ---------------------------------------------------------------------------------------------------

SPENT_KINDS = (SPEND, SPEND_REFUND)


def monthly_figures(branch_id: int | None, months: list[date]) -> list[dict]:
    """Per local calendar month (first days given): incentive cash credited and spent in the branch
    (`branch_id` None: every branch). Reversals count against what they reverse."""
    rows = []
    for first in months:
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        start, end = clock.local_midnight_utc(first), clock.local_midnight_utc(nxt)
        stmt = sa.select(IncentiveEntry.kind, sa.func.sum(IncentiveEntry.amount_fen)).where(
            IncentiveEntry.created_at >= start, IncentiveEntry.created_at < end
        )
        if branch_id is not None:
            stmt = stmt.where(IncentiveEntry.branch_id == branch_id)
        sums = dict(db.session.execute(stmt.group_by(IncentiveEntry.kind)).all())
        spent = -sum(int(v or 0) for k, v in sums.items() if k in SPENT_KINDS)
        credited = sum(int(v or 0) for k, v in sums.items() if k not in SPENT_KINDS)
        rows.append({"month": first, "credited_fen": credited, "spent_fen": spent})
    return rows

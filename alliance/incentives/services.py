"""Crediting, reversing and reading the incentive ledger. Other features credit it for their events
(cashback vouchers on redemption, referral rewards), each naming its source so that a credit happens
at most once per event."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.extensions import db
from alliance.incentives.models import IncentiveEntry

CASHBACK = "cashback"  # 激励金 from a cashback voucher, credited on redemption
CASHBACK_REVERSAL = "cashback_reversal"  # taken back when that redemption is reversed

KIND_LABELS: dict[str, object] = {
    CASHBACK: _l("Cashback"),
    CASHBACK_REVERSAL: _l("Cashback taken back (redemption reversed)"),
}


def register_kind(kind: str, label) -> None:
    """Let another feature (referrals) add its own kind of entry with a translated label."""
    KIND_LABELS[kind] = label


def kind_label(kind: str):
    return KIND_LABELS.get(kind, kind)


def credit(
    user_id: int,
    amount_fen: int,
    kind: str,
    *,
    source_type: str,
    source_id: int,
    note: str | None = None,
    reverses_id: int | None = None,
) -> IncentiveEntry | None:
    """Append an entry; None when this (source, kind) was already booked (a retry books nothing)."""
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
            note=note,
            created_at=clock.now_utc(),
        ).returning(IncentiveEntry.__table__.c.id)
    ).first()
    if inserted is None:
        return None
    return db.session.get(IncentiveEntry, inserted.id)


def reverse(
    *, source_type: str, source_id: int, kind: str, reversal_kind: str, note: str | None = None
) -> IncentiveEntry | None:
    """Book the compensating entry of (source, kind), once. None if there was nothing to reverse."""
    original = db.session.scalar(
        sa.select(IncentiveEntry).where(
            IncentiveEntry.source_type == source_type,
            IncentiveEntry.source_id == source_id,
            IncentiveEntry.kind == kind,
        )
    )
    if original is None:
        return None
    return credit(
        original.user_id,
        -original.amount_fen,
        reversal_kind,
        source_type=source_type,
        source_id=source_id,
        note=note,
        reverses_id=original.id,
    )


def balance(user_id: int) -> int:
    """The balance in fen: the sum of the ledger, nothing cached."""
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

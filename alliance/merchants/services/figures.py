"""Monthly figures per merchant: reading them, editing one month by hand, writing many at once."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.core import clock
from alliance.core.db import is_sqlite
from alliance.core.errors import ValidationFailed
from alliance.core.extensions import db
from alliance.core.money import MAX_FEN
from alliance.merchants.constants import FIGURES, TierChangeReason
from alliance.merchants.models import MerchantFigures
from alliance.merchants.services import access, tiering

FIGURE_COLUMNS = (*(str(f) for f in FIGURES), "transaction_count")
MAX_TRANSACTIONS = 10**9

_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def parse_month(text: str | None) -> date | None:
    """'2026-10', '2026/10', '2026-10-01', '202610', '2026年10月' -> date(2026, 10, 1); else None."""
    value = (text or "").strip()
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(value)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and 1900 <= year <= 9999:
                return date(year, month, 1)
    return None


def current_month() -> date:
    return month_start(clock.local_today())


def upsert(rows: list[dict], *, actor, source: str) -> int:
    """Write (merchant, month) rows, replacing a month that is already there. One statement."""
    if not rows:
        return 0
    bind = db.session.get_bind()
    if is_sqlite(bind):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    now = clock.now_utc()
    values = [
        {
            "merchant_id": r["merchant_id"],
            "month": r["month"],
            **{c: int(r.get(c) or 0) for c in FIGURE_COLUMNS},
            "source": source,
            "updated_by_id": getattr(actor, "id", None),
            "updated_at": now,
        }
        for r in rows
    ]
    stmt = insert(MerchantFigures.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["merchant_id", "month"],
        set_={c: stmt.excluded[c] for c in (*FIGURE_COLUMNS, "source", "updated_by_id", "updated_at")},
    )
    for start in range(0, len(values), 1000):
        db.session.execute(stmt, values[start : start + 1000])
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, MerchantFigures):
            db.session.expire(obj)
    return len(values)


def clean_values(data: dict) -> dict:
    """The four figures (fen) and the transaction count, each a whole number from 0."""
    fields: dict[str, list] = {}
    out = {}
    for column in FIGURE_COLUMNS:
        value = data.get(column)
        limit = MAX_TRANSACTIONS if column == "transaction_count" else MAX_FEN
        if value is None or value == "":
            value = 0
        if isinstance(value, bool) or not isinstance(value, int):
            fields[column] = [_l("Not a valid integer.")]
        elif not 0 <= value <= limit:
            fields[column] = [_l("Must be between {min} and {max}.").format(min=0, max=limit)]
        else:
            out[column] = value
    if fields:
        raise ValidationFailed(fields)
    return out


def set_figures(actor, merchant_id: int, month: date, values: dict) -> MerchantFigures:
    """Staff enter or correct one merchant's figures for one month; the tier follows."""
    merchant = access.get_managed(merchant_id, actor)
    if not isinstance(month, date):
        raise ValidationFailed({"month": [_l("Enter a month like 2026-10.")]})
    month = month_start(month)
    if month > current_month():
        raise ValidationFailed({"month": [_l("This month has not started yet.")]})
    cleaned = clean_values(values)
    before = db.session.scalar(
        sa.select(MerchantFigures).where(
            MerchantFigures.merchant_id == merchant.id, MerchantFigures.month == month
        )
    )
    old = {c: getattr(before, c) for c in FIGURE_COLUMNS} if before else None
    upsert([{"merchant_id": merchant.id, "month": month, **cleaned}], actor=actor, source="manual")
    row = db.session.scalar(
        sa.select(MerchantFigures).where(
            MerchantFigures.merchant_id == merchant.id, MerchantFigures.month == month
        )
    )
    record(
        actor,
        "figures.edit",
        merchant,
        data={"month": month.isoformat(), "before": old, "after": cleaned},
    )
    tiering.retier(actor, merchant_ids=[merchant.id], reason=TierChangeReason.FIGURES)
    return row


def figures_of(actor, merchant_id: int, limit: int = 36) -> list[MerchantFigures]:
    """A merchant's months, newest first (staff of its branch)."""
    access.get_managed_or_hidden(merchant_id, actor)
    return list(
        db.session.scalars(
            sa.select(MerchantFigures)
            .where(MerchantFigures.merchant_id == merchant_id)
            .order_by(MerchantFigures.month.desc())
            .limit(limit)
        )
    )


def latest_for(merchant_ids: list[int]) -> dict[int, MerchantFigures]:
    """Each merchant's most recent month, in one query."""
    if not merchant_ids:
        return {}
    from alliance.merchants.models import Merchant

    latest, onclause = tiering.latest_figures()
    rows = db.session.execute(
        sa.select(Merchant.id, latest).join(latest, onclause).where(Merchant.id.in_(merchant_ids))
    ).all()
    return dict(rows)

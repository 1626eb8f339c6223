"""Finding merchants: filters, sorting and paging for tables and the API, in a constant number of
queries however many rows a page shows (merchant, district and latest figures come in one query)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from alliance.branches.models import District
from alliance.core.extensions import db
from alliance.merchants.constants import EIGHT_SHOPS, MerchantStatus, StoreType
from alliance.merchants.models import Merchant
from alliance.merchants.services import access
from alliance.merchants.services.tiering import latest_figures


@dataclass
class Filters:
    branch_id: int | None = None
    district_id: int | None = None
    industry: str | None = None
    format: str | None = None
    store_type: str | None = None
    tier: str | None = None
    status: str | None = None
    q: str | None = None

    def as_args(self) -> dict:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, "")
        }


# Sort keys people may ask for; "-" in front means descending.
SORTS = {
    "name": lambda f: Merchant.name,
    "district": lambda f: District.name,
    "tier": lambda f: sa.func.coalesce(Merchant.tier, "Z"),
    "status": lambda f: Merchant.status,
    "created": lambda f: Merchant.created_at,
    "industry": lambda f: Merchant.industry,
    "balance": lambda f: sa.func.coalesce(f.avg_daily_balance_fen, -1),
    "acquiring": lambda f: sa.func.coalesce(f.acquiring_volume_fen, -1),
    "fee": lambda f: sa.func.coalesce(f.fee_income_fen, -1),
    "loan": lambda f: sa.func.coalesce(f.loan_credit_fen, -1),
}


def _base(actor, filters: Filters, *, managed: bool):
    figures, onclause = latest_figures()
    stmt = (
        sa.select(Merchant, figures)
        .join(Merchant.district)
        .outerjoin(figures, onclause)
        .options(contains_eager(Merchant.district))
        .where(access.managed_clause(actor) if managed else access.visible_clause(actor))
    )
    if filters.branch_id is not None:
        stmt = stmt.where(District.branch_id == filters.branch_id)
    if filters.district_id is not None:
        stmt = stmt.where(Merchant.district_id == filters.district_id)
    for name in ("industry", "format", "store_type", "tier", "status"):
        value = getattr(filters, name)
        if name == "store_type" and value == StoreType.OTHER:
            # As the coverage grid counts them: any shop that is not one of the eight, or has no type.
            stmt = stmt.where(
                sa.or_(
                    Merchant.store_type.is_(None), Merchant.store_type.not_in([str(s) for s in EIGHT_SHOPS])
                )
            )
        elif value:
            stmt = stmt.where(getattr(Merchant, name) == value)
    if filters.q:
        stmt = stmt.where(Merchant.name.contains(filters.q.strip(), autoescape=True))
    return stmt, figures


def search(
    actor,
    filters: Filters,
    *,
    sort: str = "name",
    page: int = 1,
    per_page: int = 50,
    managed: bool = False,
) -> tuple[list, int]:
    """([(merchant, its latest MerchantFigures or None)], total). `managed`: only what the actor manages."""
    stmt, figures = _base(actor, filters, managed=managed)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(
        _sorted(stmt, figures, sort).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [(merchant, figs) for merchant, figs in rows], total or 0


def _sorted(stmt, figures, sort: str):
    key = (sort or "name").lstrip("-")
    column = SORTS.get(key, SORTS["name"])(figures)
    order = column.desc() if (sort or "").startswith("-") else column.asc()
    return stmt.order_by(order, Merchant.id)


def every(actor, filters: Filters, *, sort: str = "name", managed: bool = True, batch: int = 1000):
    """Every matching row, streamed in batches (CSV export)."""
    stmt, figures = _base(actor, filters, managed=managed)
    stmt = _sorted(stmt, figures, sort)
    offset = 0
    while True:
        rows = db.session.execute(stmt.limit(batch).offset(offset)).all()
        if not rows:
            return
        for row in rows:
            yield row[0], row[1]
        offset += batch


def pending_count(actor) -> int:
    """Applications waiting for the actor's decision (the review queue's badge)."""
    if not access.is_staff(actor):
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(Merchant.id))
            .join(District, Merchant.district_id == District.id)
            .where(Merchant.status == MerchantStatus.PENDING, access.managed_clause(actor))
        )
        or 0
    )


def review_queue(actor) -> list[Merchant]:
    """Pending applications, oldest first: the first to decide is the one waiting longest."""
    return list(
        db.session.scalars(
            sa.select(Merchant)
            .join(Merchant.district)
            .options(contains_eager(Merchant.district))
            .where(Merchant.status == MerchantStatus.PENDING, access.managed_clause(actor))
            .order_by(Merchant.created_at, Merchant.id)
        )
    )

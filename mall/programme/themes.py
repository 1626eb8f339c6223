"""One monthly theme per branch and scope, held by the database rather than by a check in Python.

A branch's month is either wholly one branch-wide theme, or shared by district themes that each
take their own districts. Claiming is one conditional upsert on the month's row (plus one insert of
the districts, which their primary key keeps to one theme each), so of two staff saving themes at
once exactly one wins, on SQLite and on PostgreSQL. The caller holds the entry's row (see
services._hold_entry) before releasing and claiming, so two saves of one theme also run in turn, and
then the month rows involved, in key order (`hold_months`), so two themes trading months do not
deadlock.
"""

from __future__ import annotations

import sqlalchemy as sa

from alliance.core.db import dialect_insert
from alliance.core.extensions import db
from mall.programme.models import ThemeDistrict, ThemeMonth


def claim(entry_id: int, branch_id: int, month_start, district_ids: set[int]) -> bool:
    """Take the month (no districts: the whole branch) for this theme; False when it is taken."""
    bind = db.session.get_bind()
    months = ThemeMonth.__table__
    insert = dialect_insert(months, bind)
    key = {"branch_id": branch_id, "month_start": month_start}
    if not district_ids:
        stmt = insert.values(**key, wide_entry_id=entry_id, scoped=0).on_conflict_do_update(
            index_elements=["branch_id", "month_start"],
            set_={"wide_entry_id": entry_id},
            where=sa.and_(months.c.wide_entry_id.is_(None), months.c.scoped == 0),
        )
        return _changed(stmt.returning(months.c.branch_id)) == 1
    stmt = insert.values(**key, wide_entry_id=None, scoped=1).on_conflict_do_update(
        index_elements=["branch_id", "month_start"],
        set_={"scoped": months.c.scoped + 1},
        where=months.c.wide_entry_id.is_(None),
    )
    if _changed(stmt.returning(months.c.branch_id)) != 1:
        return False
    rows = [{**key, "district_id": d, "entry_id": entry_id} for d in sorted(district_ids)]
    taken = dialect_insert(ThemeDistrict.__table__, bind).values(rows).on_conflict_do_nothing()
    return _changed(taken.returning(ThemeDistrict.__table__.c.district_id)) == len(rows)


def _changed(stmt) -> int:
    """Rows an upsert inserted or updated, read from RETURNING (the driver's rowcount is not
    reliable for ON CONFLICT statements)."""
    return len(db.session.execute(stmt).all())


def hold_months(entry_id: int, wanted: tuple | None) -> None:
    """Lock, in key order, the month rows this theme holds and the one it is about to claim (creating
    that row if need be), so two themes trading months wait for each other instead of deadlocking."""
    months, districts = ThemeMonth.__table__, ThemeDistrict.__table__
    held = sa.union(
        sa.select(months.c.branch_id, months.c.month_start).where(months.c.wide_entry_id == entry_id),
        sa.select(districts.c.branch_id, districts.c.month_start).where(districts.c.entry_id == entry_id),
    )
    keys = {tuple(row) for row in db.session.execute(held).all()}
    if wanted is not None:
        keys.add(wanted)
    bind = db.session.get_bind()
    for branch_id, month_start in sorted(keys):
        stmt = dialect_insert(months, bind).values(
            branch_id=branch_id, month_start=month_start, wide_entry_id=None, scoped=0
        )
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["branch_id", "month_start"], set_={"scoped": months.c.scoped}
            )
        )


def release(entry_id: int) -> None:
    """Give back whatever this theme holds (nothing, if it holds nothing)."""
    months, districts = ThemeMonth.__table__, ThemeDistrict.__table__
    held = (
        sa.select(districts.c.branch_id, districts.c.month_start)
        .where(districts.c.entry_id == entry_id)
        .distinct()
    )
    for branch_id, month_start in db.session.execute(held).all():
        db.session.execute(
            sa.update(months)
            .where(months.c.branch_id == branch_id, months.c.month_start == month_start, months.c.scoped > 0)
            .values(scoped=months.c.scoped - 1)
        )
    db.session.execute(sa.delete(districts).where(districts.c.entry_id == entry_id))
    db.session.execute(sa.update(months).where(months.c.wide_entry_id == entry_id).values(wide_entry_id=None))

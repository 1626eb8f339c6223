"""No page lists merchants with a query per row: the number of SQL statements for a page of 50
merchants is a small constant, the same as for a page of 5."""

import contextlib

import pytest
from sqlalchemy import event

from alliance.merchants.services import whitelist
from tests import factories
from tests.merchants import factories as mf


@contextlib.contextmanager
def counted(db):
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def with_figures_and_whitelist(db, district, staff, count):
    ids = mf.bulk_merchants(district, count)
    from alliance.merchants.models import Merchant
    from alliance.merchants.services import figures

    rows = [
        {
            "merchant_id": i,
            "month": __import__("datetime").date(2026, 10, 1),
            "acquiring_volume_fen": n * mf.WAN,
        }
        for n, i in enumerate(ids)
    ]
    figures.upsert(rows, actor=staff, source="import")
    for merchant_id in ids[:3]:
        whitelist.add(staff, merchant_id, "big")
    db.session.commit()
    return [db.session.get(Merchant, i) for i in ids]


@pytest.fixture
def staff_world(db):
    branch = factories.branch("East")
    staff = factories.user("staff", branch_id=branch.id)
    mf.policy(branch.id)
    whitelist.save_policy(
        staff,
        branch.id,
        min_acquiring_volume_fen=1,
        min_avg_daily_balance_fen=None,
        min_fee_income_fen=None,
        package_name="P",
    )
    return branch, staff


PAGES = [
    "/staff/merchants",
    "/staff/merchants?sort=-acquiring",
    "/staff/merchants.csv",
    "/staff/merchants/review",
    "/staff/whitelist?view=qualifying",
    "/staff/pyramid",
    "/staff/coverage",
]


def statements_for(client, db, path: str) -> int:
    with counted(db) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_of_fifty_merchants_takes_a_constant_number_of_queries(client, db, staff_world, path):
    branch, staff = staff_world
    small = factories.district(branch, "Small")
    big = factories.district(branch, "Big")
    with_figures_and_whitelist(db, small, staff, 5)
    factories.login(client, staff)
    db.session.commit()
    few = statements_for(client, db, f"{path}{'&' if '?' in path else '?'}district_id={small.id}")
    with_figures_and_whitelist(db, big, staff, 50)
    many = statements_for(client, db, f"{path}{'&' if '?' in path else '?'}district_id={big.id}")
    assert many == few, f"{path}: {few} statements for 5 merchants, {many} for 50"
    assert many <= 15, f"{path}: {many} statements"


def test_the_review_queue_of_fifty_pending_applications(client, db, staff_world):
    branch, staff = staff_world
    district = factories.district(branch)
    mf.bulk_merchants(district, 5, status="pending")
    factories.login(client, staff)
    few = statements_for(client, db, "/staff/merchants/review")
    mf.bulk_merchants(district, 45, status="pending")
    many = statements_for(client, db, "/staff/merchants/review")
    assert many == few and many <= 12


def test_the_api_list_of_fifty(client, db, staff_world):
    branch, _staff = staff_world
    district = factories.district(branch)
    mf.bulk_merchants(district, 5)
    few = statements_for(client, db, "/api/v1/merchants?per_page=50")
    mf.bulk_merchants(district, 45)
    many = statements_for(client, db, "/api/v1/merchants?per_page=50")
    assert many == few and many <= 8

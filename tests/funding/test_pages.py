"""The funding pages with the demo data: the budget page with its burn-down (SVG and the numbers), the
merchant's statement, the staff's month overview and its CSV and XLSX exports; the demo itself runs
twice without changing anything."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

import wsgi
from alliance.accounts.models import User
from alliance.core import clock
from mall.funding import demo as funding_demo
from mall.funding.models import Budget, Reservation, Statement
from mall.redemption.models import Redemption
from tests import factories
from tests.funding import factories as ff
from tests.mall import factories as mf


@pytest.fixture
def demo(app, db):
    clock.freeze(mf.at("2026-12-09 15:00"))
    for step in wsgi.DEMO:
        step()
        db.session.commit()
    return {
        u.username: u
        for u in db.session.scalars(sa.select(User).where(User.username.in_(("staff", "owner1"))))
    }


def state(db):
    db.session.expire_all()
    budget = db.session.scalar(sa.select(Budget).where(Budget.name == funding_demo.BUDGET_NAME))
    statements = db.session.execute(sa.select(Statement.month, Statement.status, Statement.bank_fen)).all()
    redemptions = db.session.execute(
        sa.select(sa.func.count(Redemption.id), sa.func.sum(Redemption.bank_fen))
    ).one()
    return (budget.reserved_fen, budget.spent_fen), sorted(statements), tuple(redemptions)


def test_the_demo_funds_a_coupon_redeems_it_and_confirms_last_month(db, demo):
    budget = db.session.scalar(sa.select(Budget).where(Budget.name == funding_demo.BUDGET_NAME))
    reservation = db.session.scalar(sa.select(Reservation).where(Reservation.budget_id == budget.id))
    assert reservation.per_voucher_fen == 1500 and reservation.spent_fen == 11 * 1500
    assert (budget.reserved_fen, budget.spent_fen) == (200 * 1500 - 11 * 1500, 11 * 1500)
    november = db.session.scalar(
        sa.select(Statement).where(
            Statement.merchant_id == demo["owner1"].merchant_id, Statement.month == "2026-11"
        )
    )
    assert (november.status, november.redemptions, november.bank_fen) == ("confirmed", 6, 6 * 1500)
    before = state(db)
    funding_demo.seed()
    db.session.commit()
    assert state(db) == before


def test_the_budget_page_draws_its_burn_down_with_the_numbers(client, db, demo):
    budget = db.session.scalar(sa.select(Budget).where(Budget.name == funding_demo.BUDGET_NAME))
    factories.login(client, demo["staff"], "demo12345")
    page = client.get(f"/staff/funding/budgets/{budget.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg class="burn-down"' in html and 'class="left"' in html
    assert "¥4,835.00" in html  # left on Dec 9: ¥5,000 less 11 × ¥15
    assert "满100减30 · 银行补贴一半" in html
    listing = client.get("/staff/funding/budgets").get_data(as_text=True)
    assert (
        funding_demo.BUDGET_NAME in listing and "¥2,000.00" in listing
    )  # available: ¥5,000 less ¥3,000 reserved


def test_the_staff_month_overview_and_its_exports(client, db, demo):
    from alliance.merchants.models import Merchant

    shop = db.session.get(Merchant, demo["owner1"].merchant_id)
    factories.login(client, demo["staff"], "demo12345")
    page = client.get("/staff/funding/settlements?month=2026-11").get_data(as_text=True)
    assert shop.name in page and "¥90.00" in page
    exported = client.get("/staff/funding/settlements?month=2026-11&format=csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    mine = next(r for r in rows if r[2] == shop.name)
    assert mine[4:10] == ["6", "180.00", "90.00", "90.00", "0.00", "90.00"]
    assert rows[-1][2] in ("合计", "Total") and rows[-1][9] == "90.00"

    from openpyxl import load_workbook

    xlsx = client.get("/staff/funding/settlements?month=2026-11&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    line = next(r for r in values if r[2] == shop.name)
    assert line[4] == 6 and float(line[9]) == 90.0


def test_a_shop_named_like_a_formula_is_exported_as_text(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant(name='=HYPERLINK("http://x")')
    mf.owner(shop)
    staff = mf.staff_for(shop)
    budget = ff.budget(staff, 100000)
    coupon = ff.funded_coupon(shop, staff, budget, 50)
    from mall.redemption import services as redemption
    from mall.vouchers import services as vouchers

    redemption.redeem(mf.clerk(shop), vouchers.claim(mf.customer(), coupon.id), 12000)
    db.session.commit()
    factories.login(client, staff)
    text = client.get("/staff/funding/settlements?month=2026-12&format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    from openpyxl import load_workbook

    sheet = load_workbook(
        io.BytesIO(client.get("/staff/funding/settlements?month=2026-12&format=xlsx").data)
    ).active
    assert sheet["C2"].value.startswith("'=")


def test_the_merchant_sees_its_statement_and_staff_confirm_and_mark_paid(client, db, demo):
    owner = demo["owner1"]
    factories.login(client, owner, "demo12345")
    page = client.get("/merchant/statements?month=2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "¥90.00" in html and "已确认" in html
    this_month = client.get("/merchant/statements").get_data(as_text=True)
    assert "¥75.00" in this_month  # five redemptions this month, ¥15.00 each
    client.get("/logout")
    staff_client = client.application.test_client()
    factories.login(staff_client, demo["staff"], "demo12345")
    url = f"/staff/funding/settlements/{owner.merchant_id}/2026-11"
    assert staff_client.get(url).status_code == 200
    done = staff_client.post(url + "/paid", data={"reference": "CMB-20261209-7"}, follow_redirects=True)
    assert "CMB-20261209-7" in done.get_data(as_text=True)
    early = staff_client.post(
        f"/staff/funding/settlements/{owner.merchant_id}/2026-12/confirm", follow_redirects=True
    )
    assert early.status_code == 200
    stored = db.session.scalar(
        sa.select(Statement).where(Statement.month == "2026-12", Statement.merchant_id == owner.merchant_id)
    )
    assert stored is None or stored.status == "open"


def test_funding_pages_are_for_their_audience(client, db, demo):
    factories.login(client, demo["owner1"], "demo12345")
    assert client.get("/staff/funding/budgets").status_code == 403
    assert client.get("/staff/funding/settlements").status_code == 403


def test_staff_fund_a_coupon_from_the_review_page(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant()
    mf.owner(shop)
    staff = mf.staff_for(shop)
    budget = ff.budget(staff, 10000, name="十二月补贴")
    big = ff.pending(shop, stock_total=100)  # would need ¥1,000.00
    small = ff.pending(shop, stock_total=5)
    db.session.commit()
    factories.login(client, staff)
    page = client.get(f"/staff/coupons/{big.id}").get_data(as_text=True)
    assert "十二月补贴" in page and 'name="bank_share_percent"' in page
    refused = client.post(
        f"/staff/coupons/{big.id}",
        data={"budget_id": budget.id, "bank_share_percent": 50, "approve": "1"},
        follow_redirects=True,
    )
    assert "预算余额不足" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(big), big.id).status == "pending_review"
    done = client.post(
        f"/staff/coupons/{small.id}", data={"budget_id": budget.id, "bank_share_percent": 50, "approve": "1"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(small), small.id).budget_id == budget.id
    assert db.session.get(Budget, budget.id).reserved_fen == 5000

"""Funding on screen, with the demo data on 9 December: a budget's page with its burn-down (desktop),
a merchant's monthly statement on a phone, and the staff's month overview (desktop)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import wsgi
from alliance.core import clock
from mall.funding import demo as funding_demo
from mall.funding.models import Budget
from tests.live import DESKTOP, PHONE, new_page, screenshot, sign_in, start_live_server
from tests.mall import factories as mf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOW = mf.at("2026-12-09 15:00")


@pytest.fixture
def server(app, db, app_config, tmp_path):
    clock.freeze(NOW)
    for step in wsgi.DEMO:
        step()
        db.session.commit()
    live = start_live_server(app_config, tmp_path, now=NOW)
    yield live
    db.session.remove()
    live.stop()


def test_budget_page_with_its_burn_down(server, browser, db):
    budget_id = db.session.scalar(sa.select(Budget.id).where(Budget.name == funding_demo.BUDGET_NAME))
    pg = new_page(browser, viewport=DESKTOP)
    try:
        sign_in(pg, server, "staff")
        pg.goto(f"{server.url}/staff/funding/budgets/{budget_id}")
        assert pg.get_by_role("heading", name=funding_demo.BUDGET_NAME).is_visible()
        chart = pg.locator("svg.burn-down")
        assert chart.is_visible() and chart.bounding_box()["width"] > 400
        assert pg.locator("svg.burn-down path.left").count() == 1
        assert pg.locator(".burn-table").get_by_text("¥4,835.00").first.is_visible()
        assert pg.get_by_text("满100减30 · 银行补贴一半").is_visible()
        screenshot(pg, "funding-budget-burn-down-desktop")
        pg.goto(f"{server.url}/staff/funding/budgets")
        screenshot(pg, "funding-budgets-desktop")
    finally:
        pg.context.close()


def test_merchant_statement_on_a_phone(server, browser):
    pg = new_page(browser, viewport=PHONE)
    try:
        sign_in(pg, server, "owner1")
        pg.goto(f"{server.url}/merchant/statements?month=2026-11")
        assert pg.get_by_role("heading", name="2026年11月结算单").is_visible()
        assert pg.locator(".statement-head .due").inner_text() == "¥90.00"
        assert pg.get_by_text("已确认", exact=True).is_visible()
        assert pg.locator(".statement-line").count() == 5
        # A header icon (the owner's tab bar keeps five tabs), marked as the page shown.
        assert pg.locator("header a[href='/merchant/statements'][aria-current='page']").is_visible()
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width  # nothing wider than the phone
        screenshot(pg, "funding-merchant-statement-phone")
        pg.goto(f"{server.url}/merchant/statements")
        # The bank's part of five ¥30.00 discounts; what it pays adds the incentive cash spent there.
        assert pg.locator(".statement-totals dd").nth(2).inner_text() == "¥75.00"
        screenshot(pg, "funding-merchant-statement-open-phone")
    finally:
        pg.context.close()


def test_staff_month_overview(server, browser):
    pg = new_page(browser, viewport=DESKTOP)
    try:
        sign_in(pg, server, "staff")
        pg.goto(f"{server.url}/staff/funding/settlements?month=2026-11")
        assert pg.get_by_role("heading", name="2026年11月结算").is_visible()
        assert pg.get_by_text("万达永辉超市").is_visible()
        assert pg.locator(".figure.strong .value").inner_text() == "¥90.00"
        screenshot(pg, "funding-month-overview-desktop")
        pg.get_by_role("link", name="万达永辉超市").click()
        pg.wait_for_load_state()
        pg.fill("#reference", "CMB-20261209-0001")
        pg.get_by_role("button", name="标记已付款").click()
        pg.wait_for_load_state()
        assert pg.get_by_text("流水号 CMB-20261209-0001").is_visible()
        screenshot(pg, "funding-staff-statement-paid-desktop")
        pg.goto(f"{server.url}/staff/funding/settlements?month=2026-11")
        with pg.expect_navigation():
            pg.click(".lang-switch button")
        assert pg.get_by_role("heading", name="Settlement of November 2026").is_visible()
        screenshot(pg, "funding-month-overview-desktop-en")
    finally:
        pg.context.close()

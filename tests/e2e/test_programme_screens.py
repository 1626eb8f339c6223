"""The programme on screen: the staff month view, the customer's "today" page and the inbox, on a
phone (390×844) and a desktop, with the demo's living month."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.branches import demo as branches_demo
from alliance.core.extensions import db as _db
from alliance.core.scheduler import runner
from mall.programme import demo as programme_demo
from mall.programme import notices
from mall.programme.models import Registration
from tests.live import DESKTOP, PHONE, new_page, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def demo(app, db):
    from alliance.merchants import demo as merchants_demo
    from mall.coupons import demo as coupons_demo

    for step in (branches_demo.seed, merchants_demo.seed, coupons_demo.seed):
        step()
        db.session.commit()
    programme_demo.seed()
    db.session.commit()
    for reg in db.session.scalars(sa.select(Registration)):
        notices.event_reminder(reg)
    db.session.commit()
    for job in app.extensions["alliance.jobs"]:
        runner.execute(job.id)
    db.session.commit()


def _sign_in(pg, url, username):
    pg.goto(url + "/login")
    pg.fill("#username", username)
    pg.fill("#password", branches_demo.DEMO_PASSWORD)
    pg.click("#submit")
    pg.wait_for_url(lambda u: "/login" not in u)


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_staff_month_view(demo, live_server, browser, size, viewport):
    pg = new_page(browser, viewport=viewport)
    try:
        _sign_in(pg, live_server.url, "staff")
        pg.goto(live_server.url + "/staff/programme/calendar")
        assert pg.get_by_role("heading", name="活动日历").is_visible()
        assert pg.locator("[data-occurrence]").count() >= 10
        assert pg.locator(".theme-strip").first.is_visible()
        screenshot(pg, f"programme-staff-month-{size}")
        pg.goto(live_server.url + "/staff/programme/calendar?view=week")
        screenshot(pg, f"programme-staff-week-{size}")
        pg.locator("[data-occurrence]").first.click()
        pg.wait_for_load_state()
        assert pg.get_by_role("heading", name="场次").is_visible()
        screenshot(pg, f"programme-staff-entry-{size}")
        pg.goto(live_server.url + "/admin/scheduler")
        screenshot(pg, f"programme-scheduler-health-{size}")
    finally:
        pg.context.close()


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_customer_today_registrations_and_inbox(demo, live_server, browser, size, viewport):
    pg = new_page(browser, viewport=viewport)
    try:
        _sign_in(pg, live_server.url, "alice")
        pg.goto(live_server.url + "/events")
        assert pg.get_by_role("heading", name="今天").is_visible()
        assert pg.get_by_text("美食主题月").first.is_visible()
        if size == "phone":
            assert pg.locator(".tabbar .tab.active").inner_text().strip() == "活动"
        screenshot(pg, f"programme-today-{size}", full_page=size == "desktop")
        pg.goto(live_server.url + "/me/registrations")
        assert pg.locator(".checkin-qr svg").first.is_visible()
        screenshot(pg, f"programme-my-registrations-{size}", full_page=size == "desktop")
        pg.goto(live_server.url + "/inbox")
        assert pg.get_by_text("活动提醒").first.is_visible()
        screenshot(pg, f"programme-inbox-{size}", full_page=size == "desktop")
    finally:
        pg.context.close()


def test_a_customer_registers_for_an_event_on_a_phone(demo, live_server, browser):
    pg = new_page(browser, viewport=PHONE)
    try:
        _sign_in(pg, live_server.url, "bob")
        pg.goto(live_server.url + "/events")
        pg.locator("form[action*='/register'] button").first.click()
        pg.wait_for_url(live_server.url + "/me/registrations")
        assert pg.get_by_text("报名成功").is_visible()
        assert pg.locator(".checkin-qr svg").count() == 1
    finally:
        pg.context.close()


def test_the_demo_is_idempotent(demo, db):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    programme_demo.seed()
    _db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == before
    assert db.session.scalar(sa.select(User).where(User.username == "alice")) is not None

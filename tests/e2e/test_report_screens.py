"""The dashboards in a browser, on a phone and a desktop: the shop owner's figures, the till's closing
summary and the branch staff's home, with their charts drawn and no sideways scrolling on a phone."""

import pytest

from alliance.core import clock
from tests.live import DESKTOP, new_page, screenshot, start_live_server
from tests.mall.factories import PASSWORD
from tests.reports import history

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_in(page, url, username):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(lambda u: "/login" not in u)


@pytest.fixture
def server(app, db, app_config, tmp_path):
    data = history.build()
    srv = start_live_server(app_config, tmp_path, now=clock.now_utc())
    yield srv, data
    db.session.remove()
    srv.stop()


def test_dashboards_on_a_phone_and_a_desktop(server, browser):
    srv, _data = server
    phone = new_page(browser)
    desk = new_page(browser, viewport=DESKTOP)
    try:
        sign_in(phone, srv.url, "owner1")
        assert phone.url.endswith("/till")
        phone.click(".tabbar a[href='/my-shop/dashboard']")
        phone.wait_for_url("**/my-shop/dashboard")
        assert phone.get_by_role("heading", name="海底捞东湖店").is_visible()
        assert phone.locator("svg.chart").count() == 2
        assert phone.locator("svg.chart rect").count() > 20
        assert no_horizontal_scroll(phone)
        screenshot(phone, "reports-merchant-phone")
        sign_in(desk, srv.url, "owner1")
        desk.goto(srv.url + "/my-shop/dashboard")
        screenshot(desk, "reports-merchant-desktop")

        phone.goto(srv.url + "/till/closing")
        assert phone.get_by_role("heading", name="交班汇总").is_visible()
        screenshot(phone, "reports-closing-phone")

        phone.context.clear_cookies()
        sign_in(phone, srv.url, "manager")
        assert phone.url.endswith("/staff/dashboard")
        assert phone.locator("svg.chart").count() == 3
        assert phone.get_by_text("老王五金").first.is_visible()
        assert no_horizontal_scroll(phone)
        screenshot(phone, "reports-staff-phone")

        desk.context.clear_cookies()
        sign_in(desk, srv.url, "manager")
        assert desk.get_by_role("cell", name="暖冬美食月").is_visible()
        screenshot(desk, "reports-staff-desktop")
        desk.emulate_media(media="print")
        screenshot(desk, "reports-staff-print")
    finally:
        phone.context.close()
        desk.context.close()

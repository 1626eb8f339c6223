"""A customer registers, signs in, switches to English and back, on a phone."""

import pytest

from tests.live import DESKTOP, new_page, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_customer_registers_signs_in_and_switches_language(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "foundation-home-zh")

    page.goto(live_server.url + "/register")
    page.fill("#username", "xiaomei")
    page.fill("#password", "longenough")
    page.fill("#confirm", "different1")
    page.click("#submit")
    assert page.get_by_text("两次输入的密码不一致").is_visible()
    assert page.input_value("#username") == "xiaomei"
    screenshot(page, "foundation-register-error-zh")

    page.fill("#password", "longenough")
    page.fill("#confirm", "longenough")
    page.click("#submit")
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("欢迎！您的账号已开通。").is_visible()

    page.goto(live_server.url + "/account")
    assert page.get_by_role("heading", name="xiaomei").is_visible()
    screenshot(page, "foundation-account-zh")

    # Sign out, then sign in again.
    page.click("main form[action='/logout'] button")
    page.goto(live_server.url + "/login")
    page.fill("#username", "xiaomei")
    page.fill("#password", "longenough")
    screenshot(page, "foundation-login-zh")
    page.click("#submit")
    page.wait_for_url(live_server.url + "/")

    # Switch to English: the whole page changes language, and it is remembered.
    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server.url + "/account")
    assert page.get_by_role("heading", name="Profile").is_visible()
    assert "个人资料" not in page.content()
    screenshot(page, "foundation-account-en")

    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="个人资料").is_visible()


def test_admin_pages_on_a_desktop(live_server, browser, app, db):
    from tests import factories

    admin = factories.user("admin", username="root")
    branch = factories.branch("城东支行")
    factories.district(branch, "万达广场商圈")
    db.session.commit()
    desk = new_page(browser, viewport=DESKTOP)
    try:
        desk.goto(live_server.url + "/login")
        desk.fill("#username", admin.username)
        desk.fill("#password", factories.PASSWORD)
        desk.click("#submit")
        desk.wait_for_url(live_server.url + "/staff/dashboard")
        desk.goto(live_server.url + "/admin/districts")
        assert desk.get_by_role("cell", name="万达广场商圈").is_visible()
        screenshot(desk, "foundation-admin-districts-desktop")
        desk.goto(live_server.url + "/admin/users")
        screenshot(desk, "foundation-admin-users-desktop")
    finally:
        desk.context.close()

"""The alliance's staff pages on a phone, in Chinese and English, against a live server with the
demo data: the pyramid, the coverage grid, the whitelist and the prospects; and a shop applying."""

import pytest

from tests.live import DESKTOP, new_page, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def switch_language(page):
    page.click(".lang-switch button")
    page.wait_for_load_state()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_staff_pages_on_a_phone_in_both_languages(alliance_demo, live_server, page):
    sign_in(page, live_server, "staff")

    page.goto(live_server.url + "/staff/pyramid")
    assert page.get_by_role("heading", name="价值分层金字塔").is_visible()
    assert page.locator("svg.pyramid-svg polygon").count() == 5
    assert page.locator("svg.pyramid-svg text").first.text_content().startswith("A · ")
    assert no_horizontal_scroll(page)
    screenshot(page, "alliance-pyramid-zh")

    page.goto(live_server.url + "/staff/coverage")
    assert page.get_by_role("heading", name="行业覆盖").is_visible()
    assert page.locator("table.coverage tbody tr").count() == 11
    assert page.locator(".cell-covered").count() > 5
    assert no_horizontal_scroll(page), "the grid scrolls inside its own box, not the page"
    screenshot(page, "alliance-coverage-zh")
    # A gap opens the prospect form with its trade and shop chosen.
    page.locator("a.cell-gap").first.click()
    page.wait_for_url("**/staff/prospects?*")
    assert page.locator("details#new").get_attribute("open") is not None

    page.goto(live_server.url + "/staff/whitelist")
    assert page.get_by_role("heading", name="结算优惠白名单").is_visible()
    screenshot(page, "alliance-whitelist-zh")
    page.goto(live_server.url + "/staff/whitelist?view=listed")
    assert page.get_by_text("万达永辉超市").is_visible()
    assert no_horizontal_scroll(page)

    page.goto(live_server.url + "/staff/prospects")
    assert page.get_by_role("heading", name="拓展名单").is_visible()
    assert page.get_by_text("仁心大药房").is_visible()
    screenshot(page, "alliance-prospects-zh")
    page.get_by_text("仁心大药房").click()
    page.get_by_text("挖掘需求").first.wait_for()
    screenshot(page, "alliance-prospect-detail-zh")

    switch_language(page)
    for path, heading, name in (
        ("/staff/pyramid", "Value pyramid", "alliance-pyramid-en"),
        ("/staff/coverage", "Industry coverage", "alliance-coverage-en"),
        ("/staff/whitelist", "Settlement whitelist", "alliance-whitelist-en"),
        ("/staff/prospects", "Prospects", "alliance-prospects-en"),
    ):
        page.goto(live_server.url + path)
        assert page.get_by_role("heading", name=heading).is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        assert no_horizontal_scroll(page), path
        screenshot(page, name)
    switch_language(page)


def test_staff_decide_an_application_on_a_phone(alliance_demo, live_server, page):
    sign_in(page, live_server, "staff")
    page.goto(live_server.url + "/staff/merchants/review")
    assert page.get_by_text("甜心烘焙").is_visible()
    screenshot(page, "alliance-review-queue-zh")
    card = page.locator(".card", has_text="甜心烘焙")
    card.get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    assert page.get_by_text("甜心烘焙 当前状态：已加入").is_visible()
    card = page.locator(".card", has_text="万达数码")
    card.locator("summary", has_text="驳回").click()
    card.locator("textarea[name=reason]").fill("请补充营业执照")
    card.locator("form button", has_text="驳回").click()
    page.wait_for_load_state()
    assert page.get_by_text("万达数码 当前状态：未通过").is_visible()


def test_a_shop_applies_and_sees_what_happens_next(alliance_demo, live_server, page):
    from tests.merchants.factories import licence_photo

    page.goto(live_server.url + "/join")
    assert page.input_value("#format") == "" and page.input_value("#district_id") == ""  # nothing chosen
    page.fill("#name", "街角咖啡")
    page.select_option("#district_id", label="城东支行 · 老街商圈")
    page.select_option("#format", "street_shop")
    page.select_option("#industry", "catering")
    page.select_option("#store_type", "restaurant")
    page.fill("#address", "老街 8 号")
    page.fill("#legal_name", "杭州街角咖啡有限公司")
    page.fill("#credit_code", "91350100M000100Y44")  # one character wrong
    page.set_input_files(
        "#licence", files=[{"name": "licence.jpg", "mimeType": "image/jpeg", "buffer": licence_photo()}]
    )
    page.fill("#contact_name", "陈店长")
    page.fill("#contact_mobile", "13800001234")
    page.fill("#username", "jiejiao")
    page.fill("#password", "longenough")
    page.fill("#confirm", "longenough")
    screenshot(page, "alliance-apply-zh")
    page.click("#submit")
    page.wait_for_load_state()
    assert page.get_by_text("最后一位校验码不符").is_visible()
    screenshot(page, "alliance-apply-wrong-code-zh")
    page.fill("#credit_code", "91350100M000100Y43")
    page.set_input_files(
        "#licence", files=[{"name": "licence.jpg", "mimeType": "image/jpeg", "buffer": licence_photo()}]
    )
    page.fill("#password", "longenough")
    page.fill("#confirm", "longenough")
    page.click("#submit")
    page.wait_for_url(live_server.url + "/my-shop")
    assert page.get_by_text("您的申请正在审核中").is_visible()
    assert page.locator(".tabbar").get_by_text("我的店铺").is_visible()
    screenshot(page, "alliance-my-shop-pending-zh")


def test_an_owner_on_a_phone(alliance_demo, live_server, page):
    sign_in(page, live_server, "owner1")
    page.goto(live_server.url + "/my-shop")
    assert page.get_by_text("您的权益与服务").is_visible()
    assert page.get_by_text("为您推荐：商户结算优惠套餐·尊享版").is_visible()
    screenshot(page, "alliance-my-shop-active-zh")
    page.context.clear_cookies()
    sign_in(page, live_server, "owner7")
    page.goto(live_server.url + "/my-shop/clerks")
    assert page.get_by_text("小李").is_visible()
    screenshot(page, "alliance-clerks-zh")


def test_the_merchants_table_on_a_desktop(alliance_demo, live_server, browser):
    desk = new_page(browser, viewport=DESKTOP)
    try:
        sign_in(desk, live_server, "staff")
        desk.goto(live_server.url + "/staff/merchants?sort=-acquiring")
        assert desk.locator("table.table-staff tbody tr").count() == 22  # the demo's 城东支行 shops
        first = desk.locator("table.table-staff tbody tr").first.inner_text()
        assert "万达永辉超市" in first or "海底捞" in first
        screenshot(desk, "alliance-merchants-desktop")
        desk.goto(live_server.url + "/staff/pyramid")
        screenshot(desk, "alliance-pyramid-desktop")
        desk.goto(live_server.url + "/staff/merchants/1")
        screenshot(desk, "alliance-merchant-desktop")
    finally:
        desk.context.close()

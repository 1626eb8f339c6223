"""On a phone: a customer finds a coupon, claims it and opens the voucher with its QR; a clerk types the
code (and, for a second voucher, photographs the QR), enters the amount, sees the discount and the amount
to pay on the same screen, confirms and sees the receipt.
Screenshots of each step land in tests/e2e/screenshots/."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from tests import factories
from tests.live import new_page, screenshot, sign_in
from tests.mall import factories as mf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def app_config(app_config):
    # The voucher screen renews its QR every 2 s here, so the test sees a renewal without waiting long.
    return {**app_config, "QR_REFRESH_SECONDS": 2}


def follow(page, target) -> None:
    """Tap something that loads a new page, and wait for that page."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()


def test_claim_show_and_redeem_on_a_phone(live_server, browser, page, app, db):
    district = factories.district(name="万达广场商圈")
    shop = mf.merchant(district, name="老王面馆")
    owner = mf.owner(shop, "laowang")
    mf.live_coupon(
        shop, owner, title="午市满100减20", valid_days_after_claim=7, stock_total=12, per_customer_limit=2
    )
    mf.live_coupon(
        mf.merchant(district, name="丽丽美发"), title="洗剪吹8.5折", kind="discount", percent_off=15
    )
    mf.clerk(shop, "xiaoli")
    mf.customer("xiaomei")
    db.session.commit()
    base = live_server.url

    # The customer finds the coupon.
    sign_in(page, live_server, "xiaomei", factories.PASSWORD)
    follow(page, ".tabbar a[href='/mall']")
    page.fill("input[name=q]", "面馆")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    card = page.locator(".coupon-card", has_text="午市满100减20")
    assert card.count() == 1 and page.locator(".coupon-card").count() == 1
    assert card.locator(".value-big").inner_text() == "¥20"
    screenshot(page, "mall-1-customer-finds-a-coupon")

    # Opens it: the rules in plain words; claims it.
    follow(page, card.locator(".coupon-title"))
    rules = page.locator(".rules-line").inner_text()
    assert rules == "满100减20 · 领取后7天内有效 · 每人限领2张 · 剩余 12 张"
    follow(page, ".sticky-action .claim-btn")
    assert page.get_by_text("领取成功").is_visible()
    assert page.locator(".sticky-action .use-btn").inner_text() == "去使用"
    screenshot(page, "mall-2-customer-claimed")

    # Opens the voucher: a large QR that a real decoder reads, the code in groups, renewed every 2 s.
    follow(page, ".sticky-action .use-btn")
    qr_image = page.locator("#voucher-qr")
    qr_image.wait_for()
    page.wait_for_function("() => document.getElementById('voucher-qr').naturalWidth > 0")
    assert qr_image.bounding_box()["width"] >= 300
    first_src = qr_image.get_attribute("src")
    shown = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_image.screenshot())))
    assert len(shown) == 1 and shown[0].text.count(".") >= 1
    code = page.locator(".voucher-code").inner_text().strip()
    assert len(code) == 14 and code.count("-") == 2
    screenshot(page, "mall-3-customer-shows-the-voucher")
    page.wait_for_function(
        "src => document.getElementById('voucher-qr').src !== src", arg=first_src, timeout=10000
    )

    # The clerk, on another phone, lands on the till, types the code and the amount, sees discount and
    # payable on the same screen, confirms.
    till = new_page(browser)
    try:
        sign_in(till, live_server, "xiaoli", factories.PASSWORD)
        assert till.url == base + "/till"
        screenshot(till, "mall-4-clerk-till")
        assert till.get_attribute("#amount", "inputmode") == "decimal"
        till.fill("#code", code)
        till.locator("#voucher.ok").wait_for()
        till.fill("#amount", "128.50")
        till.wait_for_function("() => document.getElementById('payable').textContent === '¥108.50'")
        screenshot(till, "mall-5-clerk-confirms")
        follow(till, "#confirm")
        assert till.locator("#receipt").is_visible()
        assert till.get_by_text("核销成功").is_visible()
        assert till.locator("#receipt-payable").inner_text() == "¥108.50"
        screenshot(till, "mall-6-clerk-receipt")

        # The customer's screen notices within seconds: the QR is taken away, the voucher says used.
        page.locator(".voucher-used").wait_for(timeout=10000)
        assert (
            page.locator("#voucher-qr").count() == 0
            and page.locator(".voucher-used").inner_text() == "已使用"
        )

        # A second voucher, this time a photo of the QR (a phone without a barcode detector).
        page.goto(base + "/mall")
        follow(page, page.locator(".coupon-card", has_text="午市满100减20").locator(".claim-btn"))
        page.goto(base + "/wallet")
        follow(page, page.locator(".coupon-card", has_text="午市满100减20").first)
        page.wait_for_function("() => document.getElementById('voucher-qr').naturalWidth > 0")
        photo = page.locator("#voucher-qr").screenshot()
        follow(till, "#next-customer")
        till.set_input_files("#photo", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": photo}])
        till.wait_for_function("() => document.getElementById('qr_payload').value.length > 20")
        assert till.locator("#scan-status").inner_text() == "已识别二维码，请输入金额。"
        till.fill("#amount", "100")
        till.wait_for_function("() => document.getElementById('payable').textContent === '¥80.00'")
        follow(till, "#confirm")
        assert till.get_by_text("核销成功").is_visible()

        # The same code again: refused in words, in red, before anything is confirmed.
        follow(till, "#next-customer")
        till.fill("#code", code)
        till.locator("#voucher.no").wait_for()
        assert till.locator("#voucher-error").inner_text().startswith("已被使用")
        assert till.locator("#confirm").is_disabled()
        screenshot(till, "mall-7-clerk-refused")
        till.goto(base + "/till/today")
        assert till.locator(".list-group-item").count() == 2
        screenshot(till, "mall-8-clerk-today")
    finally:
        till.context.close()

    # The customer's voucher screen now says it was used and shows no QR.
    page.goto(base + "/wallet?status=redeemed")
    assert page.locator(".coupon-card").count() == 2
    screenshot(page, "mall-9-customer-wallet-used")

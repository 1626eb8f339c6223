"""A coupon's page on a phone: the value big, the rules in one line, validity, what is left, the shop's
address, hours and phone, and the one claim button."""

from __future__ import annotations

import pytest

from tests.live import screenshot
from tests.mall import factories as mf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_coupon_page_on_a_phone(live_server, page, db):
    shop = mf.merchant(name="老王面馆")
    shop.address, shop.opening_hours, shop.phone = (
        "老街 12 号（万达广场北门）",
        "10:00–22:00，周一休息",
        "0571 8888 1234",
    )
    coupon = mf.live_coupon(shop, title="午市满100减20", valid_days_after_claim=7, stock_total=60)
    db.session.commit()
    page.goto(f"{live_server.url}/mall/coupons/{coupon.id}")
    assert page.locator("#shop-info").get_by_text("老街 12 号（万达广场北门）").is_visible()
    assert page.locator("a[href='tel:057188881234']").is_visible()
    screenshot(page, "coupon-page-phone")
    page.goto(f"{live_server.url}/mall?sort=popular")
    assert page.locator(".coupon-card", has_text="午市满100减20").get_by_text("领取后7天内有效").is_visible()
    screenshot(page, "mall-sorted-phone", full_page=False)

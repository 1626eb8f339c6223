"""On phones, with the demo's alliance: a lead sets up a chain, a partner reads its invitation, a
customer finds the coupon pack and claims it, a clerk redeems a chain's lead voucher and the receipt
says what the customer received, and the customer's wallet shows the chain voucher and the pack.
Screenshots land in tests/e2e/screenshots/promotions-*.png."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from alliance.accounts.models import User
from mall.promotions.demo import CHAIN_TITLE, INVITE_TITLE, PACK_TITLE
from mall.promotions.models import Promotion
from mall.vouchers.models import Voucher
from tests.live import new_page, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def promotions_demo(alliance_demo, db):
    from mall.coupons import demo as coupons_demo
    from mall.promotions import demo as promotions_demo

    coupons_demo.seed()
    promotions_demo.seed()
    db.session.commit()


def _id(db, title: str) -> int:
    return db.session.scalar(sa.select(Promotion.id).where(Promotion.title == title))


def follow(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_promotion_screens_on_a_phone(live_server, browser, page, app, db, promotions_demo):
    base = live_server.url
    chain_id, pack_id, invite_id = (_id(db, t) for t in (CHAIN_TITLE, PACK_TITLE, INVITE_TITLE))
    alice = db.session.scalar(sa.select(User).where(User.username == "alice"))
    chain = db.session.get(Promotion, chain_id)
    lead_voucher = db.session.scalar(
        sa.select(Voucher).where(Voucher.user_id == alice.id, Voucher.coupon_id == chain.coupon_id)
    )
    code = lead_voucher.code
    db.session.rollback()

    # The lead (海底捞's owner) sets up a chain: its coupon, partners of other trades.
    lead = new_page(browser)
    try:
        sign_in(lead, live_server, "owner2")
        lead.goto(base + "/merchant/promotions/new")
        lead.fill("#title", "吃完火锅去逛街")
        lead.locator(".partner-pick label", has_text="优衣库").locator("input").check()
        lead.fill("#min_order", "100")
        screenshot(lead, "promotions-1-lead-sets-up")
        follow(lead, "#submit")
        assert lead.locator("#invitation").count() == 0 and lead.get_by_text("邀请已发出").is_visible()
    finally:
        lead.context.close()

    # The invited partner (动感健身房's owner) reads exactly what it is asked for.
    partner = new_page(browser)
    try:
        sign_in(partner, live_server, "owner15")
        assert partner.locator(".tabbar a[href='/merchant/promotions'] .tab-badge").count() == 1
        partner.goto(base + f"/merchant/promotions/{invite_id}")
        assert partner.locator("#invitation .ask-box").is_visible()
        screenshot(partner, "promotions-2-partner-invitation")
    finally:
        partner.context.close()

    # alice finds the pack in the mall, opens it and claims it in one tap.
    sign_in(page, live_server, "alice")
    page.goto(base + "/mall")
    card = page.locator(f".pack-card[href='/mall/promotions/{pack_id}']")
    assert card.is_visible()
    card.scroll_into_view_if_needed()
    screenshot(page, "promotions-3-pack-card-in-the-mall", full_page=False)
    follow(page, f".pack-card[href='/mall/promotions/{pack_id}']")
    assert page.locator(".pack-members li").count() == 3
    screenshot(page, "promotions-4-pack-page")
    follow(page, "#claim-pack")
    assert page.get_by_text("领取成功").is_visible()
    assert page.locator(".wallet-group").count() == 1

    # 海底捞's clerk redeems alice's lead voucher: the receipt says what she received.
    till = new_page(browser)
    try:
        sign_in(till, live_server, "clerk2")
        till.goto(base + "/till")
        till.fill("#code", code)
        till.locator("#voucher.ok").wait_for()
        till.fill("#amount", "200")
        expect(till.locator("#payable")).to_have_text("¥180.00")
        follow(till, "#confirm")
        assert till.get_by_text("核销成功").is_visible()
        rewards = till.locator("#receipt-rewards").inner_text()
        assert "顾客获得" in rewards and "丽人美容会所" in rewards and "星光影城" in rewards
        screenshot(till, "promotions-5-till-receipt-of-a-chain")
    finally:
        till.context.close()

    # alice's wallet: the chain's vouchers say where they came from; the pack stays together.
    page.goto(base + "/wallet")
    origin = page.locator(".voucher-origin").first
    assert "在海底捞火锅(万达店)消费获赠" in origin.inner_text()
    screenshot(page, "promotions-6-wallet-with-a-chain-voucher")

"""On a phone, with the demo data: the account page (referral code, link, QR, incentive balance), the
payment code, the share page a friend opens, and the staff leaderboard. Screenshots land in
tests/e2e/screenshots/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import wsgi
from alliance.accounts.models import User
from alliance.referrals import services as referrals
from tests.live import new_page, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def demo(app, db):
    for step in wsgi.DEMO:
        step()
        db.session.commit()


def log_in(page, server, username: str) -> None:
    """Sign in through the login page, landing wherever the role's home is."""
    from alliance.branches.demo import DEMO_PASSWORD

    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#submit")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 391


def test_account_page_payment_code_and_share_page(demo, live_server, browser, page, db):
    log_in(page, live_server, "alice")
    page.goto(live_server.url + "/account")
    alice = db.session.scalar(sa.select(User).where(User.username == "alice"))
    assert page.locator("#referral-code").inner_text().strip() == alice.referral_code
    assert page.locator("#account-balance").inner_text().strip() == "¥20.00"
    assert page.evaluate("document.querySelector('img.share-qr').naturalWidth") > 0
    assert fits(page)
    screenshot(page, "referrals-account")

    page.click("text=付款码")
    page.wait_for_url(live_server.url + "/pay")
    code = page.locator("#pay-code").inner_text().strip()
    assert len(code.replace("-", "")) == 10 and page.locator("#pay-qr svg").count() == 1
    assert fits(page)
    screenshot(page, "incentives-payment-code")

    owner = db.session.scalar(sa.select(User).where(User.username == "owner1"))
    code = referrals.code_for(owner)
    db.session.commit()
    friend = new_page(browser)
    try:
        friend.goto(f"{live_server.url}/r/{code}")
        words = friend.locator(".invite-hero .words").inner_text()
        assert "邀请你加入商户联盟" in words and owner.merchant_id
        assert friend.locator("#referral_code").input_value() == code
        assert fits(friend)
        screenshot(friend, "referrals-share")
    finally:
        friend.context.close()


def test_staff_leaderboard_on_a_phone(demo, live_server, page):
    log_in(page, live_server, "staff")
    page.goto(live_server.url + "/staff/referrals")
    board = page.locator("#leaderboard tbody tr").first
    assert "Alice 张" in board.inner_text() and "Carol 陈" in board.inner_text()
    assert "Frank 周" in page.locator("#pending").inner_text()
    screenshot(page, "referrals-staff-leaderboard")


def test_till_receipt_with_incentive_cash(demo, live_server, browser, db):
    from alliance.incentives import services as incentives
    from mall.vouchers.models import Voucher

    alice = db.session.scalar(sa.select(User).where(User.username == "alice"))
    voucher = db.session.scalar(
        sa.select(Voucher).where(Voucher.user_id == alice.id, Voucher.status == "active").order_by(Voucher.id)
    )
    till_user = db.session.scalar(
        sa.select(User).where(User.merchant_id == voucher.merchant_id, User.role.in_(("merchant", "clerk")))
    )
    code = incentives.issue_payment_code(alice)["code"]
    db.session.commit()
    amount = max(voucher.coupon.threshold_fen or 0, 5000) + 3800
    till = new_page(browser)
    try:
        log_in(till, live_server, till_user.username)
        till.goto(live_server.url + "/till")
        till.fill("#code", voucher.code)
        till.locator("#voucher.ok").wait_for()
        till.click("#pay-with-incentives summary")
        till.fill("#customer_code", code)
        till.fill("#amount", f"{amount / 100:.2f}")
        with till.expect_navigation():
            till.click("#confirm")
        assert till.locator("#receipt").is_visible()
        assert till.locator("#receipt-incentive").inner_text() == "-¥20.00"
        assert fits(till)
        screenshot(till, "till-receipt-incentive")
    finally:
        till.context.close()

"""Referral pages: the account card (code, link, QR, balance, payment code), the share page in the
referrer's words, registration and the shop application with the code filled in, the staff desk."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.core import clock
from alliance.core.extensions import db as _db
from alliance.incentives import services as incentives
from alliance.referrals import services as referrals
from alliance.referrals.models import Referral, ReferralRules
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf


def test_the_account_page_shows_code_link_qr_balance_and_payment_code(client, db):
    alice = factories.user("customer", "alice")
    incentives.credit(alice.id, 1250, incentives.CASHBACK, source_type="test", source_id=1)
    factories.login(client, alice)
    page = client.get("/account").get_data(as_text=True)
    assert alice.referral_code in page and f"/r/{alice.referral_code}" in page
    assert "/referrals/qr.svg" in page and "¥12.50" in page and "/pay" in page
    qr = client.get("/referrals/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_a_shop_owner_gets_a_code_and_no_payment_code(client, db):
    shop = mf.merchant(name="老王面馆")
    owner = mf.owner(shop)
    factories.login(client, owner)
    page = client.get("/account").get_data(as_text=True)
    _db.session.expire_all()
    assert owner.referral_code and owner.referral_code in page and 'href="/pay"' not in page


def test_the_share_page_speaks_in_the_referrers_words_and_registers_with_the_code(client, db):
    shop = mf.merchant(name="老王面馆")
    owner = mf.owner(shop)
    page = client.get(f"/r/{owner.referral_code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "老王面馆邀请你加入商户联盟" in text
    assert f'value="{owner.referral_code}"' in text and f"/join?ref={owner.referral_code}" in text
    done = client.post(
        "/register",
        data={
            "username": "newbie",
            "password": "longenough",
            "confirm": "longenough",
            "referral_code": owner.referral_code,
        },
    )
    assert done.status_code == 302
    assert _db.session.scalar(sa.select(Referral.referrer_id)) == owner.id
    assert client.get("/r/ABCDEFGH").status_code == 404


def test_the_shop_application_has_the_code_filled_in(client, db):
    alice = factories.user("customer", "alice")
    page = client.get(f"/join?ref={alice.referral_code}").get_data(as_text=True)
    assert f'value="{alice.referral_code}"' in page


def test_my_referrals_lists_each_with_its_status(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    alice = factories.user("customer", "alice")
    bob = factories.user("customer", "bob", display_name="Bob 李", referral_code=alice.referral_code)
    factories.user("customer", "carol", display_name="Carol 陈", referral_code=alice.referral_code)
    redemption.redeem(clerk, vouchers.claim(bob, mf.live_coupon(shop).id), 15000)
    factories.login(client, alice)
    page = client.get("/referrals").get_data(as_text=True)
    assert (
        "Bob 李" in page
        and "Carol 陈" in page
        and "已转化" in page
        and "待转化" in page
        and "+¥10.00" in page
    )


def test_staff_set_the_rules_and_read_the_leaderboard(app, client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    staff = mf.staff_for(shop)
    alice = factories.user("customer", "alice", display_name="Alice 张")
    bob = factories.user("customer", "bob", display_name="Bob 李", referral_code=alice.referral_code)
    factories.user("customer", "carol", display_name="Carol 陈", referral_code=bob.referral_code)
    redemption.redeem(clerk, vouchers.claim(bob, mf.live_coupon(shop).id), 15000)
    factories.login(client, staff)
    page = client.get("/staff/referrals?month=2026-12").get_data(as_text=True)
    assert "Alice 张" in page and "Bob 李" in page and "Carol 陈" in page and "¥10.00" in page
    saved = client.post(
        "/staff/referrals/rules", data={"referrer_reward": "8", "referee_reward": "2.5", "monthly_cap": "40"}
    )
    assert saved.status_code == 302
    rules = _db.session.get(ReferralRules, shop.branch_id)
    assert (rules.referrer_reward_fen, rules.referee_reward_fen, rules.monthly_cap_fen) == (800, 250, 4000)
    bad = client.post(
        "/staff/referrals/rules", data={"referrer_reward": "-1", "referee_reward": "x", "monthly_cap": ""}
    )
    assert bad.status_code == 422
    assert referrals.rules_for(shop.branch_id).referrer_reward_fen == 800
    customer = app.test_client()
    factories.login(customer, alice)
    assert customer.get("/staff/referrals").status_code == 403


def test_the_payment_code_page_shows_balance_qr_and_code(client, db):
    alice = factories.user("customer", "alice")
    incentives.credit(alice.id, 1000, incentives.CASHBACK, source_type="test", source_id=1)
    factories.login(client, alice)
    page = client.get("/pay")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "¥10.00" in text and "<svg" in text and 'id="pay-code"' in text
    assert page.headers["Cache-Control"] == "no-store"
    fresh = client.get("/pay/fresh").get_json()
    assert set(fresh) == {"code", "qr_svg", "expires_at", "balance"} and fresh["balance"] == "¥10.00"
    code = fresh["code"].replace("-", "")
    assert incentives.customer_for_code(code) == alice.id


def test_the_shop_page_carries_the_owners_invitation(client, db):
    shop = mf.merchant(name="老王面馆")
    owner = mf.owner(shop)
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "老王面馆邀请你加入商户联盟" in page and f"/r/{owner.referral_code}/qr.svg" in page
    qr = client.get(f"/r/{owner.referral_code}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert client.get("/r/ABCDEFGH/qr.svg").status_code == 404

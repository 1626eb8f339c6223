"""Referrals (API.md: Referrals and incentive cash): a code at sign-up records a pending referral, the
three abuse cases are refused on `referral_code`, a customer's converts at their first redemption and
a shop's at its approval, under the branch's rules, once, within the monthly cap."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.core import clock
from alliance.core.extensions import db as _db
from alliance.incentives import services as incentives
from alliance.incentives.models import IncentiveEntry
from alliance.merchants.services import membership
from alliance.notifications.models import Notification
from alliance.referrals import services as referrals
from alliance.referrals.models import Referral
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf


@pytest.fixture
def shop(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant(name="老王面馆")
    owner = mf.owner(shop)
    return shop, owner, mf.clerk(shop)


def register(client, **body):
    body.setdefault("password", "longenough")
    return client.post("/api/v1/auth/register", json=body)


def first_redemption(shop, clerk, customer, order_fen=15000):
    coupon = mf.live_coupon(shop, per_customer_limit=5)
    voucher = vouchers.claim(customer, coupon.id)
    return redemption.redeem(clerk, voucher, order_fen)


def fresh_referral(referee_id: int) -> Referral:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(Referral).where(Referral.referee_id == referee_id))


def test_registering_with_a_code_records_a_pending_referral(client, shop):
    alice = factories.user("customer", "alice", phone="13800000001")
    r = register(client, username="bob", phone="139 0000 0002", referral_code=alice.referral_code.lower())
    assert r.status_code == 201, r.get_json()
    referral = fresh_referral(r.get_json()["id"])
    assert (referral.referrer_id, referral.kind, referral.status) == (alice.id, "customer", "pending")
    assert _db.session.get(User, r.get_json()["id"]).referred_by_id == alice.id


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "没有对应的有效账户"),
        ("self", "不能推荐自己"),
        ("member", "已有账户"),
    ],
)
def test_each_abuse_is_refused_on_referral_code_with_its_own_message(client, shop, case, message):
    alice = factories.user("customer", "alice", phone="+86 138-0000-0001")
    factories.user("customer", "carol", phone="13700000003")
    code = {"unknown": "ABCDEFGH", "self": alice.referral_code, "member": alice.referral_code}[case]
    phone = {"unknown": "13900000002", "self": "13800000001", "member": "137 0000 0003"}[case]
    r = register(client, username="newbie", phone=phone, referral_code=code)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_error" and list(error["fields"]) == ["referral_code"]
    assert message in error["fields"]["referral_code"][0]
    assert _db.session.scalar(sa.select(User.id).where(User.username == "newbie")) is None
    # The same on the page, and what was typed stays.
    page = client.post(
        "/register",
        data={
            "username": "newbie",
            "password": "longenough",
            "confirm": "longenough",
            "phone": phone,
            "referral_code": code,
        },
    )
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert 'value="newbie"' in page.get_data(as_text=True)
    # And on the shop application, in the API.
    application = client.post(
        "/api/v1/merchant-applications",
        json={
            "username": "newshop",
            "password": "longenough",
            "name": "新店",
            "district_id": shop[0].district_id,
            "format": "street_shop",
            "industry": "clothing",
            "phone": phone,
            "referral_code": code,
        },
    )
    assert application.status_code == 422
    assert message in application.get_json()["error"]["fields"]["referral_code"][0]


def test_a_disabled_account_code_matches_nothing(client, shop):
    alice = factories.user("customer", "alice")
    alice.active = False
    r = register(client, username="bob", referral_code=alice.referral_code)
    assert r.status_code == 422 and "referral_code" in r.get_json()["error"]["fields"]


def test_first_redemption_converts_once_under_the_shops_branch_rules(client, shop):
    merchant, _owner, clerk = shop
    staff = mf.staff_for(merchant)
    referrals.set_rules(
        staff,
        merchant.branch_id,
        {"referrer_reward_fen": 800, "referee_reward_fen": 300, "monthly_cap_fen": 5000},
    )
    alice = factories.user("customer", "alice")
    bob = factories.user("customer", "bob", referral_code=alice.referral_code)
    first = first_redemption(merchant, clerk, bob)
    referral = fresh_referral(bob.id)
    assert (referral.status, referral.reward_fen, referral.referee_reward_fen, referral.capped) == (
        "converted",
        800,
        300,
        False,
    )
    assert (referral.branch_id, referral.month, referral.converted_by_id) == (
        merchant.branch_id,
        "2026-12",
        first.id,
    )
    assert incentives.balance(alice.id) == 800 and incentives.balance(bob.id) == 300
    first_redemption(merchant, clerk, bob)  # a second redemption converts nothing more
    assert incentives.balance(alice.id) == 800 and incentives.ledger_sum(alice.id) == 800
    kinds = _db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == alice.id)).all()
    assert kinds.count("referral_converted") == 1
    entry = _db.session.scalar(sa.select(IncentiveEntry).where(IncentiveEntry.user_id == alice.id))
    assert (entry.kind, entry.note, entry.source_type) == ("referral_reward", "bob", "referral")


def test_the_monthly_cap_records_later_conversions_as_capped(client, shop):
    merchant, _owner, clerk = shop
    referrals.set_rules(
        mf.staff_for(merchant),
        merchant.branch_id,
        {"referrer_reward_fen": 1000, "referee_reward_fen": 0, "monthly_cap_fen": 2500},
    )
    alice = factories.user("customer", "alice")
    friends = [factories.user("customer", f"friend{i}", referral_code=alice.referral_code) for i in range(3)]
    for friend in friends:
        first_redemption(merchant, clerk, friend)
    got = [(fresh_referral(f.id).reward_fen, fresh_referral(f.id).capped) for f in friends]
    assert got == [(1000, False), (1000, False), (0, True)]
    assert incentives.balance(alice.id) == 2000
    listed = client.get("/api/v1/me/referrals", headers=factories.auth(alice)).get_json()
    assert {(r["referee_name"], r["reward_fen"], r["capped"]) for r in listed} == {
        ("friend0", 1000, False),
        ("friend1", 1000, False),
        ("friend2", 0, True),
    }
    # Next month the cap starts again.
    clock.freeze(mf.at("2027-01-05 12:00"))
    late = factories.user("customer", "late", referral_code=alice.referral_code)
    first_redemption(merchant, clerk, late)
    assert fresh_referral(late.id).reward_fen == 1000 and fresh_referral(late.id).month == "2027-01"


def test_a_shop_referred_by_a_shop_converts_when_approved(client, shop):
    merchant, owner, _clerk = shop
    r = client.post(
        "/api/v1/merchant-applications",
        json={
            "username": "newshop",
            "password": "longenough",
            "name": "小李理发",
            "district_id": merchant.district_id,
            "format": "street_shop",
            "industry": "clothing",
            "referral_code": owner.referral_code,
        },
    )
    assert r.status_code == 201, r.get_json()
    new_owner_id = r.get_json()["user"]["id"]
    referral = fresh_referral(new_owner_id)
    assert (referral.kind, referral.status, referral.merchant_id) == (
        "merchant",
        "pending",
        r.get_json()["merchant"]["id"],
    )
    staff = mf.staff_for(merchant)
    membership.review(staff, referral.merchant_id, "approve")
    referral = fresh_referral(new_owner_id)
    assert (
        referral.status == "converted"
        and referral.reward_fen == referrals.DEFAULT_RULES["referrer_reward_fen"]
    )
    assert incentives.balance(owner.id) == referrals.DEFAULT_RULES["referrer_reward_fen"]


def test_me_referral_gives_code_link_and_counts(client, shop):
    _merchant, owner, clerk = shop
    alice = factories.user("customer", "alice")
    factories.user("customer", "bob", referral_code=alice.referral_code)
    body = client.get("/api/v1/me/referral", headers=factories.auth(alice)).get_json()
    assert body["code"] == alice.referral_code
    assert body["url"].endswith(f"/r/{alice.referral_code}")
    assert (body["pending"], body["converted"], body["rewards_fen"]) == (1, 0, 0)
    # A shop owner has a code too; a clerk has none.
    assert client.get("/api/v1/me/referral", headers=factories.auth(owner)).status_code == 200
    assert client.get("/api/v1/me/referral", headers=factories.auth(clerk)).status_code == 403


def test_rules_are_the_branch_staffs_to_read_and_set(client, shop):
    merchant, owner, _clerk = shop
    staff = mf.staff_for(merchant)
    other = factories.user("staff")
    url = f"/api/v1/branches/{merchant.branch_id}/referral-rules"
    assert client.get(url, headers=factories.auth(staff)).get_json() == referrals.DEFAULT_RULES
    body = {"referrer_reward_fen": 1200, "referee_reward_fen": 600, "monthly_cap_fen": 3600}
    assert client.put(url, json=body, headers=factories.auth(staff)).get_json() == body
    assert client.get(url, headers=factories.auth(staff)).get_json() == body
    assert client.put(url, json=body, headers=factories.auth(other)).status_code == 404
    assert client.get(url, headers=factories.auth(owner)).status_code == 403
    bad = client.put(url, json={**body, "monthly_cap_fen": -1}, headers=factories.auth(staff))
    assert bad.status_code == 422 and "monthly_cap_fen" in bad.get_json()["error"]["fields"]


def test_leaderboard_puts_most_converted_first(client, shop):
    merchant, _owner, clerk = shop
    staff = mf.staff_for(merchant)
    alice, dave = factories.user("customer", "alice"), factories.user("customer", "dave")
    for i in range(2):
        first_redemption(
            merchant, clerk, factories.user("customer", f"alice{i}", referral_code=alice.referral_code)
        )
    first_redemption(merchant, clerk, factories.user("customer", "dave0", referral_code=dave.referral_code))
    factories.user("customer", "dave1", referral_code=dave.referral_code)  # pending: not on the board
    url = f"/api/v1/branches/{merchant.branch_id}/referrals/leaderboard?month=2026-12"
    board = client.get(url, headers=factories.auth(staff)).get_json()
    assert [(row["name"], row["converted"]) for row in board] == [("alice", 2), ("dave", 1)]
    assert board[0]["rewards_fen"] == 2000 and board[0]["user_id"] == alice.id
    assert client.get(url.replace("2026-12", "2026-11"), headers=factories.auth(staff)).get_json() == []
    assert client.get(url.replace("2026-12", "12/2026"), headers=factories.auth(staff)).status_code == 422

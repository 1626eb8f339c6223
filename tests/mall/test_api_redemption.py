"""API.md, Redemption: each refusal with its code and nothing changed; reversal; the merchant's list;
rate limiting of failed attempts; Idempotency-Key on claims and redemptions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.extensions import db as _db
from alliance.incentives import services as incentives
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests import factories
from tests.mall import factories as mf


@pytest.fixture
def till(db):
    clock.freeze(mf.at("2026-12-02 12:00"))  # a Wednesday noon
    shop = mf.merchant()
    owner = mf.owner(shop)
    clerk = mf.clerk(shop)
    customer = mf.customer()
    return shop, owner, clerk, customer


def state(voucher_id: int):
    _db.session.expire_all()
    v = _db.session.get(Voucher, voucher_id)
    n = _db.session.scalar(sa.select(sa.func.count(Redemption.id)))
    return v.status, v.redeemed_at, n, incentives.balance(v.user_id)


def redeem(client, user, **body):
    return client.post("/api/v1/redemptions", json=body, headers=factories.auth(user))


def test_redeem_by_typed_code_in_groups(client, till):
    shop, owner, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    grouped = "-".join(voucher.code[i : i + 4] for i in range(0, 12, 4)).lower()
    r = redeem(client, clerk, code=grouped, order_amount_fen=15000)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body) >= {
        "id",
        "voucher_id",
        "merchant_id",
        "order_amount_fen",
        "discount_fen",
        "payable_fen",
        "redeemed_at",
    }
    assert (body["order_amount_fen"], body["discount_fen"], body["payable_fen"]) == (15000, 2000, 13000)
    assert body["merchant_id"] == shop.id and body["redeemed_at"] == "2026-12-02T12:00:00+08:00"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("forged_qr", 422, "invalid_code"),
        ("altered_qr", 422, "invalid_code"),
        ("unknown_code", 422, "invalid_code"),
        ("wrong_check_char", 422, "invalid_code"),
        ("very_long_code", 422, "invalid_code"),
        ("very_long_payload", 422, "invalid_code"),
        ("other_merchant", 403, "wrong_merchant"),
        ("outside_hours", 422, "not_valid_now"),
        ("expired", 422, "expired"),
        ("min_spend", 422, "min_spend_not_met"),
        ("already_redeemed", 409, "already_redeemed"),
    ],
)
def test_each_refusal_answers_its_code_and_changes_nothing(client, till, case, status, code):
    shop, owner, clerk, customer = till
    coupon = mf.live_coupon(shop, owner, usable_hours="11:00-14:00", valid_days_after_claim=2)
    voucher = vouchers.claim(customer, coupon.id)
    _db.session.commit()
    body = {"code": voucher.code, "order_amount_fen": 20000}
    if case == "already_redeemed":
        assert redeem(client, clerk, **body).status_code == 201
    before = state(voucher.id)
    payload = vouchers.qr_payload(voucher)
    head, _, signature = payload.rpartition(".")
    user = clerk
    if case == "forged_qr":
        body = {"qr_payload": "eyJ2IjoxLCJuIjoiYWJjIiwidCI6MH0.c2lnbmF0dXJl", "order_amount_fen": 20000}
    elif case == "altered_qr":
        body = {"qr_payload": head + "." + signature[::-1], "order_amount_fen": 20000}
    elif case == "unknown_code":
        body["code"] = "K7Q9-M2XP-ABCD"
    elif case == "very_long_code":
        body["code"] = voucher.code * 50
    elif case == "very_long_payload":
        body = {"qr_payload": payload * 40, "order_amount_fen": 20000}
    elif case == "wrong_check_char":
        body["code"] = voucher.code[:-1] + ("2" if voucher.code[-1] != "2" else "3")
    elif case == "other_merchant":
        user = mf.clerk(mf.merchant())
    elif case == "outside_hours":
        clock.freeze(mf.at("2026-12-02 14:00"))
    elif case == "expired":
        clock.freeze(mf.at("2026-12-04 00:00"))
    elif case == "min_spend":
        body["order_amount_fen"] = 9999
    r = redeem(client, user, **body)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["error"]["code"] == code
    assert r.get_json()["error"]["message"]
    assert state(voucher.id) == before


def test_body_needs_exactly_one_of_code_and_payload(client, till):
    _shop, _owner, clerk, customer = till
    r = redeem(client, clerk, order_amount_fen=100)
    assert r.status_code == 422 and "code" in r.get_json()["error"]["fields"]
    r = redeem(client, clerk, code="x", qr_payload="y", order_amount_fen=100)
    assert r.status_code == 422
    r = redeem(client, clerk, code="x", order_amount_fen=-1)
    assert r.status_code == 422 and "order_amount_fen" in r.get_json()["error"]["fields"]
    r = redeem(client, clerk, code="x", order_amount_fen=1.5)
    assert r.status_code == 422
    assert redeem(client, customer, code="x", order_amount_fen=1).status_code == 403


def test_failed_attempts_are_rate_limited_per_till_account(client, till):
    shop, owner, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    for _ in range(20):
        assert redeem(client, clerk, code="23456789ABCD", order_amount_fen=20000).status_code == 422
    r = redeem(client, clerk, code=voucher.code, order_amount_fen=20000)
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    assert state(voucher.id)[0] == "active"
    assert redeem(client, owner, code=voucher.code, order_amount_fen=20000).status_code == 201
    other_shop_clerk = mf.clerk(mf.merchant())
    assert redeem(client, other_shop_clerk, code="23456789ABCD", order_amount_fen=1).status_code == 422


def test_reversal_within_the_window_makes_the_voucher_active_again(client, till):
    shop, owner, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    rid = redeem(client, clerk, code=voucher.code, order_amount_fen=20000).get_json()["id"]
    clock.advance(timedelta(minutes=10))
    other = factories.auth(mf.clerk(mf.merchant()))
    assert client.post(f"/api/v1/redemptions/{rid}/reversal", json={}, headers=other).status_code == 404
    reason = {"reason": "收银错误"}
    r = client.post(f"/api/v1/redemptions/{rid}/reversal", json=reason, headers=factories.auth(owner))
    assert r.status_code == 200 and r.get_json()["reversal_reason"] == "收银错误"
    assert state(voucher.id)[0] == "active"
    r = client.post(f"/api/v1/redemptions/{rid}/reversal", headers=factories.auth(owner))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    rid2 = redeem(client, clerk, code=voucher.code, order_amount_fen=20000).get_json()["id"]
    clock.advance(timedelta(minutes=31))
    r = client.post(f"/api/v1/redemptions/{rid2}/reversal", json={}, headers=factories.auth(clerk))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    assert state(voucher.id)[0] == "redeemed"


def test_the_merchants_redemptions_newest_first(client, till):
    shop, owner, clerk, customer = till
    coupon = mf.live_coupon(shop, owner, per_customer_limit=3)
    for amount in (10000, 11000, 12000):
        v = vouchers.claim(customer, coupon.id)
        assert redeem(client, clerk, code=v.code, order_amount_fen=amount).status_code == 201
        clock.advance(timedelta(minutes=1))
    r = client.get(f"/api/v1/merchants/{shop.id}/redemptions?per_page=2", headers=factories.auth(owner))
    assert r.status_code == 200
    assert [x["order_amount_fen"] for x in r.get_json()["items"]] == [12000, 11000]
    assert {k: r.get_json()[k] for k in ("page", "per_page", "total")} == {
        "page": 1,
        "per_page": 2,
        "total": 3,
    }
    assert json.loads(r.headers["X-Pagination"])["total"] == 3
    r = client.get(
        f"/api/v1/merchants/{shop.id}/redemptions?page=2&page_size=2", headers=factories.auth(owner)
    )
    assert [x["order_amount_fen"] for x in r.get_json()["items"]] == [10000]
    assert json.loads(r.headers["X-Pagination"])["previous_page"] == 1
    staff = factories.auth(mf.staff_for(shop))
    assert client.get(f"/api/v1/merchants/{shop.id}/redemptions", headers=staff).get_json()["total"] == 3
    outsider = factories.auth(mf.owner(mf.merchant()))
    assert client.get(f"/api/v1/merchants/{shop.id}/redemptions", headers=outsider).status_code == 404
    customer_headers = factories.auth(customer)
    assert client.get(f"/api/v1/merchants/{shop.id}/redemptions", headers=customer_headers).status_code == 403


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_a_retried_claim_with_the_same_key_returns_the_same_voucher(client, db):
    coupon = mf.live_coupon(per_customer_limit=5)
    customer = mf.customer()
    headers = {**factories.auth(customer), "Idempotency-Key": "claim-1"}
    first = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers)
    again = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert client.get(f"/api/v1/coupons/{coupon.id}").get_json()["remaining"] == 99
    other_key = {**headers, "Idempotency-Key": "claim-2"}
    third = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=other_key)
    assert third.status_code == 201 and third.get_json()["id"] != first.get_json()["id"]
    someone_else = {**factories.auth(mf.customer()), "Idempotency-Key": "claim-1"}
    fourth = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=someone_else)
    assert fourth.status_code == 201 and fourth.get_json()["id"] != first.get_json()["id"]


def test_a_stored_refusal_is_returned_again_and_a_reused_key_is_refused(client, db):
    coupon = mf.live_coupon(stock_total=1)
    client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=factories.auth(mf.customer()))
    headers = {**factories.auth(mf.customer()), "Idempotency-Key": "k"}
    first = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers)
    again = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers)
    assert first.status_code == again.status_code == 409
    assert first.get_json() == again.get_json() and first.get_json()["error"]["code"] == "sold_out"
    other = mf.live_coupon()
    r = client.post(f"/api/v1/mall/coupons/{other.id}/claims", headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"
    r = client.post(
        f"/api/v1/mall/coupons/{other.id}/claims", headers={**headers, "Idempotency-Key": "x" * 201}
    )
    assert r.status_code == 422 and "Idempotency-Key" in r.get_json()["error"]["fields"]


def test_a_retried_redemption_with_the_same_key_redeems_once(client, till):
    shop, owner, clerk, customer = till
    coupon = mf.live_coupon(shop, owner, kind="cashback", amount_fen=800)
    voucher = vouchers.claim(customer, coupon.id)
    headers = {**factories.auth(clerk), "Idempotency-Key": "till-7-0001"}
    body = {"code": voucher.code, "order_amount_fen": 5000}
    first = client.post("/api/v1/redemptions", json=body, headers=headers)
    again = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert incentives.balance(customer.id) == 800
    assert _db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 1
    r = client.post("/api/v1/redemptions", json={**body, "order_amount_fen": 6000}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"
    r = client.post("/api/v1/redemptions", json=body, headers=factories.auth(clerk))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_redeemed"


def test_rate_limited_answers_are_not_stored(client, till):
    shop, owner, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    for _ in range(20):
        redeem(client, clerk, code="23456789ABCD", order_amount_fen=1)
    headers = {**factories.auth(clerk), "Idempotency-Key": "after-limit"}
    body = {"code": voucher.code, "order_amount_fen": 20000}
    assert client.post("/api/v1/redemptions", json=body, headers=headers).status_code == 429
    from alliance.core.extensions import attempts

    attempts.clear("redeem", f"till:{clerk.id}")
    assert client.post("/api/v1/redemptions", json=body, headers=headers).status_code == 201


def test_old_keys_are_purged(client, db):
    from alliance.core import idempotency

    coupon = mf.live_coupon(per_customer_limit=3)
    headers = {**factories.auth(mf.customer()), "Idempotency-Key": "old"}
    first = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers).get_json()
    clock.advance(timedelta(hours=25))
    assert idempotency.purge_old_keys() == 1
    second = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers).get_json()
    assert second["id"] != first["id"]

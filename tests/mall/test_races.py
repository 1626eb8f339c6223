"""Real races: many threads against a real server process (gunicorn, several workers) on a real
database, SQLite and PostgreSQL. Every thread waits at a barrier, then all fire at once."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from alliance.core.extensions import db as _db
from mall.coupons.models import Coupon
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import ClaimCounter, Voucher
from tests.mall import factories as mf
from tests.races import fire_at_once

pytestmark = pytest.mark.slow


def answer(response: requests.Response):
    body = response.json()
    return response.status_code, body["error"]["code"] if "error" in body else body["id"]


def fresh(model, *ident):
    _db.session.expire_all()
    return _db.session.get(model, ident if len(ident) > 1 else ident[0])


def test_two_hundred_customers_race_for_fifty_vouchers(app, db, live_server):
    coupon = mf.live_coupon(stock_total=50)
    racers = mf.customers_with_tokens(200)
    db.session.commit()
    url = live_server.api(f"/mall/coupons/{coupon.id}/claims")

    def claim(token):
        return lambda: answer(requests.post(url, headers=mf.bearer(token), timeout=120))

    results = fire_at_once([claim(token) for _, token in racers])
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 50, 409: 150}, (statuses, live_server.log()[-3000:])
    assert {code for status, code in results if status == 409} == {"sold_out"}
    assert fresh(Coupon, coupon.id).stock_remaining == 0
    issued = db.session.scalars(sa.select(Voucher).where(Voucher.coupon_id == coupon.id)).all()
    assert len(issued) == 50 and len({v.user_id for v in issued}) == 50
    assert {v.id for v in issued} == {vid for status, vid in results if status == 201}


def test_one_customer_firing_twenty_claims_against_a_limit_of_two_gets_two(app, db, live_server):
    coupon = mf.live_coupon(stock_total=100, per_customer_limit=2)
    [(customer, token)] = mf.customers_with_tokens(1)
    db.session.commit()
    url = live_server.api(f"/mall/coupons/{coupon.id}/claims")
    results = fire_at_once([lambda: answer(requests.post(url, headers=mf.bearer(token), timeout=120))] * 20)
    assert Counter(status for status, _ in results) == {201: 2, 409: 18}, live_server.log()[-3000:]
    assert {code for status, code in results if status == 409} == {"limit_reached"}
    assert fresh(Coupon, coupon.id).stock_remaining == 98
    assert fresh(ClaimCounter, coupon.id, customer.id).claimed == 2
    held = db.session.scalar(sa.select(sa.func.count(Voucher.id)).where(Voucher.user_id == customer.id))
    assert held == 2


def test_a_daily_limit_holds_under_the_same_fire(app, db, live_server):
    coupon = mf.live_coupon(stock_total=100, per_customer_limit=5, daily_limit=1)
    [(_customer, token)] = mf.customers_with_tokens(1)
    db.session.commit()
    url = live_server.api(f"/mall/coupons/{coupon.id}/claims")
    results = fire_at_once([lambda: answer(requests.post(url, headers=mf.bearer(token), timeout=120))] * 12)
    assert Counter(status for status, _ in results) == {201: 1, 409: 11}
    assert fresh(Coupon, coupon.id).stock_remaining == 99


def test_twelve_tills_redeeming_one_voucher_succeed_once(app, db, live_server):
    shop = mf.merchant()
    partner = mf.merchant()
    coupon = mf.live_coupon(shop, kind="cashback", amount_fen=500, partner_merchant_ids=[partner.id])
    customer = mf.customer()
    voucher = vouchers.claim(customer, coupon.id)
    tills = [mf.owner(shop)] + [mf.clerk(shop) for _ in range(8)] + [mf.clerk(partner) for _ in range(3)]
    tokens = [mf.token_for(user) for user in tills]
    db.session.commit()
    url = live_server.api("/redemptions")

    def redeem(token):
        body = {"code": voucher.code, "order_amount_fen": 8800}
        return lambda: answer(requests.post(url, json=body, headers=mf.bearer(token), timeout=120))

    results = fire_at_once([redeem(token) for token in tokens])
    assert Counter(status for status, _ in results) == {201: 1, 409: 11}, live_server.log()[-3000:]
    assert {code for status, code in results if status == 409} == {"already_redeemed"}
    assert fresh(Voucher, voucher.id).status == "redeemed"
    standing = db.session.scalars(sa.select(Redemption).where(Redemption.voucher_id == voucher.id)).all()
    assert len(standing) == 1
    from alliance.incentives import services as incentives

    assert incentives.balance(customer.id) == 500


def test_a_retried_claim_with_one_idempotency_key_takes_stock_once(app, db, live_server):
    coupon = mf.live_coupon(stock_total=10, per_customer_limit=10)
    [(customer, token)] = mf.customers_with_tokens(1)
    db.session.commit()
    url = live_server.api(f"/mall/coupons/{coupon.id}/claims")
    headers = {**mf.bearer(token), "Idempotency-Key": "phone-retry-1"}

    def claim():
        r = requests.post(url, headers=headers, timeout=120)
        return r.status_code, r.json()

    results = fire_at_once([claim] * 10)
    winners = [body for status, body in results if status == 201]
    # A duplicate waits for the first and returns its answer (or, never here, answers 409 conflict).
    assert len(winners) + sum(1 for s, b in results if s == 409 and b["error"]["code"] == "conflict") == 10
    assert winners and all(body == winners[0] for body in winners)
    later_retry = requests.post(url, headers=headers, timeout=60)
    assert later_retry.status_code == 201 and later_retry.json() == winners[0]
    assert fresh(Coupon, coupon.id).stock_remaining == 9
    held = db.session.scalars(sa.select(Voucher).where(Voucher.user_id == customer.id)).all()
    assert [v.id for v in held] == [winners[0]["id"]]


def test_a_retried_redemption_with_one_idempotency_key_redeems_once(app, db, live_server):
    shop = mf.merchant()
    coupon = mf.live_coupon(shop)
    voucher = vouchers.claim(mf.customer(), coupon.id)
    token = mf.token_for(mf.clerk(shop))
    db.session.commit()
    headers = {**mf.bearer(token), "Idempotency-Key": "till-3-000042"}
    body = {"code": voucher.code, "order_amount_fen": 12000}

    def redeem():
        r = requests.post(live_server.api("/redemptions"), json=body, headers=headers, timeout=120)
        return r.status_code, r.json()

    results = fire_at_once([redeem] * 8)
    assert {status for status, _ in results} == {201}, results
    assert all(b == results[0][1] for _, b in results)
    count = db.session.scalar(
        sa.select(sa.func.count(Redemption.id)).where(Redemption.voucher_id == voucher.id)
    )
    assert count == 1

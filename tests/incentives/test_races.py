"""Real races for incentive cash: twelve tills spending ¥5.00 each of a ¥10.00 balance at once (alone
with the payment code, and with vouchers): exactly two succeed, the rest are `insufficient_balance`,
the balance ends at zero and equals the ledger; a reversal puts ¥5.00 back. SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from alliance.incentives import services as incentives
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests.mall import factories as mf
from tests.mall.test_races import fire_at_once

pytestmark = pytest.mark.slow


def attempts_ready(app) -> None:
    """The failed-attempt counters' side table (SQLite) exists before the workers race to make it."""
    store = app.extensions["attempts"]["store"]
    if hasattr(store, "engine"):
        store.engine()


def answer(response):
    body = response.json()
    return response.status_code, body["error"]["code"] if "error" in body else body["id"]


def test_twelve_tills_spending_five_of_ten_yuan_two_succeed(app, db, live_server):
    shop = mf.merchant()
    customer = mf.customer()
    incentives.credit(customer.id, 1000, incentives.CASHBACK, source_type="test", source_id=1)
    tokens = [mf.token_for(mf.clerk(shop)) for _ in range(12)]
    code = incentives.issue_payment_code(customer)["qr_payload"]
    db.session.commit()

    def spend(token):
        body = {"customer_code": code, "order_amount_fen": 3000, "incentive_fen": 500}
        return lambda: answer(
            requests.post(live_server.api("/redemptions"), json=body, headers=mf.bearer(token), timeout=120)
        )

    attempts_ready(app)
    results = fire_at_once([spend(t) for t in tokens])
    assert Counter(s for s, _ in results) == {201: 2, 409: 10}, (results, live_server.log()[-3000:])
    assert {c for s, c in results if s == 409} == {"insufficient_balance"}
    db.session.expire_all()
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 0
    assert db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 2

    winner = next(c for s, c in results if s == 201)
    r = requests.post(
        live_server.api(f"/redemptions/{winner}/reversal"),
        json={"reason": "取消"},
        headers=mf.bearer(tokens[0]),
        timeout=60,
    )
    assert r.status_code == 200, r.text
    db.session.rollback()  # a new snapshot: the reversal committed after the test's last read
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 500


def test_twelve_vouchers_each_spending_five_of_ten_yuan_two_succeed(app, db, live_server):
    shop = mf.merchant()
    customer = mf.customer()
    incentives.credit(customer.id, 1000, incentives.CASHBACK, source_type="test", source_id=1)
    coupon = mf.live_coupon(shop, per_customer_limit=12)
    held = [vouchers.claim(customer, coupon.id) for _ in range(12)]
    tokens = [mf.token_for(mf.clerk(shop)) for _ in range(12)]
    db.session.commit()

    def redeem(token, voucher):
        body = {"code": voucher.code, "order_amount_fen": 15000, "incentive_fen": 500}
        return lambda: answer(
            requests.post(live_server.api("/redemptions"), json=body, headers=mf.bearer(token), timeout=120)
        )

    attempts_ready(app)
    results = fire_at_once([redeem(t, v) for t, v in zip(tokens, held, strict=True)])
    assert Counter(s for s, _ in results) == {201: 2, 409: 10}, (results, live_server.log()[-3000:])
    assert {c for s, c in results if s == 409} == {"insufficient_balance"}
    db.session.expire_all()
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 0
    used = db.session.scalar(sa.select(sa.func.count(Voucher.id)).where(Voucher.status == "redeemed"))
    assert used == 2, "a refused spend leaves its voucher unused"

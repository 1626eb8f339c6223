"""POST /redemptions with incentive cash (API.md: Referrals and incentive cash): with a voucher or alone
with the customer's payment code, `payable_fen` reduced by it, 409 `insufficient_balance` when the
balance is short (and nothing changed), a reversal puts the cash back."""

from __future__ import annotations

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
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant(name="老王面馆")
    clerk = mf.clerk(shop)
    customer = mf.customer()
    incentives.credit(customer.id, 1000, incentives.CASHBACK, source_type="test", source_id=1)
    return shop, clerk, customer


def redeem(client, user, **body):
    return client.post("/api/v1/redemptions", json=body, headers=factories.auth(user))


def test_spending_with_a_voucher_reduces_what_the_customer_pays(client, till):
    shop, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop).id)  # 满100减20
    r = redeem(client, clerk, code=voucher.code, order_amount_fen=15000, incentive_fen=500)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["discount_fen"], body["incentive_fen"], body["payable_fen"]) == (2000, 500, 12500)
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 500


def test_spending_alone_with_a_payment_code_typed_or_scanned(client, till):
    shop, clerk, customer = till
    issued = incentives.issue_payment_code(customer)
    for text in (issued["code"], issued["qr_payload"]):
        r = redeem(client, clerk, customer_code=text, order_amount_fen=3000, incentive_fen=500)
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        assert (body["voucher_id"], body["discount_fen"], body["incentive_fen"], body["payable_fen"]) == (
            None,
            0,
            500,
            2500,
        )
        assert body["coupon_title"] is None
    assert incentives.balance(customer.id) == 0
    listed = client.get(f"/api/v1/merchants/{shop.id}/redemptions", headers=factories.auth(clerk))
    assert listed.status_code == 200


def test_a_short_balance_is_insufficient_and_changes_nothing(client, till):
    shop, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop).id)
    r = redeem(client, clerk, code=voucher.code, order_amount_fen=15000, incentive_fen=1001)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "insufficient_balance"
    _db.session.expire_all()
    assert _db.session.get(Voucher, voucher.id).status == "active"
    assert _db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 0
    assert incentives.balance(customer.id) == 1000
    code = incentives.issue_payment_code(customer)["code"]
    r = redeem(client, clerk, customer_code=code, order_amount_fen=5000, incentive_fen=1200)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "insufficient_balance"


def test_refusals_name_their_field(client, till):
    shop, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop).id)
    too_much = redeem(client, clerk, code=voucher.code, order_amount_fen=15000, incentive_fen=13001)
    assert too_much.status_code == 422 and "incentive_fen" in too_much.get_json()["error"]["fields"]
    someone_else = incentives.issue_payment_code(mf.customer())["code"]
    wrong = redeem(
        client,
        clerk,
        code=voucher.code,
        order_amount_fen=15000,
        incentive_fen=100,
        customer_code=someone_else,
    )
    assert wrong.status_code == 422 and "customer_code" in wrong.get_json()["error"]["fields"]
    forged = redeem(client, clerk, customer_code="23456789AB", order_amount_fen=1000, incentive_fen=100)
    assert forged.status_code == 422 and forged.get_json()["error"]["code"] == "invalid_code"
    nothing = redeem(client, clerk, order_amount_fen=1000, incentive_fen=100)
    assert nothing.status_code == 422 and "code" in nothing.get_json()["error"]["fields"]
    negative = redeem(client, clerk, code=voucher.code, order_amount_fen=15000, incentive_fen=-1)
    assert negative.status_code == 422
    _db.session.expire_all()
    assert _db.session.get(Voucher, voucher.id).status == "active" and incentives.balance(customer.id) == 1000


def test_a_reversal_puts_the_incentive_cash_back(client, till):
    shop, clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop).id)
    with_voucher = redeem(
        client, clerk, code=voucher.code, order_amount_fen=15000, incentive_fen=400
    ).get_json()
    code = incentives.issue_payment_code(customer)["code"]
    alone = redeem(client, clerk, customer_code=code, order_amount_fen=3000, incentive_fen=600).get_json()
    assert incentives.balance(customer.id) == 0
    for done in (with_voucher, alone):
        r = client.post(
            f"/api/v1/redemptions/{done['id']}/reversal",
            json={"reason": "顾客取消"},
            headers=factories.auth(clerk),
        )
        assert r.status_code == 200, r.get_json()
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 1000
    kinds = [e.kind for e in incentives.entries(customer.id)]
    assert kinds.count("spend_refund") == 2

"""The till page with incentive cash: a payment code on its own or beside a voucher; the console
recognises it and quotes what it takes off; the receipt says 激励金抵扣; the customer's entries say
where the cash went."""

from __future__ import annotations

import pytest

from alliance.core import clock
from alliance.incentives import services as incentives
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def till(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant(name="老王面馆")
    clerk = mf.clerk(shop)
    customer = mf.customer()
    incentives.credit(customer.id, 1000, incentives.CASHBACK, source_type="test", source_id=1)
    factories.login(client, clerk)
    return shop, clerk, customer


def test_a_payment_code_alone_pays_part_of_the_bill(client, till):
    _shop, _clerk, customer = till
    code = incentives.issue_payment_code(customer)["code"]
    grouped = code[:5] + "-" + code[5:]
    looked = client.post("/till/lookup", json={"code": grouped, "amount": "30"}).get_json()
    assert looked["ok"] and looked["title"] == "激励金" and looked["quote"]["payable"] == "¥20.00"
    done = client.post("/till/confirm", data={"code": grouped, "amount": "30", "nonce": "a" * 16})
    assert done.status_code == 302, text(done)
    receipt = text(client.get(done.headers["Location"]))
    assert (
        "激励金付款" in receipt and "激励金抵扣" in receipt and "-¥10.00" in receipt and "¥20.00" in receipt
    )
    assert incentives.balance(customer.id) == 0
    assert "激励金抵扣" in text(client.get("/till/today"))
    # With nothing left, the till says so in words.
    again = client.post(
        "/till/confirm",
        data={"code": incentives.issue_payment_code(customer)["code"], "amount": "30", "nonce": "b" * 16},
    )
    assert again.status_code == 409 and "没有可用的激励金" in text(again)


def test_a_voucher_and_a_payment_code_together(app, client, till):
    shop, _clerk, customer = till
    voucher = vouchers.claim(customer, mf.live_coupon(shop, title="满100减20").id)
    payload = incentives.issue_payment_code(customer)["qr_payload"]
    done = client.post(
        "/till/confirm",
        data={"code": voucher.code, "customer_code": payload, "amount": "105", "nonce": "c" * 16},
    )
    assert done.status_code == 302, text(done)
    receipt = text(client.get(done.headers["Location"]))
    assert "满100减20" in receipt and "-¥20.00" in receipt and "激励金抵扣" in receipt and "¥75.00" in receipt
    assert incentives.balance(customer.id) == 0
    shopper = app.test_client()
    factories.login(shopper, customer)
    ledger = text(shopper.get("/wallet/incentives"))
    assert "到店抵扣" in ledger and "老王面馆" in ledger and "-¥10.00" in ledger


def test_a_forged_payment_code_is_refused(client, till):
    r = client.post("/till/lookup", json={"code": "PAY.forged.payload", "amount": "30"})
    assert r.status_code == 422 and not r.get_json()["ok"]

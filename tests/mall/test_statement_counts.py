"""How many SQL statements the hot paths cost, counted around a real request through the test client
(every statement the driver runs, BEGIN and COMMIT aside). A claim in at most 6, a redemption in at
most 8: more means a reload or a read crept back in."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from alliance.core.extensions import db as _db
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf

CLAIM_MAX = 6
REDEMPTION_MAX = 8
CASHBACK_LEDGER = 3
NOT_COUNTED = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)
# The failed-attempt counters (alliance.core.counters) live in the database when no Redis is set up,
# as in these tests (with Redis they cost no SQL). They belong to the rate limit, not the claim.
ATTEMPT_COUNTERS = re.compile(r"\battempt_counters\b")


@contextmanager
def counted():
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not NOT_COUNTED.match(statement) and not ATTEMPT_COUNTERS.search(statement):
            statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def show(statements: list[str]) -> str:
    return "\n".join(f"{i + 1}. {s[:160]}" for i, s in enumerate(statements))


@pytest.mark.parametrize("daily_limit", [None, 2])
def test_a_claim_costs_at_most_six_statements(client, db, daily_limit):
    coupon_id = mf.live_coupon(stock_total=10, per_customer_limit=2, daily_limit=daily_limit).id
    [(_first, warm_up), (_customer, token)] = mf.customers_with_tokens(2)
    # The process's first claim reads the programme's windows, which it then keeps for a moment.
    client.post(f"/api/v1/mall/coupons/{coupon_id}/claims", headers=mf.bearer(warm_up))
    with counted() as statements:
        r = client.post(f"/api/v1/mall/coupons/{coupon_id}/claims", headers=mf.bearer(token))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["coupon"]["id"] == coupon_id
    assert len(statements) <= CLAIM_MAX, show(statements)


def test_a_sold_out_claim_takes_nothing(client, db):
    coupon = mf.live_coupon(stock_total=1)
    vouchers.claim(mf.customer(), coupon.id)
    [(_customer, token)] = mf.customers_with_tokens(1)
    db.session.commit()
    r = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=mf.bearer(token))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "sold_out"


@pytest.mark.parametrize("kind", ["threshold_cut", "cashback"])
def test_a_redemption_costs_at_most_eight_statements(client, db, kind, monkeypatch):
    """The redemption core with its own after-redeem hook (cashback). The other features' hooks
    (promotions, referrals, funding) add their own statements and are counted by their own tests."""
    from mall.redemption import hooks

    monkeypatch.setattr(hooks, "_hooks", [h for h in hooks._hooks if h.name == "cashback"])
    shop = mf.merchant()
    fields = {"kind": "cashback", "amount_fen": 500} if kind == "cashback" else {}
    coupon = mf.live_coupon(shop, **fields)
    code = vouchers.claim(mf.customer(), coupon.id).code
    headers = factories.auth(mf.clerk(shop))
    client.get("/healthz")
    with counted() as statements:
        r = client.post(
            "/api/v1/redemptions", json={"code": code, "order_amount_fen": 12000}, headers=headers
        )
    assert r.status_code == 201, r.get_json()
    # A cashback voucher also books the incentive ledger: its entry, the balance, and the entry read back.
    allowed = REDEMPTION_MAX + (CASHBACK_LEDGER if kind == "cashback" else 0)
    assert len(statements) <= allowed, show(statements)

"""Chains (连环券): redeeming the lead's voucher issues each accepting partner's coupon, once; never
fails the till; reversal revokes the unused rewards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.notifications.models import Notification
from mall.coupons.models import Coupon
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests import factories
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf


@pytest.fixture
def chain(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, lead, _lead_owner, partners = pf.approved(
        "chain", industries=("entertainment", "housekeeping"), min_order_fen=15000
    )
    customer = mf.customer()
    voucher = vouchers.claim(customer, promotion.coupon_id)
    return promotion, lead, partners, customer, voucher, mf.clerk(lead)


def redeem(client, clerk, voucher, amount=20000, **headers):
    return client.post(
        "/api/v1/redemptions",
        json={"code": voucher.code, "order_amount_fen": amount},
        headers={**factories.auth(clerk), **headers},
    )


def rewards_of(customer):
    return sorted(
        (v.coupon_id, v.status, v.promotion_id, v.issued_by_redemption_id)
        for v in Voucher.query.filter(
            Voucher.user_id == customer.id, Voucher.issued_by_redemption_id.is_not(None)
        )
    )


def test_redeeming_the_leads_voucher_issues_one_of_each_partners_coupon(client, db, chain):
    promotion, lead, partners, customer, voucher, clerk = chain
    r = redeem(client, clerk, voucher)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    expected = [
        {"id": body["issued_vouchers"][i]["id"], "coupon_id": c.id, "merchant_id": m.id}
        for i, (m, _, c) in enumerate(partners)
    ]
    assert [
        {k: v[k] for k in ("id", "coupon_id", "merchant_id")} for v in body["issued_vouchers"]
    ] == expected
    assert rewards_of(customer) == [(c.id, "active", promotion.id, body["id"]) for _, _, c in partners]
    for _, _, c in partners:
        assert db.session.get(Coupon, c.id).stock_remaining == c.stock_total - 1
    note = Notification.query.filter_by(user_id=customer.id, kind="chain_reward").one()
    assert note.params["lead"] == lead.name


def test_an_order_under_the_chains_minimum_issues_nothing(client, db, chain):
    *_, customer, voucher, clerk = chain
    r = redeem(client, clerk, voucher, amount=14999)
    assert r.status_code == 201 and r.get_json()["issued_vouchers"] == []
    assert rewards_of(customer) == []


def test_a_retry_with_the_same_idempotency_key_issues_nothing_more(client, db, chain):
    *_, customer, voucher, clerk = chain
    first = redeem(client, clerk, voucher, **{"Idempotency-Key": "till-1"})
    again = redeem(client, clerk, voucher, **{"Idempotency-Key": "till-1"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert len(rewards_of(customer)) == 2


def test_a_partner_coupon_out_of_stock_still_lets_the_till_redeem(client, db, chain):
    _promotion, _lead, partners, _customer, voucher, clerk = chain
    empty = partners[0][2]
    db.session.execute(sa.update(Coupon).where(Coupon.id == empty.id).values(stock_remaining=0))
    r = redeem(client, clerk, voucher)
    assert r.status_code == 201, r.get_json()
    assert [v["coupon_id"] for v in r.get_json()["issued_vouchers"]] == [partners[1][2].id]
    assert db.session.get(Coupon, empty.id).stock_remaining == 0


def test_reversal_revokes_unused_rewards_and_keeps_used_ones(client, db, chain):
    _promotion, _lead, partners, customer, voucher, clerk = chain
    body = redeem(client, clerk, voucher).get_json()
    used = db.session.get(Voucher, body["issued_vouchers"][0]["id"])
    partner_clerk = mf.clerk(partners[0][0])
    r = client.post(
        "/api/v1/redemptions",
        json={"code": used.code, "order_amount_fen": 3000},
        headers=factories.auth(partner_clerk),
    )
    assert r.status_code == 201, r.get_json()
    back = client.post(
        f"/api/v1/redemptions/{body['id']}/reversal",
        json={"reason": "顾客退单"},
        headers=factories.auth(clerk),
    )
    assert back.status_code == 200, back.get_json()
    assert [s for _, s, _, _ in rewards_of(customer)] == ["redeemed", "revoked"]
    revoked = db.session.get(Voucher, body["issued_vouchers"][1]["id"])
    assert db.session.get(Coupon, revoked.coupon_id).stock_remaining == partners[1][2].stock_total
    # a revoked voucher is refused at the till, in words
    r = client.post(
        "/api/v1/redemptions",
        json={"code": revoked.code, "order_amount_fen": 3000},
        headers=factories.auth(mf.clerk(partners[1][0])),
    )
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"
    # redeeming the lead's voucher again (a new redemption) gives new rewards
    again = redeem(client, clerk, voucher)
    assert again.status_code == 201 and len(again.get_json()["issued_vouchers"]) == 2

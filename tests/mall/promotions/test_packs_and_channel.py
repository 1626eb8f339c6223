"""Coupon packs (券包) all or nothing, naming the member that failed; reward-only coupons stay out of
the mall's list, pages and search, and a direct claim is `not_claimable`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.core import clock
from mall.coupons.models import Coupon
from mall.vouchers.models import ClaimCounter, Voucher
from tests import factories
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf


@pytest.fixture
def pack(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, lead, _lead_owner, partners = pf.approved(
        "pack",
        lead_coupon={"kind": "cash", "amount_fen": 3000, "title": "火锅 ¥30"},
        industries=("entertainment", "housekeeping"),
        partner_coupons=[{"stock_total": 5}, {"stock_total": 50, "title": "家政 ¥20"}],
    )
    return promotion, lead, partners


def claim(client, customer, promotion, **headers):
    return client.post(
        f"/api/v1/mall/promotions/{promotion.id}/claims", headers={**factories.auth(customer), **headers}
    )


def stocks(promotion):
    db_session = Coupon.query.session
    db_session.expire_all()
    ids = [promotion.coupon_id, *(p.coupon_id for p in promotion.partners)]
    return [db_session.get(Coupon, i).stock_remaining for i in sorted(ids)]


def test_one_claim_gives_a_voucher_of_every_member(client, db, pack):
    promotion, _lead, partners = pack
    customer = mf.customer()
    r = claim(client, customer, promotion)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()["vouchers"]
    assert sorted(v["coupon_id"] for v in got) == sorted(
        [promotion.coupon_id, *(c.id for _, _, c in partners)]
    )
    held = Voucher.query.filter_by(user_id=customer.id).all()
    assert {v.promotion_id for v in held} == {promotion.id} and len(held) == 3


def test_a_failing_member_is_named_and_takes_no_stock_from_the_others(client, db, pack):
    promotion, _lead, partners = pack
    before = stocks(promotion)
    db.session.execute(sa.update(Coupon).where(Coupon.id == partners[1][2].id).values(stock_remaining=0))
    customer = mf.customer()
    r = claim(client, customer, promotion)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "sold_out"
    assert "家政 ¥20" in r.get_json()["error"]["message"]
    assert stocks(promotion)[:2] == before[:2]
    assert Voucher.query.filter_by(user_id=customer.id).count() == 0
    assert ClaimCounter.query.filter_by(user_id=customer.id).count() == 0


def test_the_per_customer_limit_of_a_member_holds_for_the_pack(client, db, pack):
    promotion, *_ = pack
    customer = mf.customer()
    assert claim(client, customer, promotion).status_code == 201
    r = claim(client, customer, promotion)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "limit_reached"
    assert "火锅 ¥30" in r.get_json()["error"]["message"]
    assert Voucher.query.filter_by(user_id=customer.id).count() == 3


def test_a_pack_claim_honours_the_idempotency_key(client, db, pack):
    promotion, *_ = pack
    customer = mf.customer()
    first = claim(client, customer, promotion, **{"Idempotency-Key": "pack-1"})
    again = claim(client, customer, promotion, **{"Idempotency-Key": "pack-1"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert Voucher.query.filter_by(user_id=customer.id).count() == 3


def test_a_chain_is_not_claimed_as_a_pack(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, *_ = pf.approved("chain")
    assert claim(client, mf.customer(), promotion).status_code == 404


def test_reward_coupons_are_absent_from_the_mall_and_refused_on_a_direct_claim(client, db, pack):
    promotion, _lead, partners = pack
    reward = partners[0][2]
    assert reward.channel == "reward"
    listed = client.get("/api/v1/mall/coupons?per_page=100").get_json()
    ids = {c["id"] for c in listed["items"]}
    assert promotion.coupon_id in ids and reward.id not in ids and listed["total"] == 1
    searched = client.get("/api/v1/mall/coupons", query_string={"q": "¥20"}).get_json()
    assert searched["total"] == 0
    for path in ("/mall", "/mall?q=%C2%A520", f"/mall/coupons/{reward.id}"):
        page = client.get(path)
        assert reward.title not in page.get_data(as_text=True) or page.status_code == 404, path
    r = client.post(f"/api/v1/mall/coupons/{reward.id}/claims", headers=factories.auth(mf.customer()))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_claimable"
    assert client.get(f"/api/v1/coupons/{reward.id}").status_code == 404


def test_the_coupon_api_takes_and_shows_the_channel(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    r = client.post(
        f"/api/v1/merchants/{shop.id}/coupons",
        json={**mf.DEFAULTS, "channel": "reward"},
        headers=factories.auth(owner),
    )
    assert r.status_code == 201 and r.get_json()["channel"] == "reward"
    r = client.post(
        f"/api/v1/merchants/{shop.id}/coupons",
        json={**mf.DEFAULTS, "channel": "x"},
        headers=factories.auth(owner),
    )
    assert r.status_code == 422 and "channel" in r.get_json()["error"]["fields"]
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=mf.DEFAULTS, headers=factories.auth(owner))
    assert r.get_json()["channel"] == "mall"

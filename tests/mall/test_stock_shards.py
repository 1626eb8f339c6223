"""Stock shards: a large coupon's stock in several rows. A claim takes from one shard and falls
through to the others; the remaining stock shown is exact; nothing oversells under a real race."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from alliance.core.errors import SoldOut
from mall.coupons.models import Coupon, CouponStockShard
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests.mall import factories as mf
from tests.mall.test_races import answer, fire_at_once


@pytest.fixture
def app_config(app_config):
    return {**app_config, "STOCK_SHARDS": 8, "STOCK_SHARD_MIN": 10}


def shards(db, coupon_id: int) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(CouponStockShard.remaining)
            .where(CouponStockShard.coupon_id == coupon_id)
            .order_by(CouponStockShard.shard)
        )
    )


def fresh_coupon(db, coupon_id: int) -> Coupon:
    db.session.expire_all()
    return db.session.get(Coupon, coupon_id)


def test_a_large_coupon_is_sharded_when_approved_a_small_one_is_not(db):
    large = mf.live_coupon(stock_total=50)
    small = mf.live_coupon(stock_total=9)
    assert large.stock_shards == 8 and shards(db, large.id) == [7, 7, 6, 6, 6, 6, 6, 6]
    assert small.stock_shards == 0 and shards(db, small.id) == []
    assert fresh_coupon(db, large.id).stock_left == 50


def test_claims_fall_through_to_other_shards_and_the_remaining_stock_is_exact(db, client):
    coupon_id = mf.live_coupon(stock_total=10).id  # shards of 2, 2, 1, 1, 1, 1, 1, 1
    customers = mf.fast_customers(12)
    for customer in customers[:10]:
        vouchers.claim(customer, coupon_id)
        db.session.commit()
    coupon = fresh_coupon(db, coupon_id)
    assert shards(db, coupon_id) == [0] * 8
    assert coupon.stock_left == 0 and coupon.stock_remaining == 0
    with pytest.raises(SoldOut):
        vouchers.claim(customers[10], coupon_id)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Voucher.id))) == 10
    listed = client.get("/api/v1/mall/coupons?per_page=100").get_json()["items"]
    assert coupon_id not in [c["id"] for c in listed]  # sold out: no longer live


def test_the_remaining_stock_shown_counts_every_shard(db, client):
    coupon_id = mf.live_coupon(stock_total=40).id
    for customer in mf.fast_customers(3):
        vouchers.claim(customer, coupon_id)
    db.session.commit()
    assert sum(shards(db, coupon_id)) == 37
    assert fresh_coupon(db, coupon_id).stock_left == 37
    listed = client.get("/api/v1/mall/coupons?per_page=100").get_json()["items"]
    assert [c["remaining"] for c in listed if c["id"] == coupon_id] == [37]
    page = client.get(f"/mall/coupons/{coupon_id}").get_data(as_text=True)
    assert "37" in page


@pytest.mark.slow
def test_two_hundred_customers_race_for_fifty_vouchers_in_eight_shards(app, db, live_server):
    coupon = mf.live_coupon(stock_total=50)
    assert coupon.stock_shards == 8
    racers = mf.customers_with_tokens(200)
    db.session.commit()
    url = live_server.api(f"/mall/coupons/{coupon.id}/claims")

    def claim(token):
        return lambda: answer(requests.post(url, headers=mf.bearer(token), timeout=120))

    results = fire_at_once([claim(token) for _, token in racers])
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 50, 409: 150}, (statuses, live_server.log()[-3000:])
    assert {code for status, code in results if status == 409} == {"sold_out"}
    assert shards(db, coupon.id) == [0] * 8
    after = fresh_coupon(db, coupon.id)
    assert after.stock_left == 0 and after.stock_remaining == 0
    issued = db.session.scalars(sa.select(Voucher).where(Voucher.coupon_id == coupon.id)).all()
    assert len(issued) == 50 and len({v.user_id for v in issued}) == 50

"""The home page's lists: today's offers a few per district, and the coupons whose claiming ends first."""

from __future__ import annotations

from datetime import timedelta

from alliance.core import clock
from mall.coupons import services
from tests import factories
from tests.mall import factories as mf


def test_today_by_district_takes_the_newest_few_of_each(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    east, west = factories.district(name="东"), factories.district(name="西")
    east_shop, west_shop = mf.merchant(east), mf.merchant(west)
    base = clock.now_utc() - timedelta(days=1)
    east_ids = [
        mf.live_coupon(east_shop, title=f"e{i}", approved_at=base + timedelta(minutes=i)).id for i in range(6)
    ]
    west_ids = [
        mf.live_coupon(west_shop, title=f"w{i}", approved_at=base + timedelta(hours=i)).id for i in range(2)
    ]
    mf.live_coupon(mf.merchant(east), title="hidden").merchant.status = "suspended"
    groups = services.live_by_district(per_district=4)
    assert [(d.name, [c.id for c in items]) for d, items in groups] == [
        ("东", east_ids[::-1][:4]),
        ("西", west_ids[::-1]),
    ]


def test_last_chance_lists_the_coupons_whose_claiming_ends_first(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant()
    later = mf.live_coupon(shop, claim_ends_at=mf.at("2026-12-05 00:00"))
    first = mf.live_coupon(shop, claim_ends_at=mf.at("2026-12-02 18:00"))
    mf.live_coupon(shop)  # no end: never a last chance
    gone = mf.live_coupon(shop, claim_ends_at=mf.at("2026-12-03 00:00"), stock_total=1)
    from mall.vouchers import services as vouchers

    vouchers.claim(mf.customer(), gone.id)
    assert [c.id for c in services.ending_soon()] == [first.id, later.id]
    clock.freeze(mf.at("2026-12-02 18:00"))
    assert [c.id for c in services.ending_soon()] == [later.id]

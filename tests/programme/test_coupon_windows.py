"""Coupons linked to the programme open and close with it, to the second, by the clock alone: a
theme's from its first local midnight to the end of its last day, a daily deal's on its weekdays."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from alliance.core import clock
from alliance.core.errors import NotClaimable
from mall.coupons import services as coupons
from mall.coupons.services import MallFilters
from mall.programme import linking
from mall.programme.constants import EntryKind
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf
from tests.programme import factories as pf

SH = clock.local_zone()


def local(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH).astimezone(clock.UTC)


@pytest.fixture
def shop_and_staff(db):
    clock.freeze(local(2026, 11, 20, 9))
    shop = mf.merchant()
    staff = pf.staff_of(shop.district.branch)
    return shop, staff


def _claimable(coupon, customer) -> bool:
    """Both ways the mall asks: the claim itself (then undone) and the mall's list."""
    from alliance.core.extensions import db

    listed = coupon.id in {c.id for c in coupons.mall_list(MallFilters())[0]}
    try:
        with db.session.begin_nested() as nested:
            vouchers.claim(customer, coupon.id)
            nested.rollback()
        claimed = True
    except NotClaimable:
        claimed = False
    assert listed == claimed, f"the list says {listed}, the claim says {claimed}"
    return claimed


def test_a_themes_coupons_open_at_its_first_midnight_and_close_after_its_last_day(shop_and_staff, db):
    shop, staff = shop_and_staff
    theme = pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="美食月")
    coupon = mf.live_coupon(shop, stock_total=100, per_customer_limit=50)
    linking.set_coupons(staff, theme, [coupon.id])
    db.session.commit()
    customer = factories.user("customer")
    start, end = local(2026, 12, 1), local(2027, 1, 1)
    clock.freeze(start - timedelta(seconds=1))
    assert not _claimable(coupon, customer)
    clock.freeze(start)
    assert _claimable(coupon, customer)
    clock.freeze(end - timedelta(seconds=1))
    assert _claimable(coupon, customer)
    clock.freeze(end)
    assert not _claimable(coupon, customer)
    with pytest.raises(NotClaimable):
        vouchers.claim(customer, coupon.id)


def test_a_daily_deals_coupon_is_claimable_only_on_its_weekdays_in_local_time(shop_and_staff, db):
    shop, staff = shop_and_staff
    deal = pf.entry(
        staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[3], title="周三半价"
    )
    coupon = mf.live_coupon(shop, stock_total=100, per_customer_limit=50)
    linking.set_coupons(staff, deal, [coupon.id])
    db.session.commit()
    customer = factories.user("customer")
    # Wednesday 2 December begins at 16:00 UTC on Tuesday: local time decides, not UTC.
    clock.freeze(local(2026, 12, 1, 23, 59, 59))
    assert not _claimable(coupon, customer)
    clock.freeze(local(2026, 12, 2, 0, 0, 0))
    assert _claimable(coupon, customer)
    clock.freeze(local(2026, 12, 2, 23, 59, 59))
    assert _claimable(coupon, customer)
    clock.freeze(local(2026, 12, 3))
    assert not _claimable(coupon, customer)
    for day in range(3, 9):  # Thursday to Tuesday
        clock.freeze(local(2026, 12, day, 12))
        assert not _claimable(coupon, customer)
    clock.freeze(local(2026, 12, 9, 12))
    assert _claimable(coupon, customer)


def test_an_unlinked_coupon_is_untouched_and_a_coupon_joins_one_entry_only(shop_and_staff, db):
    from alliance.core.errors import ValidationFailed

    shop, staff = shop_and_staff
    theme = pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1))
    fest = pf.entry(staff, EntryKind.FESTIVAL, date(2026, 12, 10))
    linked, free = mf.live_coupon(shop), mf.live_coupon(shop)
    linking.set_coupons(staff, theme, [linked.id])
    db.session.commit()
    customer = factories.user("customer")
    assert _claimable(free, customer) and not _claimable(linked, customer)
    with pytest.raises(ValidationFailed):
        linking.set_coupons(staff, fest, [linked.id])


def test_a_closed_daily_deal_coupon_says_coming_soon_not_ended(shop_and_staff, db):
    from mall.coupons import cards

    shop, staff = shop_and_staff
    deal = pf.entry(
        staff,
        EntryKind.DAILY_DEAL,
        date(2026, 12, 1),
        repeats="weekly",
        weekdays=[3],
        until=date(2026, 12, 9),
    )
    coupon = mf.live_coupon(shop)
    linking.set_coupons(staff, deal, [coupon.id])
    db.session.commit()
    customer = factories.user("customer")
    clock.freeze(local(2026, 12, 3, 12))  # a Thursday: the next Wednesday is coming
    assert cards.cards_for(customer, [coupon])[0].state == cards.UPCOMING
    clock.freeze(local(2026, 12, 2, 12))
    assert cards.cards_for(customer, [coupon])[0].state == cards.CLAIM
    clock.freeze(local(2026, 12, 10, 12))  # after the last Wednesday
    assert cards.cards_for(customer, [coupon])[0].state == cards.ENDED


def test_staff_link_coupons_through_the_api_and_the_form(shop_and_staff, client, db):
    shop, staff = shop_and_staff
    coupon = mf.live_coupon(shop, title="本网点的券")
    other_branch_coupon = mf.live_coupon(mf.merchant(), title="别的网点的券")
    h = factories.auth(staff)
    body = {
        "kind": "festival",
        "title": "Fest",
        "branch_id": staff.branch_id,
        "all_day": True,
        "starts_at": "2026-12-10T00:00:00",
        "ends_at": "2026-12-13T00:00:00",
        "coupon_ids": [coupon.id],
    }
    r = client.post("/api/v1/programme/entries", json=body, headers=h)
    assert r.status_code == 201 and r.json["coupon_ids"] == [coupon.id]
    r = client.post(
        "/api/v1/programme/entries", json={**body, "coupon_ids": [other_branch_coupon.id]}, headers=h
    )
    assert r.status_code == 422 and "coupon_ids" in r.json["error"]["fields"]
    factories.login(client, staff)
    page = client.get("/staff/programme/entries/new/monthly_theme").get_data(as_text=True)
    assert coupon.title in page and other_branch_coupon.title not in page
    r = client.post(
        "/staff/programme/entries/new/monthly_theme",
        data={
            "title": "主题",
            "branch_id": staff.branch_id,
            "first_day": "2027-01-01",
            "status": "published",
            "recurrence": "none",
            "coupon_ids": [str(coupon.id)],
        },
    )
    assert r.status_code == 200 and "一张优惠券只能属于一个活动项目" in r.get_data(as_text=True)

"""The claim's reusable steps: check, take stock of one or several coupons (all or nothing, in id
order), issue vouchers. A coupon pack or a chain reward composes them like `claim` does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.errors import Forbidden, LimitReached, NotClaimable, SoldOut
from mall.coupons import services as coupons
from mall.coupons.models import Coupon
from mall.vouchers import services as vouchers
from mall.vouchers.models import ClaimCounter, DailyClaimCounter, Voucher
from tests.mall import factories as mf


def stock(db, coupon_id: int) -> int:
    return db.session.scalar(sa.select(Coupon.stock_remaining).where(Coupon.id == coupon_id))


def counter(db, coupon_id: int, user_id: int) -> int:
    found = db.session.get(ClaimCounter, (coupon_id, user_id))
    db.session.expire_all()
    return found.claimed if found else 0


def test_a_pack_takes_one_of_each_and_issues_a_voucher_of_each(db):
    shop = mf.merchant()
    first, second = mf.live_coupon(shop, stock_total=5), mf.live_coupon(shop, stock_total=5)
    customer = mf.customer()
    now = clock.now_utc()
    pack = [second, first]
    for coupon in pack:
        vouchers.check_claim(customer, coupon, now)
    vouchers.take_stock(customer, pack, now)
    issued = vouchers.issue_vouchers(customer, pack, now)
    assert [v.coupon_id for v in issued] == [second.id, first.id]
    assert all(v.id and v.status == "active" and v.user_id == customer.id for v in issued)
    assert stock(db, first.id) == 4 and stock(db, second.id) == 4
    assert counter(db, first.id, customer.id) == 1 and counter(db, second.id, customer.id) == 1
    stored = db.session.scalars(sa.select(Voucher).where(Voucher.user_id == customer.id)).all()
    assert sorted(v.code for v in stored) == sorted(v.code for v in issued)


def test_a_pack_with_one_sold_out_coupon_takes_nothing_and_names_it(db):
    shop = mf.merchant()
    plenty, scarce, more = (mf.live_coupon(shop, stock_total=n) for n in (5, 1, 5))
    vouchers.claim(mf.customer(), scarce.id)
    customer = mf.customer()
    with pytest.raises(SoldOut) as info:
        vouchers.take_stock(customer, [plenty, scarce, more], clock.now_utc())
    assert info.value.coupon_id == scarce.id
    assert set(info.value.failures) == {scarce.id}
    assert [stock(db, c.id) for c in (plenty, scarce, more)] == [5, 0, 5]
    assert [counter(db, c.id, customer.id) for c in (plenty, scarce, more)] == [0, 0, 0]


def test_every_failing_coupon_is_reported_the_first_by_id_is_raised(db):
    shop = mf.merchant()
    limited = mf.live_coupon(shop, stock_total=5, per_customer_limit=1)
    fine = mf.live_coupon(shop, stock_total=5)
    scarce = mf.live_coupon(shop, stock_total=1)
    customer = mf.customer()
    vouchers.claim(customer, limited.id)
    vouchers.claim(mf.customer(), scarce.id)
    with pytest.raises(LimitReached) as info:
        vouchers.take_stock(customer, [scarce, fine, limited], clock.now_utc())
    assert info.value.coupon_id == limited.id
    failed = {k: type(v) for k, v in info.value.failures.items()}
    assert failed == {limited.id: LimitReached, scarce.id: SoldOut}
    assert stock(db, fine.id) == 5 and counter(db, fine.id, customer.id) == 0
    assert counter(db, limited.id, customer.id) == 1


def test_a_failed_daily_limit_gives_back_the_per_customer_count(db):
    coupon = mf.live_coupon(stock_total=5, per_customer_limit=3, daily_limit=1)
    customer = mf.customer()
    vouchers.claim(customer, coupon.id)
    with pytest.raises(LimitReached):
        vouchers.claim(customer, coupon.id)
    assert counter(db, coupon.id, customer.id) == 1
    daily = db.session.scalars(sa.select(DailyClaimCounter.claimed)).all()
    assert daily == [1] and stock(db, coupon.id) == 4


def test_a_withdrawn_coupon_in_a_pack_is_not_claimable(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    live, ended = mf.live_coupon(shop, owner), mf.live_coupon(shop, owner)
    customer = mf.customer()
    now = clock.now_utc()
    coupons.withdraw(owner, ended)
    with pytest.raises(NotClaimable):
        vouchers.take_stock(customer, [live, ended], now)
    assert stock(db, live.id) == 100 and counter(db, live.id, customer.id) == 0


def test_check_claim_refuses_non_customers(db):
    coupon = mf.live_coupon()
    with pytest.raises(Forbidden):
        vouchers.check_claim(mf.clerk(coupon.merchant), coupon, clock.now_utc())


def test_issue_vouchers_takes_extra_fields_and_draws_unique_codes(db):
    coupon = mf.live_coupon(stock_total=50, per_customer_limit=50)
    customer = mf.customer()
    now = clock.now_utc()
    issued = vouchers.issue_vouchers(customer, [coupon] * 20, now, valid_until=None)
    assert len({v.code for v in issued}) == 20 and all(v.valid_until is None for v in issued)

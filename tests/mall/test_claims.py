"""Claiming at the service level: stock, per-customer and daily limits, windows, audience, validity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from alliance.core import clock
from alliance.core.errors import Forbidden, LimitReached, NotClaimable, NotFound, SoldOut
from mall.coupons import services as coupons
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import ClaimCounter
from tests.mall import factories as mf


def test_a_claim_takes_one_from_stock_and_issues_a_voucher(db):
    coupon = mf.live_coupon(stock_total=3)
    customer = mf.customer()
    voucher = vouchers.claim(customer, coupon.id)
    db.session.refresh(coupon)
    assert coupon.stock_remaining == 2
    assert voucher.status == "active" and voucher.user_id == customer.id
    assert voucher.merchant_id == coupon.merchant_id and len(voucher.code) == 12


def test_sold_out_once_the_stock_is_gone(db):
    coupon = mf.live_coupon(stock_total=2)
    vouchers.claim(mf.customer(), coupon.id)
    vouchers.claim(mf.customer(), coupon.id)
    with pytest.raises(SoldOut):
        vouchers.claim(mf.customer(), coupon.id)
    db.session.refresh(coupon)
    assert coupon.stock_remaining == 0


def test_per_customer_limit(db):
    coupon = mf.live_coupon(per_customer_limit=2)
    customer = mf.customer()
    vouchers.claim(customer, coupon.id)
    vouchers.claim(customer, coupon.id)
    db.session.commit()
    with pytest.raises(LimitReached) as info:
        vouchers.claim(customer, coupon.id)
    assert "2" in str(info.value.message)
    db.session.rollback()
    assert db.session.get(ClaimCounter, (coupon.id, customer.id)).claimed == 2
    vouchers.claim(mf.customer(), coupon.id)  # someone else still can


def test_daily_limit_resets_at_local_midnight(db):
    clock.freeze(mf.at("2026-12-02 23:00"))
    coupon = mf.live_coupon(per_customer_limit=3, daily_limit=1)
    customer = mf.customer()
    vouchers.claim(customer, coupon.id)
    db.session.commit()
    with pytest.raises(LimitReached):
        vouchers.claim(customer, coupon.id)
    db.session.rollback()
    clock.freeze(mf.at("2026-12-03 00:00"))
    vouchers.claim(customer, coupon.id)
    clock.freeze(mf.at("2026-12-04 08:00"))
    vouchers.claim(customer, coupon.id)
    with pytest.raises(LimitReached):
        vouchers.claim(customer, coupon.id)  # the per-customer limit of 3 is used up


def test_a_refused_claim_changes_nothing(db):
    coupon = mf.live_coupon(stock_total=1)
    first = mf.customer()
    vouchers.claim(first, coupon.id)
    db.session.commit()
    second = mf.customer()
    db.session.commit()
    with pytest.raises(SoldOut):
        vouchers.claim(second, coupon.id)
    db.session.rollback()
    assert db.session.get(ClaimCounter, (coupon.id, second.id)) is None


def test_claim_window_boundaries(db):
    clock.freeze(mf.at("2026-12-01 09:00"))
    coupon = mf.live_coupon(
        claim_starts_at=mf.at("2026-12-02 10:00"), claim_ends_at=mf.at("2026-12-02 12:00")
    )
    customer = mf.customer()
    clock.freeze(mf.at("2026-12-02 09:59:59"))
    with force_locale("zh"), pytest.raises(NotClaimable) as info:
        vouchers.claim(customer, coupon.id)
    assert str(info.value) == "活动未开始"
    clock.freeze(mf.at("2026-12-02 10:00"))
    vouchers.claim(mf.customer(), coupon.id)
    clock.freeze(mf.at("2026-12-02 12:00"))
    with pytest.raises(NotClaimable):
        vouchers.claim(mf.customer(), coupon.id)


def test_not_claimable_before_approval_and_after_withdrawal(db):
    draft = mf.draft()
    with pytest.raises(NotClaimable):
        vouchers.claim(mf.customer(), draft.id)
    live = mf.live_coupon()
    coupons.withdraw(mf.staff_for(live.merchant), live)
    with pytest.raises(NotClaimable):
        vouchers.claim(mf.customer(), live.id)
    with pytest.raises(NotFound):
        vouchers.claim(mf.customer(), 999999)


def test_only_customers_claim(db):
    coupon = mf.live_coupon()
    with pytest.raises(Forbidden):
        vouchers.claim(mf.clerk(coupon.merchant), coupon.id)


def test_new_customers_only(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    clerk = mf.clerk(shop)
    welcome = mf.live_coupon(shop, owner, audience="new_customers", kind="cash", amount_fen=1000)
    regular = mf.live_coupon(shop, owner, kind="cash", amount_fen=500, title="regular")
    customer = mf.customer()
    first = vouchers.claim(customer, regular.id)
    vouchers.claim(customer, welcome.id)  # still new: nothing redeemed here yet
    redemption.redeem(clerk, first, 1000)
    other = mf.customer()
    vouchers.claim(other, welcome.id)
    returning = mf.customer()
    v = vouchers.claim(returning, regular.id)
    redemption.redeem(clerk, v, 1000)
    with pytest.raises(NotClaimable):
        vouchers.claim(returning, welcome.id)


def test_validity_days_after_claim_run_to_the_end_of_the_local_day(db):
    clock.freeze(mf.at("2026-12-02 15:30"))
    coupon = mf.live_coupon(valid_days_after_claim=7)
    voucher = vouchers.claim(mf.customer(), coupon.id)
    assert voucher.valid_from == clock.now_utc()
    assert voucher.valid_until == mf.at("2026-12-09 00:00")


def test_fixed_validity_and_no_validity(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    fixed = mf.live_coupon(valid_from=mf.at("2026-12-05 00:00"), valid_until=mf.at("2026-12-31 00:00"))
    v = vouchers.claim(mf.customer(), fixed.id)
    assert (v.valid_from, v.valid_until) == (mf.at("2026-12-05 00:00"), mf.at("2026-12-31 00:00"))
    open_ended = mf.live_coupon(title="open")
    v = vouchers.claim(mf.customer(), open_ended.id)
    assert (v.valid_from, v.valid_until) == (clock.now_utc(), None)


def test_not_claimable_once_vouchers_could_no_longer_be_used(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(valid_until=mf.at("2026-12-03 00:00"))
    clock.freeze(mf.at("2026-12-03 00:00"))
    with pytest.raises(NotClaimable):
        vouchers.claim(mf.customer(), coupon.id)


def test_codes_are_unique_random_and_well_formed(db):
    from alliance.core import codes

    coupon = mf.live_coupon(stock_total=50, per_customer_limit=50)
    customer = mf.customer()
    issued = [vouchers.claim(customer, coupon.id).code for _ in range(50)]
    assert len(set(issued)) == 50
    assert all(codes.is_well_formed(c, vouchers.CODE_LENGTH) for c in issued)
    assert issued != sorted(issued)
    assert vouchers.find_by_code(codes.group(issued[0]).lower()).code == issued[0]
    wrong_check = issued[0][:-1] + ("2" if issued[0][-1] != "2" else "3")
    assert vouchers.find_by_code(wrong_check) is None


def test_wallet_status_follows_the_clock(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(valid_days_after_claim=1)
    customer = mf.customer()
    voucher = vouchers.claim(customer, coupon.id)
    assert [v.id for v in vouchers.wallet(customer, "active")] == [voucher.id]
    clock.freeze(mf.at("2026-12-03 00:00"))
    assert vouchers.wallet(customer, "active") == []
    assert [v.id for v in vouchers.wallet(customer, "expired")] == [voucher.id]
    assert voucher.status_at(clock.now_utc()) == "expired"
    assert vouchers.wallet_counts(customer) == {"active": 0, "redeemed": 0, "expired": 1}
    assert vouchers.expire_due() == 1
    assert vouchers.expire_due() == 0
    db.session.refresh(voucher)
    assert voucher.status == "expired"
    clock.advance(timedelta(days=1))
    assert [v.id for v in vouchers.wallet(customer, "expired")] == [voucher.id]

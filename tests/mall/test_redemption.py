"""Redemption at the service level: each refusal with its API.md code and nothing changed; partners;
reversal within the window; cashback credited and taken back through the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from alliance.core import clock
from alliance.core.errors import (
    AlreadyRedeemed,
    Expired,
    Forbidden,
    InvalidCode,
    InvalidState,
    MinSpendNotMet,
    NotFound,
    NotValidNow,
    RateLimited,
    WrongMerchant,
)
from alliance.core.extensions import db
from alliance.incentives import services as incentives
from mall.redemption import services as redemption
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from tests.mall import factories as mf


@pytest.fixture
def setup(db):
    clock.freeze(mf.at("2026-12-02 10:00"))  # a Wednesday
    shop = mf.merchant()
    owner = mf.owner(shop)
    clerk = mf.clerk(shop)
    customer = mf.customer()
    return shop, owner, clerk, customer


def snapshot(voucher):
    db.session.expire_all()
    v = db.session.get(type(voucher), voucher.id)
    count = db.session.scalar(sa.select(sa.func.count(Redemption.id)))
    return (v.status, v.redeemed_at, count, incentives.balance(v.user_id))


def test_redeem_by_code_and_by_qr(setup):
    shop, owner, clerk, customer = setup
    coupon = mf.live_coupon(shop, owner)
    v1 = vouchers.claim(customer, coupon.id)
    v2 = vouchers.claim(mf.customer(), coupon.id)
    voucher, method = redemption.resolve(clerk, code=v1.code)
    assert (voucher.id, method) == (v1.id, "code")
    r = redemption.redeem(clerk, voucher, 12000, method=method)
    assert (r.discount_fen, r.payable_fen, r.clerk_id) == (2000, 10000, clerk.id)
    assert v1.status == "redeemed" and v1.redeemed_at == clock.now_utc()
    voucher, method = redemption.resolve(owner, qr_payload=vouchers.qr_payload(v2))
    assert (voucher.id, method) == (v2.id, "qr")
    redemption.redeem(owner, voucher, 10000, method=method)


def test_each_refusal_has_its_code_and_changes_nothing(setup):
    shop, owner, clerk, customer = setup
    lunch = mf.live_coupon(shop, owner, usable_hours="11:00-14:00", valid_days_after_claim=3)
    voucher = vouchers.claim(customer, lunch.id)
    db.session.commit()
    before = snapshot(voucher)

    payload = vouchers.qr_payload(voucher)
    altered = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    with pytest.raises(InvalidCode):
        redemption.resolve(clerk, qr_payload=altered)
    with pytest.raises(InvalidCode):
        redemption.resolve(clerk, qr_payload="eyJ2IjoxLCJuIjoieCIsInQiOjB9.forged")
    with pytest.raises(InvalidCode):
        redemption.resolve(clerk, code="K7Q9M2XPABCD")
    other_clerk = mf.clerk(mf.merchant())
    with pytest.raises(WrongMerchant):
        redemption.redeem(other_clerk, voucher, 20000)
    with pytest.raises(NotValidNow):  # 10:00, usable from 11:00
        redemption.redeem(clerk, voucher, 20000)
    clock.freeze(mf.at("2026-12-02 11:00"))
    with pytest.raises(MinSpendNotMet):
        redemption.redeem(clerk, voucher, 9999)
    clock.freeze(mf.at("2026-12-05 00:00"))
    with pytest.raises(Expired):
        redemption.redeem(clerk, voucher, 20000)
    db.session.rollback()
    assert snapshot(voucher) == before


def test_weekday_refusal_says_when_it_works(setup):
    shop, owner, clerk, customer = setup
    thursdays = mf.live_coupon(shop, owner, usable_weekdays=[4])
    voucher = vouchers.claim(customer, thursdays.id)
    with force_locale("zh"), pytest.raises(NotValidNow) as info:
        redemption.redeem(clerk, voucher, 20000)
    assert str(info.value) == "今天不可用，周四可用"
    clock.advance(timedelta(days=1))
    redemption.redeem(clerk, voucher, 20000)


def test_a_voucher_redeems_once(setup):
    shop, owner, clerk, customer = setup
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    redemption.redeem(clerk, voucher, 20000)
    with force_locale("zh"), pytest.raises(AlreadyRedeemed) as info:
        redemption.redeem(owner, voucher, 20000)
    assert str(info.value) == "已被使用 10:00"


def test_stale_qr_payload_asks_for_a_fresh_one_and_does_not_count(setup, app):
    shop, owner, clerk, customer = setup
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    payload = vouchers.qr_payload(voucher)
    clock.advance(timedelta(seconds=90))
    assert redemption.resolve(clerk, qr_payload=payload)[0].id == voucher.id
    clock.advance(timedelta(seconds=1))
    for _ in range(25):
        with pytest.raises(InvalidCode) as info:
            redemption.resolve(clerk, qr_payload=payload)
    assert "refresh" in str(info.value)


def test_failed_attempts_are_limited_per_till_account(setup):
    shop, owner, clerk, customer = setup
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    for _ in range(20):
        with pytest.raises(InvalidCode):
            redemption.resolve(clerk, code="23456789ABCD")
    with pytest.raises(RateLimited):
        redemption.resolve(clerk, code=voucher.code)  # this till waits, even with a good code
    assert redemption.resolve(owner, code=voucher.code)[0].id == voucher.id  # the shop's others do not
    other = mf.clerk(mf.merchant())
    with pytest.raises(InvalidCode):
        redemption.resolve(other, code="23456789ABCD")  # other shops are not affected


def test_good_codes_never_count_against_a_till(setup):
    shop, owner, clerk, customer = setup
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    for _ in range(40):
        assert redemption.resolve(clerk, code=voucher.code)[0].id == voucher.id
    with pytest.raises(InvalidCode):
        redemption.resolve(clerk, code="23456789ABCD")


def test_partner_merchants_accept_the_voucher(setup):
    shop, owner, _clerk, customer = setup
    partner = mf.merchant()
    coupon = mf.live_coupon(shop, owner, partner_merchant_ids=[partner.id])
    voucher = vouchers.claim(customer, coupon.id)
    r = redemption.redeem(mf.clerk(partner), voucher, 20000)
    assert r.merchant_id == partner.id


def test_only_owners_and_clerks_of_an_active_shop_redeem(setup):
    shop, owner, clerk, customer = setup
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    with pytest.raises(Forbidden):
        redemption.redeem(customer, voucher, 20000)
    shop.status = "suspended"
    with pytest.raises(Forbidden):
        redemption.redeem(clerk, voucher, 20000)


def test_reversal_within_the_window(setup):
    shop, owner, clerk, customer = setup
    voucher = vouchers.claim(customer, mf.live_coupon(shop, owner).id)
    r = redemption.redeem(clerk, voucher, 20000)
    clock.advance(timedelta(minutes=30))
    redemption.reverse(clerk, r.id, "顾客取消订单")
    assert voucher.status == "active" and voucher.redeemed_at is None
    assert r.reversed_at == clock.now_utc() and r.reversal_reason == "顾客取消订单"
    with pytest.raises(InvalidState):
        redemption.reverse(clerk, r.id, "again")
    r2 = redemption.redeem(clerk, voucher, 20000)
    clock.advance(timedelta(minutes=30, seconds=1))
    with pytest.raises(InvalidState):
        redemption.reverse(owner, r2.id, "too late")
    with pytest.raises(NotFound):
        redemption.reverse(mf.clerk(mf.merchant()), r2.id, "not ours")


def test_cashback_is_credited_on_redemption_and_taken_back_on_reversal(setup):
    shop, owner, clerk, customer = setup
    coupon = mf.live_coupon(
        shop, owner, kind="cashback", amount_fen=500, threshold_fen=3000, per_customer_limit=2
    )
    first = vouchers.claim(customer, coupon.id)
    second = vouchers.claim(customer, coupon.id)
    r1 = redemption.redeem(clerk, first, 3000)
    assert (r1.discount_fen, r1.payable_fen, r1.cashback_fen) == (0, 3000, 500)
    redemption.redeem(clerk, second, 8000)
    assert incentives.balance(customer.id) == 1000
    redemption.reverse(clerk, r1.id, "退货")
    assert incentives.balance(customer.id) == 500
    entries = incentives.entries(customer.id)
    assert [e.amount_fen for e in entries] == [-500, 500, 500]
    assert entries[0].reverses_id == entries[2].id
    r1_again = redemption.redeem(clerk, first, 3000)
    assert incentives.balance(customer.id) == 1000
    assert r1_again.id != r1.id


def test_gift_redemption_names_the_gift(setup):
    shop, owner, clerk, customer = setup
    coupon = mf.live_coupon(shop, owner, kind="gift", gift_name="拿铁一杯")
    voucher = vouchers.claim(customer, coupon.id)
    quote = redemption.check(clerk, voucher, 0)
    assert quote.gift_name == "拿铁一杯" and quote.payable_fen == 0


def test_merchant_lists_its_redemptions(setup):
    shop, owner, clerk, customer = setup
    coupon = mf.live_coupon(shop, owner, per_customer_limit=3)
    for amount in (10000, 20000):
        redemption.redeem(clerk, vouchers.claim(customer, coupon.id), amount)
        clock.advance(timedelta(minutes=1))
    items, total = redemption.list_for_merchant(owner, shop.id)
    assert total == 2 and [r.order_amount_fen for r in items] == [20000, 10000]
    items, total = redemption.list_for_merchant(mf.staff_for(shop), shop.id, day=clock.local_today())
    assert total == 2
    with pytest.raises(NotFound):
        redemption.list_for_merchant(mf.owner(mf.merchant()), shop.id)

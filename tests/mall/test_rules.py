"""The coupon's rules as pure functions: discount arithmetic at its boundaries, fields checked together,
claim windows and usable hours exactly at their edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import wsgi  # noqa: F401  (every model mapped)
from alliance.core.errors import MinSpendNotMet, NotClaimable, NotValidNow, SoldOut, ValidationFailed
from alliance.merchants.models import Merchant
from mall.coupons import rules
from mall.coupons.models import Coupon

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai


def coupon(**fields) -> Coupon:
    c = Coupon(status="approved", stock_total=10, stock_remaining=10, per_customer_limit=1, **fields)
    c.merchant = Merchant(name="Shop", status="active")
    return c


# --- discount arithmetic, every kind, at its boundaries ----------------------------------------------


class TestThresholdCut:
    c = coupon(kind="threshold_cut", threshold_fen=10000, cut_fen=2000)

    def test_threshold_exactly_met_takes_the_cut(self):
        q = rules.quote(self.c, 10000)
        assert (q.discount_fen, q.payable_fen) == (2000, 8000)

    def test_one_fen_below_the_threshold_is_refused(self):
        with pytest.raises(MinSpendNotMet):
            rules.quote(self.c, 9999)

    def test_above_the_threshold_the_cut_stays_the_same(self):
        assert rules.quote(self.c, 25050).discount_fen == 2000

    def test_a_cut_equal_to_the_threshold_makes_the_order_free(self):
        q = rules.quote(coupon(kind="threshold_cut", threshold_fen=500, cut_fen=500), 500)
        assert (q.discount_fen, q.payable_fen) == (500, 0)


class TestDiscount:
    def test_percent_rounds_down_to_the_fen(self):
        c = coupon(kind="discount", percent_off=15)
        # 999 fen x 15% = 149.85 fen -> 149 fen off, never 150
        q = rules.quote(c, 999)
        assert (q.discount_fen, q.payable_fen) == (149, 850)
        assert rules.quote(c, 1).discount_fen == 0
        assert rules.quote(c, 7).discount_fen == 1  # 1.05 -> 1

    def test_cap_exactly_reached_and_exceeded(self):
        c = coupon(kind="discount", percent_off=20, cap_fen=5000)
        assert rules.quote(c, 25000).discount_fen == 5000  # 20% of 250 = 50: exactly the cap
        assert rules.quote(c, 24999).discount_fen == 4999
        assert rules.quote(c, 100000).discount_fen == 5000  # capped

    def test_optional_threshold(self):
        c = coupon(kind="discount", percent_off=10, threshold_fen=5000)
        assert rules.quote(c, 5000).discount_fen == 500
        with pytest.raises(MinSpendNotMet):
            rules.quote(c, 4999)

    def test_extremes_of_percent(self):
        assert rules.quote(coupon(kind="discount", percent_off=99), 10000).discount_fen == 9900
        assert rules.quote(coupon(kind="discount", percent_off=1), 99).discount_fen == 0
        assert rules.quote(coupon(kind="discount", percent_off=1), 100).discount_fen == 1


class TestCash:
    def test_never_more_than_the_order(self):
        c = coupon(kind="cash", amount_fen=2000)
        assert rules.quote(c, 2000).payable_fen == 0
        assert rules.quote(c, 1999).discount_fen == 1999
        assert rules.quote(c, 0).discount_fen == 0
        assert rules.quote(c, 5000).discount_fen == 2000

    def test_optional_threshold(self):
        c = coupon(kind="cash", amount_fen=1000, threshold_fen=3000)
        assert rules.quote(c, 3000).discount_fen == 1000
        with pytest.raises(MinSpendNotMet):
            rules.quote(c, 2999)


class TestGiftAndCashback:
    def test_gift_takes_nothing_off_and_names_the_gift(self):
        q = rules.quote(coupon(kind="gift", gift_name="咖啡一杯"), 3500)
        assert (q.discount_fen, q.payable_fen, q.gift_name) == (0, 3500, "咖啡一杯")

    def test_cashback_takes_nothing_off_and_credits_the_amount(self):
        q = rules.quote(coupon(kind="cashback", amount_fen=500, threshold_fen=5000), 5000)
        assert (q.discount_fen, q.payable_fen, q.cashback_fen) == (0, 5000, 500)
        with pytest.raises(MinSpendNotMet):
            rules.quote(coupon(kind="cashback", amount_fen=500, threshold_fen=5000), 4999)


# --- fields checked together -----------------------------------------------------------------------


def check(**data):
    base = {"title": "T", "stock_total": 10}
    base.update(data)
    return rules.check_fields(base, merchant_id=1, now=NOW)


def errors_of(**data) -> dict:
    with pytest.raises(ValidationFailed) as info:
        check(**data)
    return info.value.fields


def test_a_cap_on_a_cash_coupon_is_an_error():
    assert "cap_fen" in errors_of(kind="cash", amount_fen=1000, cap_fen=500)


def test_a_zero_percent_discount_is_an_error():
    assert "percent_off" in errors_of(kind="discount", percent_off=0)
    assert "percent_off" in errors_of(kind="discount", percent_off=100)


def test_a_window_that_ends_before_it_starts_is_an_error():
    fields = errors_of(
        kind="gift",
        gift_name="x",
        claim_starts_at=NOW + timedelta(days=2),
        claim_ends_at=NOW + timedelta(days=1),
    )
    assert "claim_ends_at" in fields


def test_every_problem_is_reported_at_once():
    fields = errors_of(
        title="",
        kind="threshold_cut",
        threshold_fen=1000,
        cut_fen=2000,
        percent_off=10,
        stock_total=0,
        per_customer_limit=2,
        daily_limit=3,
        valid_days_after_claim=7,
        valid_until=NOW + timedelta(days=3),
        usable_weekdays=[0, 8],
        usable_hours="25:00-26:00",
        audience="vip",
    )
    assert set(fields) >= {
        "title",
        "cut_fen",
        "percent_off",
        "stock_total",
        "daily_limit",
        "valid_days_after_claim",
        "usable_weekdays",
        "usable_hours",
        "audience",
    }


def test_each_kind_needs_its_value_fields():
    assert set(errors_of(kind="threshold_cut")) >= {"threshold_fen", "cut_fen"}
    assert "percent_off" in errors_of(kind="discount")
    assert "amount_fen" in errors_of(kind="cash")
    assert "gift_name" in errors_of(kind="gift", gift_name="  ")
    assert "amount_fen" in errors_of(kind="cashback")
    assert "kind" in errors_of(kind="coupon")


def test_validity_ending_in_the_past_or_before_claiming_is_an_error():
    assert "valid_until" in errors_of(kind="gift", gift_name="x", valid_until=NOW - timedelta(minutes=1))
    assert "valid_until" in errors_of(
        kind="gift",
        gift_name="x",
        claim_starts_at=NOW + timedelta(days=5),
        valid_until=NOW + timedelta(days=4),
    )


def test_own_shop_cannot_be_a_partner():
    assert "partner_merchant_ids" in errors_of(kind="gift", gift_name="x", partner_merchant_ids=[1])


def test_clean_values():
    clean = check(
        kind="discount",
        percent_off=15,
        threshold_fen=0,
        usable_weekdays=[5, 3],
        usable_hours="22:00-02:00",
        per_customer_limit=None,
    )
    assert clean["threshold_fen"] is None
    assert clean["usable_weekdays"] == "35"
    assert (clean["usable_from_minute"], clean["usable_until_minute"]) == (22 * 60, 2 * 60)
    assert clean["per_customer_limit"] == 1
    assert check(kind="gift", gift_name="x", usable_weekdays=[1, 2, 3, 4, 5, 6, 7])["usable_weekdays"] is None


# --- claimable now ---------------------------------------------------------------------------------


def test_claimable_exactly_at_the_start_and_not_exactly_at_the_end():
    c = coupon(kind="gift", gift_name="x", claim_starts_at=NOW, claim_ends_at=NOW + timedelta(hours=1))
    assert isinstance(rules.claim_refusal(c, NOW - timedelta(microseconds=1)), NotClaimable)
    assert rules.claim_refusal(c, NOW) is None
    assert rules.claim_refusal(c, NOW + timedelta(hours=1) - timedelta(microseconds=1)) is None
    assert isinstance(rules.claim_refusal(c, NOW + timedelta(hours=1)), NotClaimable)


def test_sold_out_only_for_an_otherwise_live_coupon():
    c = coupon(kind="gift", gift_name="x", claim_starts_at=NOW)
    c.stock_remaining = 0
    assert isinstance(rules.claim_refusal(c, NOW), SoldOut)
    assert isinstance(rules.claim_refusal(c, NOW - timedelta(seconds=1)), NotClaimable)
    c.status = "draft"
    assert isinstance(rules.claim_refusal(c, NOW), NotClaimable)


def test_an_inactive_merchant_makes_the_coupon_not_claimable():
    c = coupon(kind="gift", gift_name="x")
    c.merchant.status = "suspended"
    assert isinstance(rules.claim_refusal(c, NOW), NotClaimable)


def test_usable_hours_at_their_edges_and_across_midnight():
    c = coupon(kind="gift", gift_name="x", usable_from_minute=10 * 60, usable_until_minute=14 * 60)
    local = datetime(2026, 12, 2, tzinfo=UTC) - timedelta(hours=8)  # Wednesday 00:00 Shanghai
    assert rules.usable_this_hour(c, local + timedelta(hours=10))
    assert not rules.usable_this_hour(c, local + timedelta(hours=9, minutes=59))
    assert not rules.usable_this_hour(c, local + timedelta(hours=14))
    night = coupon(kind="gift", gift_name="x", usable_from_minute=22 * 60, usable_until_minute=2 * 60)
    assert rules.usable_this_hour(night, local + timedelta(hours=23))
    assert rules.usable_this_hour(night, local + timedelta(hours=1, minutes=59))
    assert not rules.usable_this_hour(night, local + timedelta(hours=2))


def test_weekdays_are_local_days():
    c = coupon(kind="gift", gift_name="x", usable_weekdays="3")  # Wednesdays
    wednesday_early = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Wed 00:00 Shanghai, Tue in UTC
    assert rules.usable_today(c, wednesday_early)
    assert not rules.usable_today(c, wednesday_early - timedelta(seconds=1))


def test_usability_refusals():
    c = coupon(kind="gift", gift_name="x", usable_weekdays="4")
    assert isinstance(rules.usability_refusal(c, NOW - timedelta(days=1), None, NOW), NotValidNow)
    assert isinstance(
        rules.usability_refusal(coupon(kind="gift", gift_name="x"), NOW + timedelta(hours=1), None, NOW),
        NotValidNow,
    )


def test_parse_hours():
    assert rules.parse_hours("09:30-24:00") == (570, 1440)
    for bad in ("9-10", "10:00-10:00", "24:00-10:00", "10:60-11:00", "10:00-24:01"):
        with pytest.raises(ValueError):
            rules.parse_hours(bad)

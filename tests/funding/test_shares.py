"""`bank_fen + merchant_fen = discount_fen` for every redemption, over kinds, amounts and shares:
the bank's part is the floor of discount × share / 100, never more than what the approval reserved
per voucher; once as arithmetic, once through real redemptions written to the database."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance.core import clock
from alliance.core.extensions import db
from mall.coupons import rules
from mall.funding.models import Budget, Reservation
from mall.funding.services import budgets
from mall.redemption import services as redemption
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from tests.funding import factories as ff
from tests.mall import factories as mf

fen = st.integers(min_value=1, max_value=5_000_00)
shares = st.integers(min_value=0, max_value=100)


@st.composite
def coupons(draw):
    kind = draw(st.sampled_from(["threshold_cut", "discount", "cash"]))
    if kind == "threshold_cut":
        cut = draw(fen)
        threshold = draw(st.integers(min_value=cut, max_value=cut + 20_000_00))
        return {"kind": kind, "threshold_fen": threshold, "cut_fen": cut}
    if kind == "discount":
        return {
            "kind": kind,
            "percent_off": draw(st.integers(min_value=1, max_value=99)),
            "cap_fen": draw(fen),
            "threshold_fen": draw(st.none() | st.integers(min_value=0, max_value=10_000_00)),
        }
    return {"kind": kind, "amount_fen": draw(fen), "threshold_fen": draw(st.none() | fen)}


def _order(fields, extra):
    return (fields.get("threshold_fen") or 0) + extra


@given(coupons(), st.integers(min_value=0, max_value=50_000_00), shares)
def test_the_shares_add_up_to_the_discount_and_fit_the_reservation(fields, extra, share):
    coupon = SimpleNamespace(
        **{
            k: fields.get(k)
            for k in ("kind", "threshold_fen", "cut_fen", "percent_off", "cap_fen", "amount_fen")
        },
        gift_name=None,
        stock_total=1,
    )
    quote = rules.quote(coupon, _order(fields, extra))
    bank = budgets.bank_part(quote.discount_fen, share)
    merchant = quote.discount_fen - bank
    assert bank + merchant == quote.discount_fen
    assert 0 <= bank <= quote.discount_fen and merchant >= 0
    assert bank == int(Fraction(quote.discount_fen * share, 100))  # the floor, exactly
    per_voucher, whole = budgets.worst_case(coupon, share)
    assert bank <= per_voucher == whole


@pytest.fixture
def till(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant()
    mf.owner(shop)
    staff = mf.staff_for(shop)
    budget = ff.budget(staff, 10**12)
    return SimpleNamespace(shop=shop, staff=staff, clerk=mf.clerk(shop), budget=budget)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(coupons(), st.integers(min_value=0, max_value=50_000_00), shares)
def test_every_redemption_records_who_paid_the_discount(till, fields, extra, share):
    coupon = ff.funded_coupon(till.shop, till.staff, till.budget, share, stock_total=3, **fields)
    voucher = vouchers.claim(mf.customer(), coupon.id)
    done = redemption.redeem(till.clerk, voucher, _order(fields, extra))
    db.session.flush()
    db.session.expire_all()
    row = db.session.get(Redemption, done.id)
    assert row.bank_fen + row.merchant_fen == row.discount_fen
    assert row.bank_fen == row.discount_fen * share // 100
    reservation = db.session.get(Reservation, coupon.id)
    assert reservation.spent_fen == row.bank_fen
    assert reservation.held_fen + reservation.spent_fen + reservation.released_fen == reservation.reserved_fen


def test_the_database_refuses_shares_that_do_not_add_up(till):
    coupon = mf.live_coupon(till.shop)
    done = redemption.redeem(till.clerk, vouchers.claim(mf.customer(), coupon.id), 15000)
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Redemption).where(Redemption.id == done.id).values(bank_fen=1))
    budget = db.session.get(Budget, till.budget.id)
    assert budget.spent_fen == 0

"""Monthly settlement on a fixed data set computed by hand: the statement's lines and totals are the
month's redemptions minus those reversed; a confirmed month no longer changes (a later reversal is a
correction line of the next month); paid records who and when; who may see and do what."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from alliance.core import clock
from alliance.core.errors import InvalidState, NotFound
from alliance.core.extensions import db
from mall.coupons import services as coupons
from mall.funding.models import Statement
from mall.funding.services import settlement
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.funding import factories as ff
from tests.mall import factories as mf


def redeem_at(world, coupon, when: str, amount: int):
    clock.freeze(mf.at(when))
    voucher = vouchers.claim(mf.customer(), coupon.id)
    return redemption.redeem(world.clerk, voucher, amount)


@pytest.fixture
def world(db):
    clock.freeze(mf.at("2026-10-30 09:00"))
    shop = mf.merchant(name="老街面馆")
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    budget = ff.budget(staff, 1_000_000)
    cut = ff.funded_coupon(shop, staff, budget, 50)  # 满100减20, bank 50%
    pct = ff.funded_coupon(shop, staff, budget, 33, kind="discount", percent_off=15, cap_fen=3000)
    cash = ff.pending(shop, kind="cash", amount_fen=500)  # the merchant's alone
    coupons.review(staff, cash, "approve")
    world = SimpleNamespace(shop=shop, owner=owner, staff=staff, clerk=mf.clerk(shop))
    world.cut, world.pct, world.cash = cut, pct, cash
    # November, by hand:                       discount  bank  merchant
    redeem_at(world, cut, "2026-11-03 10:00", 12000)  # 2000  1000  1000
    redeem_at(world, pct, "2026-11-03 15:00", 10000)  # 1500   495  1005
    redeem_at(world, cash, "2026-11-03 16:00", 3000)  #  500     0   500
    redeem_at(world, pct, "2026-11-10 12:00", 30000)  # 3000   990  2010 (15% capped at ¥30)
    undone = redeem_at(world, cut, "2026-11-10 12:05", 10000)  # reversed five minutes later: out
    clock.freeze(mf.at("2026-11-10 12:10"))
    redemption.reverse(world.clerk, undone.id, "wrong table")
    world.late = redeem_at(world, cut, "2026-11-30 23:50", 20000)  # 2000  1000  1000
    db.session.commit()
    return world


NOVEMBER_LINES = [
    {"day": "2026-11-03", "correction": False, "redemptions": 3, "discount_fen": 4000, "bank_fen": 1495,
     "merchant_fen": 2505, "incentive_fen": 0},
    {"day": "2026-11-10", "correction": False, "redemptions": 1, "discount_fen": 3000, "bank_fen": 990,
     "merchant_fen": 2010, "incentive_fen": 0},
    {"day": "2026-11-30", "correction": False, "redemptions": 1, "discount_fen": 2000, "bank_fen": 1000,
     "merchant_fen": 1000, "incentive_fen": 0},
]  # fmt: skip
NOVEMBER_TOTALS = {
    "redemptions": 5,
    "discount_fen": 9000,
    "bank_fen": 3485,
    "merchant_fen": 5515,
    "incentive_fen": 0,
    "due_fen": 3485,
}


def get(client, world, user, month="2026-11"):
    return client.get(
        f"/api/v1/merchants/{world.shop.id}/settlements?month={month}", headers=factories.auth(user)
    )


def test_an_open_month_adds_up_the_redemptions_less_the_reversed(client, world):
    clock.freeze(mf.at("2026-11-30 23:55"))
    r = get(client, world, world.owner)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "open" and r.json["paid_reference"] is None
    assert r.json["lines"] == NOVEMBER_LINES
    assert r.json["totals"] == NOVEMBER_TOTALS


def test_a_confirmed_month_no_longer_changes_and_a_late_reversal_corrects_the_next(client, world):
    clock.freeze(mf.at("2026-11-30 23:58"))
    early = client.post(
        f"/api/v1/merchants/{world.shop.id}/settlements/2026-11/confirm", headers=factories.auth(world.staff)
    )
    assert early.status_code == 409 and early.json["error"]["code"] == "invalid_state"

    clock.freeze(mf.at("2026-12-01 00:05"))
    r = client.post(
        f"/api/v1/merchants/{world.shop.id}/settlements/2026-11/confirm", headers=factories.auth(world.staff)
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "confirmed" and r.json["totals"] == NOVEMBER_TOTALS
    assert r.json["confirmed_by_id"] == world.staff.id

    # Still inside its reversal window, after the month was confirmed.
    clock.freeze(mf.at("2026-12-01 00:10"))
    redemption.reverse(world.clerk, world.late.id, "customer changed their mind")
    db.session.commit()
    after = get(client, world, world.owner).json
    assert (after["status"], after["lines"], after["totals"]) == (
        "confirmed",
        NOVEMBER_LINES,
        NOVEMBER_TOTALS,
    )

    clock.freeze(mf.at("2026-12-02 12:00"))
    redeem_at(world, world.cut, "2026-12-02 12:00", 15000)
    db.session.commit()
    december = get(client, world, world.owner, "2026-12").json
    assert december["status"] == "open"
    assert december["lines"] == [
        {"day": "2026-12-01", "correction": True, "redemptions": -1, "discount_fen": -2000, "bank_fen": -1000,
         "merchant_fen": -1000, "incentive_fen": 0},
        {"day": "2026-12-02", "correction": False, "redemptions": 1, "discount_fen": 2000, "bank_fen": 1000,
         "merchant_fen": 1000, "incentive_fen": 0},
    ]  # fmt: skip
    assert december["totals"]["due_fen"] == 0

    again = client.post(
        f"/api/v1/merchants/{world.shop.id}/settlements/2026-11/confirm", headers=factories.auth(world.staff)
    )
    assert again.status_code == 409


def test_marking_paid_records_who_and_when(client, world):
    url = f"/api/v1/merchants/{world.shop.id}/settlements/2026-11"
    clock.freeze(mf.at("2026-12-01 09:00"))
    too_soon = client.post(url + "/paid", json={"reference": "PAY-1"}, headers=factories.auth(world.staff))
    assert too_soon.status_code == 409
    assert client.post(url + "/confirm", headers=factories.auth(world.staff)).status_code == 200
    blank = client.post(url + "/paid", json={"reference": ""}, headers=factories.auth(world.staff))
    assert blank.status_code == 422
    clock.freeze(mf.at("2026-12-05 14:30"))
    r = client.post(
        url + "/paid", json={"reference": "CMB-20261205-0042"}, headers=factories.auth(world.staff)
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "paid" and r.json["paid_reference"] == "CMB-20261205-0042"
    assert r.json["paid_by_id"] == world.staff.id
    assert r.json["paid_at"] == "2026-12-05T14:30:00+08:00"
    assert r.json["totals"] == NOVEMBER_TOTALS
    twice = client.post(url + "/paid", json={"reference": "again"}, headers=factories.auth(world.staff))
    assert twice.status_code == 409
    stored = db.session.scalar(db.select(Statement).where(Statement.merchant_id == world.shop.id))
    assert (stored.paid_by_id, stored.paid_at) == (world.staff.id, mf.at("2026-12-05 14:30"))


def test_who_may_see_and_settle(client, world):
    clock.freeze(mf.at("2026-12-01 09:00"))
    other_shop = mf.merchant()
    other_owner = mf.owner(other_shop)
    outsider_staff = factories.user("staff")
    db.session.commit()
    assert get(client, world, world.staff).status_code == 200
    assert get(client, world, other_owner).status_code == 404
    assert get(client, world, world.clerk).status_code == 403  # clerks work the till, not the books
    assert get(client, world, outsider_staff).status_code == 404
    confirm = f"/api/v1/merchants/{world.shop.id}/settlements/2026-11/confirm"
    assert client.post(confirm, headers=factories.auth(world.owner)).status_code == 403
    assert client.post(confirm, headers=factories.auth(outsider_staff)).status_code == 404
    bad = client.get(
        f"/api/v1/merchants/{world.shop.id}/settlements?month=2026-13", headers=factories.auth(world.owner)
    )
    assert bad.status_code == 422
    assert (
        client.post(
            f"/api/v1/merchants/{world.shop.id}/settlements/11-2026/confirm",
            headers=factories.auth(world.staff),
        ).status_code
        == 422
    )


def test_the_month_overview_totals_what_the_bank_pays(client, world):
    clock.freeze(mf.at("2026-12-01 09:00"))
    quiet = mf.merchant(world.shop.district)
    db.session.commit()
    overview = settlement.month_overview(world.staff, "2026-11")
    assert [row.merchant.id for row in overview.rows] == [world.shop.id]
    assert overview.totals["due_fen"] == 3485
    r = client.get("/api/v1/settlements?month=2026-11", headers=factories.auth(world.staff))
    assert r.status_code == 200 and r.json["totals"] == NOVEMBER_TOTALS
    assert quiet.id not in [item["merchant_id"] for item in r.json["items"]]
    with pytest.raises(NotFound):
        settlement.get_statement(factories.user("staff"), world.shop.id, "2026-11")


def test_the_job_opens_each_months_statements_once(app, world):
    from mall.funding import jobs

    clock.freeze(mf.at("2026-12-01 00:01"))
    first = jobs.reconcile_funding()
    second = jobs.reconcile_funding()
    assert first["opened"] >= 1 and second["opened"] == 0
    stored = db.session.scalars(db.select(Statement).where(Statement.month == "2026-12")).all()
    assert world.shop.id in [s.merchant_id for s in stored]
    with pytest.raises(InvalidState):
        settlement.confirm(world.staff, world.shop.id, "2026-12")


def test_incentive_cash_spent_is_the_banks_charged_to_the_branchs_incentive_budget(client, world):
    from alliance.incentives import services as incentives
    from mall.funding.models import Budget
    from mall.redemption import incentive_pay

    clock.freeze(mf.at("2026-12-03 09:00"))
    pot = ff.budget(world.staff, 50000, name="激励金", funds_incentives=True)
    customer = mf.customer()
    incentives.credit(customer.id, 3000, incentives.CASHBACK, source_type="test", source_id=1)
    clock.freeze(mf.at("2026-12-03 12:00"))
    paid = incentive_pay.pay(world.clerk, customer.id, 8000, 1200)
    kept = incentive_pay.pay(world.clerk, customer.id, 5000, 800)
    db.session.commit()
    assert (db.session.get(Budget, pot.id).spent_fen, db.session.get(Budget, pot.id).available_fen) == (
        2000,
        48000,
    )
    clock.freeze(mf.at("2026-12-03 12:10"))
    redemption.reverse(world.clerk, paid.id, "typed the wrong amount")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Budget, pot.id).spent_fen == 800
    december = get(client, world, world.owner, "2026-12").json
    assert december["lines"][-1] == {
        "day": "2026-12-03",
        "correction": False,
        "redemptions": 1,
        "discount_fen": 0,
        "bank_fen": 0,
        "merchant_fen": 0,
        "incentive_fen": 800,
    }
    assert december["totals"]["due_fen"] == 800 and kept.incentive_fen == 800

"""Budgets and funding at approval: the worst case is reserved, `budget_exhausted` when it does not
fit, the bank's share spent at the till and given back by a reversal; a finished coupon's unusable
reservation released once, however often the job runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from alliance.core import clock
from alliance.core.errors import ValidationFailed
from alliance.core.extensions import db
from alliance.core.scheduler import runner
from mall.coupons import services as coupons
from mall.funding import jobs
from mall.funding.models import Budget, Reservation
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.funding import factories as ff
from tests.mall import factories as mf


@pytest.fixture
def shop(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant()
    mf.owner(shop)
    return shop


@pytest.fixture
def staff(shop):
    return mf.staff_for(shop)


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def figures(budget):
    b = fresh(Budget, budget.id)
    return b.reserved_fen, b.spent_fen, b.available_fen


def test_approval_reserves_stock_times_the_banks_part_of_the_largest_discount(shop, staff):
    budget = ff.budget(staff, 10000)
    # 满100减20, 10 vouchers, bank pays 50%: 10 × ¥10.00
    coupon = ff.funded_coupon(shop, staff, budget, 50, stock_total=10)
    assert coupon.status == "approved" and coupon.budget_id == budget.id and coupon.bank_share_percent == 50
    assert figures(budget) == (10000, 0, 0)
    reservation = fresh(Reservation, coupon.id)
    assert (reservation.per_voucher_fen, reservation.held_fen) == (1000, 10000)


def test_a_hundred_yuan_budget_refuses_what_adds_up_to_more(app, client, shop, staff):
    budget = ff.budget(staff, 10000)
    ff.funded_coupon(shop, staff, budget, 50, stock_total=6)  # ¥60.00 reserved
    second = ff.pending(shop, stock_total=5)  # would need ¥50.00: ¥40.00 left
    db.session.commit()
    body = {"decision": "approve", "budget_id": budget.id, "bank_share_percent": 50}
    r = client.post(f"/api/v1/coupons/{second.id}/review", json=body, headers=factories.auth(staff))
    assert r.status_code == 409, r.json
    assert r.json["error"]["code"] == "budget_exhausted"
    assert fresh(type(second), second.id).status == "pending_review"
    assert figures(budget) == (6000, 0, 4000)
    body["bank_share_percent"] = 40  # 5 × ¥8.00 = ¥40.00 fits exactly
    r = client.post(f"/api/v1/coupons/{second.id}/review", json=body, headers=factories.auth(staff))
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["budget_id"], r.json["bank_share_percent"]) == (
        "approved",
        budget.id,
        40,
    )
    assert figures(budget) == (10000, 0, 0)


def test_a_bank_funded_percentage_coupon_needs_a_cap(client, shop, staff):
    budget = ff.budget(staff, 100000)
    uncapped = ff.pending(shop, kind="discount", percent_off=20)
    capped = ff.pending(shop, kind="discount", percent_off=20, cap_fen=3000, stock_total=10)
    db.session.commit()
    body = {"decision": "approve", "budget_id": budget.id, "bank_share_percent": 30}
    r = client.post(f"/api/v1/coupons/{uncapped.id}/review", json=body, headers=factories.auth(staff))
    assert r.status_code == 422 and "bank_share_percent" in r.json["error"]["fields"]
    r = client.post(f"/api/v1/coupons/{capped.id}/review", json=body, headers=factories.auth(staff))
    assert r.status_code == 200
    assert figures(budget) == (10 * 900, 0, 100000 - 9000)
    # A merchant-funded percentage coupon needs no cap.
    r = client.post(
        f"/api/v1/coupons/{uncapped.id}/review", json={"decision": "approve"}, headers=factories.auth(staff)
    )
    assert r.status_code == 200 and r.json["budget_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bank_share_percent": 101}, "bank_share_percent"),
        ({"bank_share_percent": -1}, "bank_share_percent"),
        ({"bank_share_percent": 50}, "budget_id"),
        ({"budget_id": 999999, "bank_share_percent": 50}, "budget_id"),
        ({"budget_id": "x", "bank_share_percent": 50}, "budget_id"),
    ],
)
def test_funding_fields_are_validated(client, shop, staff, body, field):
    coupon = ff.pending(shop)
    db.session.commit()
    r = client.post(
        f"/api/v1/coupons/{coupon.id}/review",
        json={"decision": "approve", **body},
        headers=factories.auth(staff),
    )
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert fresh(type(coupon), coupon.id).status == "pending_review"


def test_another_branchs_budget_cannot_fund(shop, staff):
    other_staff = factories.user("staff")
    foreign = ff.budget(other_staff, 100000)
    coupon = ff.pending(shop)
    with pytest.raises(ValidationFailed):
        coupons.review(staff, coupon, "approve", budget_id=foreign.id, bank_share_percent=50)


def test_each_redemption_spends_the_banks_share_and_a_reversal_gives_it_back(shop, staff):
    budget = ff.budget(staff, 100000)
    coupon = ff.funded_coupon(
        shop, staff, budget, 33, kind="discount", percent_off=15, cap_fen=5000, stock_total=10
    )
    clerk = mf.clerk(shop)
    voucher = vouchers.claim(mf.customer(), coupon.id)
    r = redemption.redeem(clerk, voucher, 12345)  # 15% = 1851, bank 33% = floor(610.83) = 610
    db.session.expire_all()
    r = db.session.get(type(r), r.id)
    assert (r.discount_fen, r.bank_fen, r.merchant_fen) == (1851, 610, 1241)
    assert figures(budget) == (10 * 1650 - 610, 610, 100000 - 16500)
    assert fresh(Reservation, coupon.id).spent_fen == 610
    redemption.reverse(clerk, r.id, "wrong order")
    assert figures(budget) == (16500, 0, 100000 - 16500)
    assert fresh(Reservation, coupon.id).held_fen == 16500


def test_an_unfunded_coupon_is_all_the_merchants(shop):
    coupon = mf.live_coupon(shop)
    r = redemption.redeem(mf.clerk(shop), vouchers.claim(mf.customer(), coupon.id), 15000)
    db.session.expire_all()
    r = db.session.get(type(r), r.id)
    assert (r.discount_fen, r.bank_fen, r.merchant_fen) == (2000, 0, 2000)


def test_a_withdrawn_coupon_gives_back_what_it_can_no_longer_use_once(app, shop, staff):
    budget = ff.budget(staff, 100000)
    coupon = ff.funded_coupon(shop, staff, budget, 50, stock_total=10)  # ¥10.00 per voucher
    clerk = mf.clerk(shop)
    used = vouchers.claim(mf.customer(), coupon.id)
    redemption.redeem(clerk, used, 20000)  # ¥10.00 spent
    vouchers.claim(mf.customer(), coupon.id)  # claimed, may still be used
    coupons.withdraw(staff, coupon, "season over")
    db.session.commit()
    assert figures(budget) == (9000, 1000, 90000)
    runner.execute("funding.reconcile")
    after_first = figures(budget)
    assert after_first == (1000, 1000, 98000)  # one claimed voucher still held
    runner.execute("funding.reconcile")
    jobs.reconcile_funding()
    assert figures(budget) == after_first
    reservation = fresh(Reservation, coupon.id)
    assert (reservation.held_fen, reservation.spent_fen, reservation.released_fen) == (1000, 1000, 8000)


def test_an_ended_coupons_reservation_is_released_when_its_last_voucher_expires(app, shop, staff):
    budget = ff.budget(staff, 100000)
    coupon = ff.funded_coupon(
        shop,
        staff,
        budget,
        100,
        stock_total=5,
        claim_ends_at=mf.at("2026-12-05 00:00"),
        valid_days_after_claim=7,
    )
    vouchers.claim(mf.customer(), coupon.id)
    db.session.commit()
    clock.freeze(mf.at("2026-12-06 10:00"))
    runner.execute("mall.end_finished_coupons")
    jobs.reconcile_funding()
    assert figures(budget) == (2000, 0, 98000)
    clock.freeze(mf.at("2026-12-10 10:00"))
    jobs.reconcile_funding()
    jobs.reconcile_funding()
    assert figures(budget) == (0, 0, 100000)


def test_budgets_api_lists_and_shows_figures_and_coupons(client, shop, staff):
    r = client.post(
        "/api/v1/budgets",
        json={
            "branch_id": staff.branch_id,
            "name": "2026年12月 补贴",
            "total_fen": 500000,
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
        },
        headers=factories.auth(staff),
    )
    assert r.status_code == 201, r.json
    assert (r.json["reserved_fen"], r.json["spent_fen"], r.json["available_fen"]) == (0, 0, 500000)
    budget_id = r.json["id"]
    coupon = ff.pending(shop, stock_total=20)
    db.session.commit()
    body = {"decision": "approve", "budget_id": budget_id, "bank_share_percent": 25}
    assert (
        client.post(
            f"/api/v1/coupons/{coupon.id}/review", json=body, headers=factories.auth(staff)
        ).status_code
        == 200
    )
    listed = client.get("/api/v1/budgets", headers=factories.auth(staff)).json
    assert listed["total"] == 1 and listed["items"][0]["reserved_fen"] == 20 * 500
    one = client.get(f"/api/v1/budgets/{budget_id}", headers=factories.auth(staff)).json
    assert [c["coupon_id"] for c in one["coupons"]] == [coupon.id]
    assert one["coupons"][0]["held_fen"] == 10000
    outsider = factories.user("staff")
    assert client.get(f"/api/v1/budgets/{budget_id}", headers=factories.auth(outsider)).status_code == 404
    assert client.get("/api/v1/budgets", headers=factories.auth(outsider)).json["total"] == 0
    owner = mf._owner_of(shop)
    assert client.get("/api/v1/budgets", headers=factories.auth(owner)).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"total_fen": 0},
        {"total_fen": -5},
        {"total_fen": 1.5},
        {"ends_on": "2026-11-30"},
        {"name": ""},
        {"starts_on": "nope"},
    ],
)
def test_budget_fields_are_validated(client, staff, body):
    data = {"branch_id": staff.branch_id, "name": "B", "total_fen": 100, "starts_on": "2026-12-01"}
    data["ends_on"] = "2026-12-31"
    r = client.post("/api/v1/budgets", json={**data, **body}, headers=factories.auth(staff))
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "validation_error"


def test_staff_cannot_open_a_budget_for_another_branch(client, staff):
    other = factories.branch()
    data = {
        "branch_id": other.id,
        "name": "B",
        "total_fen": 100,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
    }
    r = client.post("/api/v1/budgets", json=data, headers=factories.auth(staff))
    assert r.status_code == 403


def test_a_budget_outside_its_period_funds_nothing(shop, staff):
    budget = ff.budget(
        staff, 100000, starts_on=date(2026, 1, 1), ends_on=clock.local_today() - timedelta(days=1)
    )
    with pytest.raises(ValidationFailed):
        ff.funded_coupon(shop, staff, budget, 10)

"""Report figures against values worked out by hand on a fixed data set: a reversed redemption is not
counted, a voucher redeemed at a partner counts for the partner, new customers are first redemptions
at a shop; the roll-up gives the same figures as the live sums, is idempotent and catches up."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.errors import Forbidden, NotFound, ValidationFailed
from alliance.core.extensions import db
from mall.redemption.models import Redemption
from mall.reports import figures, jobs, services
from mall.reports.figures import Scope
from mall.reports.models import DailyReport, RolledUpDay
from tests import factories
from tests.mall import factories as mf
from tests.reports.conftest import DEC1, DEC2

SHOP_DEC1 = {
    "claimed": 3,
    "redeemed": 1,
    "discount_fen": 2000,
    "bank_fen": 0,
    "order_fen": 15000,
    "new_customers": 1,
    "partner_customers": 0,
}
PARTNER_DEC1 = {
    "claimed": 0,
    "redeemed": 1,
    "discount_fen": 2000,
    "bank_fen": 0,
    "order_fen": 12000,
    "new_customers": 1,
    "partner_customers": 0,
}
SHOP_DEC2 = {
    "claimed": 1,
    "redeemed": 2,
    "discount_fen": 4000,
    "bank_fen": 0,
    "order_fen": 30000,
    "new_customers": 1,
    "partner_customers": 0,
}


def only(rows):
    return {k: v for k, v in rows.items() if k in SHOP_DEC1}


def test_a_redemption_remembers_its_branch_and_district(world):
    rows = db.session.execute(
        sa.select(Redemption.merchant_id, Redemption.branch_id, Redemption.district_id)
    ).all()
    assert {(m, b, d) for m, b, d in rows} == {
        (world["shop"].id, world["branch"].id, world["d1"].id),
        (world["partner"].id, world["branch"].id, world["d2"].id),
    }


def test_live_figures_of_a_day_match_the_hand_count(world):
    got = {
        row["merchant_id"]: only(row)
        for row in figures.regroup(figures.live(DEC1, Scope()), ("merchant_id",))
    }
    assert got == {world["shop"].id: SHOP_DEC1, world["partner"].id: PARTNER_DEC1}
    today = figures.regroup(figures.live(DEC2, Scope(merchant_id=world["shop"].id)), ("merchant_id",))
    assert [only(r) for r in today] == [SHOP_DEC2]


def test_merchant_report_per_day_and_totals_from_roll_up_and_live(world):
    before = services.merchant_report(world["owner"], world["shop"].id, DEC1, DEC2, "day")
    assert jobs.rollup() == {"days": 1, "rows": 2}
    after = services.merchant_report(world["owner"], world["shop"].id, DEC1, DEC2, "day")
    assert before["rows"] == after["rows"]
    rows = after["rows"]
    assert [r["period"] for r in rows] == ["2026-12-01", "2026-12-02"]
    assert only(rows[0]) == SHOP_DEC1 and rows[0]["redemption_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert only(rows[1]) == SHOP_DEC2 and rows[1]["redemption_rate"] == 2.0
    totals = after["totals"]
    assert (totals["claimed"], totals["redeemed"], totals["discount_fen"], totals["order_fen"]) == (
        4,
        3,
        6000,
        45000,
    )
    assert (totals["new_customers"], totals["redemption_rate"]) == (2, 0.75)
    assert after["coupons"] == [
        {"coupon_id": world["coupon"].id, "title": "满100减20", **{k: totals[k] for k in totals}}
    ]
    month = services.merchant_report(world["owner"], world["shop"].id, DEC1, DEC2, "month")
    assert [(r["period"], r["redeemed"]) for r in month["rows"]] == [("2026-12", 3)]


def test_the_partner_counts_what_its_till_redeemed(world):
    jobs.rollup()
    report = services.merchant_report(world["staff"], world["partner"].id, DEC1, DEC2, "week")
    assert [(r["period"], only(r)) for r in report["rows"]] == [("2026-W49", PARTNER_DEC1)]
    assert [(c["title"], c["redeemed"], c["claimed"]) for c in report["coupons"]] == [("满100减20", 1, 0)]


def test_branch_dashboard_today_and_month(world):
    jobs.rollup()
    board = services.branch_dashboard(world["staff"], world["branch"].id, Scope())
    assert only(board["figures_today"]) == SHOP_DEC2
    month = board["month"]
    assert (month["claimed"], month["redeemed"], month["discount_fen"], month["order_fen"]) == (
        4,
        4,
        8000,
        57000,
    )
    assert board["last_month"]["redeemed"] == 0
    top = [(m["name"], m["redeemed"]) for m in board["top"]]
    assert top == [("海底捞东湖店", 3), ("理发小铺", 1)]
    assert board["dormant"] == []
    assert board["reviews"] == {"coupons": 0, "applications": 0}
    by_district = services.branch_dashboard(
        world["staff"], world["branch"].id, Scope(district_id=world["d2"].id)
    )
    assert (by_district["month"]["redeemed"], by_district["month"]["claimed"]) == (1, 0)
    beauty = services.branch_dashboard(world["staff"], world["branch"].id, Scope(industry="beauty"))
    assert [m["name"] for m in beauty["merchants"]] == ["理发小铺"]


def test_history_stays_where_the_shop_stood(world):
    jobs.rollup()
    elsewhere = factories.district(factories.branch("城西支行"), "新区")
    world["shop"].district_id = elsewhere.id
    db.session.commit()
    report = services.branch_report(world["staff"], world["branch"].id, Scope(), DEC1, DEC2)
    assert report["totals"]["redeemed"] == 4


def test_dormant_merchants_have_no_redemption_in_30_days(world):
    clock.freeze(mf.at("2026-12-31 13:30"))  # A last redeemed 29 days 3 hours ago, the partner 30 days
    board = services.branch_dashboard(world["staff"], world["branch"].id, Scope())
    assert [(m["name"], m["days_since"]) for m in board["dormant"]] == [("理发小铺", 30)]


def test_roll_up_is_idempotent(world):
    def rows():
        return sorted(
            tuple(getattr(r, c) for c in ("day", "merchant_id", "coupon_id", "district_id", *figures.FIELDS))
            for r in db.session.scalars(sa.select(DailyReport))
        )

    jobs.rollup()
    first = rows()
    assert jobs.rollup() == {"days": 0, "rows": 0}
    jobs.roll_day(DEC1)
    db.session.commit()
    assert rows() == first and len(first) == 2


def test_roll_up_catches_up_missed_days_once(world):
    jobs.rollup()
    clock.freeze(mf.at("2026-12-06 02:00"))  # the job did not run on the 3rd, 4th, 5th
    assert jobs.rollup()["days"] == 4  # the 2nd, 3rd, 4th, 5th
    assert [d for (d,) in db.session.execute(sa.select(RolledUpDay.day).order_by(RolledUpDay.day))] == [
        date(2026, 12, d) for d in range(1, 6)
    ]
    assert jobs.rollup()["days"] == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(DailyReport).where(DailyReport.day == DEC2))
        == 1
    )


def test_who_may_read_a_merchants_figures(world):
    with pytest.raises(Forbidden):
        services.merchant_report(world["clerk"], world["shop"].id)
    with pytest.raises(NotFound):
        services.merchant_report(mf.owner(world["partner"]), world["shop"].id)
    other_staff = factories.user("staff", branch_id=factories.branch("别的支行").id)
    with pytest.raises(NotFound):
        services.merchant_report(other_staff, world["shop"].id)
    with pytest.raises(NotFound):
        services.branch_dashboard(other_staff, world["branch"].id, Scope())
    with pytest.raises(ValidationFailed):
        services.merchant_report(world["owner"], world["shop"].id, DEC2, DEC1)


def test_closing_summary_of_the_till(world):
    summary = services.closing_summary(world["clerk"], DEC1)
    assert (summary["total"].count, summary["total"].discount_fen, summary["total"].payable_fen) == (
        1,
        2000,
        13000,
    )
    assert len(summary["reversed"]) == 1
    assert [(line.label, line.count) for line in summary["by_coupon"]] == [("满100减20", 1)]


def test_partner_sent_vouchers_referrals_and_budgets_are_counted(world):
    from alliance.referrals.models import Referral
    from mall.funding.models import Budget
    from mall.vouchers.models import Voucher

    shop = world["shop"]
    first = db.session.scalar(sa.select(Redemption).where(Redemption.merchant_id == world["partner"].id))
    todays = db.session.scalars(
        sa.select(Voucher).where(
            Voucher.merchant_id == shop.id, Voucher.redeemed_at >= mf.at("2026-12-02 00:00")
        )
    ).all()
    todays[0].issued_by_redemption_id = first.id  # a chain reward the partner's till gave
    c1 = db.session.get(type(world["owner"]), first.customer_id)
    db.session.add_all(
        [
            Referral(
                kind="customer", referrer_id=c1.id, referee_id=mf.customer().id, branch_id=world["branch"].id
            ),
            Referral(
                kind="customer",
                referrer_id=c1.id,
                referee_id=mf.customer().id,
                branch_id=world["branch"].id,
                status="converted",
                reward_fen=500,
                referee_reward_fen=300,
                converted_at=mf.at("2026-12-02 09:00"),
            ),
            Budget(
                branch_id=world["branch"].id,
                name="十二月预算",
                total_fen=100000,
                reserved_fen=20000,
                spent_fen=25000,
                starts_on=DEC1,
                ends_on=date(2026, 12, 31),
            ),
        ]
    )
    db.session.commit()
    board = services.branch_dashboard(world["staff"], world["branch"].id, Scope())
    assert board["figures_today"]["partner_customers"] == 1
    assert board["referrals"] == {"pending": 1, "converted": 1, "rewards_fen": 800}
    assert [(b["name"], b["spent_fen"], b["use_rate"]) for b in board["budgets"]] == [
        ("十二月预算", 25000, 0.25)
    ]

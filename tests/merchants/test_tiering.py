"""Tiers follow figures and the branch's thresholds; every change is kept with its cause."""

import threading
from datetime import date, time

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.errors import NotFound, ValidationFailed
from alliance.merchants.constants import FIGURES, MerchantStatus
from alliance.merchants.models import Merchant, TierChange
from alliance.merchants.services import tiering
from tests import factories
from tests.merchants import factories as mf


@pytest.fixture
def east(db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    staff = factories.user("staff", branch_id=branch.id)
    return branch, district, staff


def history(db, merchant):
    return list(
        db.session.scalars(
            sa.select(TierChange).where(TierChange.merchant_id == merchant.id).order_by(TierChange.id)
        )
    )


def test_a_member_without_a_policy_has_no_tier(db, east):
    merchant = mf.merchant(east[1])
    mf.set_figures(merchant, acquiring_volume=999 * mf.WAN)
    assert merchant.tier is None and merchant.service_level is None and history(db, merchant) == []


def test_approval_gives_the_first_tier(db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    merchant = mf.merchant(district, reviewer=staff)
    assert (merchant.tier, merchant.service_level) == ("E", "e")
    [change] = history(db, merchant)
    assert (change.from_tier, change.to_tier, change.reason, change.actor_id) == (
        None,
        "E",
        "approved",
        staff.id,
    )


def test_new_figures_retier_and_the_history_shows_the_figures(db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    month = date(2026, 9, 1)
    clock.freeze(clock.local_datetime_utc(date(2026, 10, 15), time(12)))
    mf.set_figures(merchant, month, actor=staff, fee_income=300 * mf.WAN, avg_daily_balance=50 * mf.WAN)
    assert (merchant.tier, merchant.service_level) == ("B", "b")
    change = history(db, merchant)[-1]
    assert (change.from_tier, change.to_tier, change.reason, change.actor_id) == (
        "E",
        "B",
        "figures",
        staff.id,
    )
    assert change.figures_month == month
    assert change.fee_income_fen == 300 * mf.WAN and change.avg_daily_balance_fen == 50 * mf.WAN
    assert change.policy["thresholds"]["B"]["fee_income_fen"] == 300 * mf.WAN
    assert change.policy["figures_required"] == 1


def test_the_latest_month_counts(db, east):
    branch, district, _ = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    mf.set_figures(merchant, date(2026, 3, 1), acquiring_volume=400 * mf.WAN)
    assert merchant.tier == "A"
    mf.set_figures(merchant, date(2026, 4, 1), acquiring_volume=150 * mf.WAN)
    assert merchant.tier == "D"
    # Correcting an older month does not move the tier: the latest month still rules.
    mf.set_figures(merchant, date(2026, 2, 1), acquiring_volume=999 * mf.WAN)
    assert merchant.tier == "D"
    assert [(c.from_tier, c.to_tier) for c in history(db, merchant)] == [(None, "E"), ("E", "A"), ("A", "D")]


def test_unchanged_tiers_write_no_history_and_retiering_is_idempotent(db, east):
    branch, district, _ = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    mf.set_figures(merchant, acquiring_volume=250 * mf.WAN)
    rows = len(history(db, merchant))
    mf.set_figures(merchant, acquiring_volume=260 * mf.WAN)
    assert merchant.tier == "C" and len(history(db, merchant)) == rows
    assert tiering.retier(None) == 0
    assert tiering.retier(None) == 0
    assert len(history(db, merchant)) == rows


def test_changing_thresholds_retiers_the_branch_only_and_says_why(db, east):
    branch, district, staff = east
    mf.policy(branch.id, actor=staff)
    other_branch = factories.branch("West")
    other_district = factories.district(other_branch)
    mf.policy(other_branch.id)
    here = [mf.merchant(district) for _ in range(3)]
    there = mf.merchant(other_district)
    for merchant, volume in zip(here, (150, 250, 350), strict=True):
        mf.set_figures(merchant, acquiring_volume=volume * mf.WAN)
    mf.set_figures(there, acquiring_volume=250 * mf.WAN)
    assert [m.tier for m in here] == ["D", "C", "B"] and there.tier == "C"

    halved = {t: {f: v // 2 for f, v in row.items()} for t, row in mf.LADDER.items()}
    changed = tiering.save_policy(staff, branch.id, halved, 1)
    assert changed == 3
    assert [m.tier for m in here] == ["B", "A", "A"] and there.tier == "C"
    change = history(db, here[0])[-1]
    assert (change.from_tier, change.to_tier, change.reason, change.actor_id) == (
        "D",
        "B",
        "policy",
        staff.id,
    )
    assert change.acquiring_volume_fen == 150 * mf.WAN
    assert change.policy["thresholds"]["B"]["acquiring_volume_fen"] == 150 * mf.WAN


def test_figures_required_changes_the_tier(db, east):
    branch, district, staff = east
    mf.policy(branch.id, required=1)
    merchant = mf.merchant(district)
    mf.set_figures(merchant, acquiring_volume=400 * mf.WAN, fee_income=400 * mf.WAN, loan_credit=100 * mf.WAN)
    assert merchant.tier == "A"
    tiering.save_policy(staff, branch.id, mf.LADDER, 2)
    assert merchant.tier == "A"
    tiering.save_policy(staff, branch.id, mf.LADDER, 3)
    assert merchant.tier == "D"
    tiering.save_policy(staff, branch.id, mf.LADDER, 4)
    assert merchant.tier == "E"


def test_only_members_are_tiered(db, east):
    branch, district, _ = east
    mf.policy(branch.id)
    pending = mf.merchant(district, MerchantStatus.PENDING)
    suspended = mf.merchant(district, MerchantStatus.SUSPENDED)
    mf.set_figures(pending, acquiring_volume=400 * mf.WAN)
    mf.set_figures(suspended, acquiring_volume=400 * mf.WAN)
    assert pending.tier is None and suspended.tier == "A"


def test_threshold_errors_name_the_tier_and_figure(db, east):
    branch, _, staff = east
    bad = {t: dict(row) for t, row in mf.LADDER.items()}
    bad["C"]["loan_credit_fen"] = 0
    bad["D"]["fee_income_fen"] = mf.LADDER["C"]["fee_income_fen"] + 1
    with pytest.raises(ValidationFailed) as caught:
        tiering.save_policy(staff, branch.id, bad, 5)
    assert set(caught.value.fields) == {"figures_required", "C_loan_credit_fen", "D_fee_income_fen"}
    assert tiering.policy_row(branch.id) is None


def test_staff_set_only_their_own_branchs_thresholds(db, east):
    branch, _, _ = east
    stranger = factories.user("staff")
    with pytest.raises(NotFound):
        tiering.save_policy(stranger, branch.id, mf.LADDER, 1)
    customer = factories.user("customer")
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; Forbidden today
        tiering.save_policy(customer, branch.id, mf.LADDER, 1)


def test_the_pyramid_counts_active_members_per_tier_and_district(db, east):
    branch, district, staff = east
    second = factories.district(branch, "Old street")
    mf.policy(branch.id)
    volumes = {district: (400, 400, 250, 0), second: (150, 0)}
    for d, values in volumes.items():
        for v in values:
            mf.set_figures(mf.merchant(d), acquiring_volume=v * mf.WAN)
    mf.set_figures(mf.merchant(district, MerchantStatus.SUSPENDED), acquiring_volume=400 * mf.WAN)
    data = tiering.pyramid(staff)
    assert {t: data["tiers"][t] for t in "ABCDE"} == {"A": 2, "B": 0, "C": 1, "D": 1, "E": 2}
    assert data["total"] == 6
    per = {row["district"].name: row["total"] for row in data["districts"]}
    assert per == {"Wanda": 4, "Old street": 2}
    only_second = tiering.pyramid(staff, district_id=second.id)
    assert only_second["total"] == 2 and only_second["tiers"]["D"] == 1


def test_concurrent_retierings_record_a_change_once(app, db, east):
    """Two re-tierings of one branch (the monthly job and an import, say) queue on the policy's
    row lock; the second sees the first's result and writes nothing."""
    branch, district, _ = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    mf.set_figures(merchant, acquiring_volume=400 * mf.WAN)
    # Make the stored tier stale, as if figures had arrived without re-tiering.
    db.session.execute(
        sa.update(Merchant).where(Merchant.id == merchant.id).values(tier="E", service_level="e")
    )
    db.session.commit()
    before = len(history(db, merchant))
    db.session.commit()  # the test's own session lets go of the database

    first_done, release = threading.Event(), threading.Event()
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def first():
        try:
            with app.app_context():
                results["first"] = tiering.retier(None)
                first_done.set()
                release.wait(10)
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)
            first_done.set()

    def second():
        try:
            with app.app_context():
                results["second"] = tiering.retier(None)
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    a = threading.Thread(target=first)
    a.start()
    assert first_done.wait(10)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.5)
    assert b.is_alive(), "the second re-tiering did not wait for the first"
    release.set()
    a.join(10)
    b.join(10)
    assert not errors, errors
    assert results == {"first": 1, "second": 0}
    db.session.expire_all()
    assert len(history(db, merchant)) == before + 1
    assert db.session.get(Merchant, merchant.id).tier == "A"


def test_figures_are_whole_fen_from_zero(db, east):
    _branch, district, staff = east
    merchant = mf.merchant(district)
    from alliance.merchants.services import figures

    with pytest.raises(ValidationFailed) as caught:
        figures.set_figures(
            staff,
            merchant.id,
            date(2026, 1, 1),
            {str(FIGURES[0]): -1, str(FIGURES[1]): 1.5, "transaction_count": "x"},
        )
    assert set(caught.value.fields) == {str(FIGURES[0]), str(FIGURES[1]), "transaction_count"}
    with pytest.raises(ValidationFailed) as caught:
        figures.set_figures(staff, merchant.id, date(2999, 1, 1), {})
    assert "month" in caught.value.fields

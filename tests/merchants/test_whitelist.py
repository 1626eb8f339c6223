"""The settlement whitelist: criteria, who qualifies, who newly qualifies or drops out, add and
remove with a reason, and the package a whitelisted merchant sees."""

from datetime import date

import pytest
import sqlalchemy as sa

from alliance.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import WhitelistEntry
from alliance.merchants.services import whitelist
from tests import factories
from tests.merchants import factories as mf


@pytest.fixture
def east(db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    staff = factories.user("staff", branch_id=branch.id)
    return branch, district, staff


def criteria(staff, branch, **mins):
    values = {"min_acquiring_volume_fen": None, "min_avg_daily_balance_fen": None, "min_fee_income_fen": None}
    values.update(mins)
    return whitelist.save_policy(
        staff, branch.id, **values, package_name="结算优惠套餐A", package_details="费率 0.38%"
    )


def names(items):
    return sorted(i["merchant"].name for i in items)


def test_qualifying_means_meeting_every_criterion_that_is_set(db, east):
    branch, district, staff = east
    criteria(staff, branch, min_acquiring_volume_fen=500 * mf.WAN, min_avg_daily_balance_fen=50 * mf.WAN)
    both = mf.merchant(district, name="Both")
    volume_only = mf.merchant(district, name="Volume only")
    at_the_line = mf.merchant(district, name="At the line")
    mf.merchant(district, name="No figures")
    mf.set_figures(both, acquiring_volume=900 * mf.WAN, avg_daily_balance=80 * mf.WAN)
    mf.set_figures(volume_only, acquiring_volume=900 * mf.WAN, avg_daily_balance=1)
    mf.set_figures(at_the_line, acquiring_volume=500 * mf.WAN, avg_daily_balance=50 * mf.WAN)
    data = whitelist.overview(staff, branch.id)
    assert names(data["qualifying"]) == ["At the line", "Both"]
    assert names(data["newly_qualifying"]) == ["At the line", "Both"]
    assert data["listed"] == [] and data["dropping_out"] == []


def test_add_and_remove_with_reasons_and_the_lists_follow(db, east):
    branch, district, staff = east
    criteria(staff, branch, min_acquiring_volume_fen=500 * mf.WAN)
    merchant = mf.merchant(district, name="Big")
    mf.set_figures(merchant, date(2026, 9, 1), acquiring_volume=600 * mf.WAN)
    with pytest.raises(ValidationFailed):
        whitelist.add(staff, merchant.id, "")
    whitelist.add(staff, merchant.id, "结算量大")
    with pytest.raises(Conflict):
        whitelist.add(staff, merchant.id, "again")
    data = whitelist.overview(staff, branch.id)
    assert names(data["listed"]) == ["Big"] and data["newly_qualifying"] == []
    # Next month the volume falls: the merchant drops out but stays listed until staff decide.
    mf.set_figures(merchant, date(2026, 10, 1), acquiring_volume=100 * mf.WAN)
    data = whitelist.overview(staff, branch.id)
    assert names(data["dropping_out"]) == ["Big"] and names(data["listed"]) == ["Big"]
    whitelist.remove(staff, merchant.id, "结算量下降")
    with pytest.raises(InvalidState):
        whitelist.remove(staff, merchant.id, "again")
    entries = db.session.scalars(sa.select(WhitelistEntry)).all()
    assert [(e.reason, e.removal_reason, e.open_key) for e in entries] == [("结算量大", "结算量下降", None)]
    # Back on the list later: a new entry, the old one kept.
    whitelist.add(staff, merchant.id, "回升")
    assert len(whitelist.entries_of(staff, merchant.id)) == 2


def test_the_whitelisted_merchant_sees_the_recommended_package(client, db, east):
    branch, district, staff = east
    criteria(staff, branch, min_fee_income_fen=1)
    merchant = mf.merchant(district)
    owner = mf.owner_of(merchant)
    assert whitelist.recommended_package(merchant) is None
    whitelist.add(staff, merchant.id, "贡献高")
    assert whitelist.recommended_package(merchant).package_name == "结算优惠套餐A"
    db.session.commit()
    factories.login(client, owner)
    page = client.get("/my-shop").get_data(as_text=True)
    assert "为您推荐：结算优惠套餐A" in page and "费率 0.38%" in page


def test_only_active_members_and_only_by_their_branch(db, east):
    branch, district, staff = east
    pending = mf.merchant(district, MerchantStatus.PENDING)
    with pytest.raises(InvalidState):
        whitelist.add(staff, pending.id, "early")
    member = mf.merchant(district)
    with pytest.raises(NotFound):
        whitelist.overview(factories.user("staff"), branch.id)
    from alliance.core.errors import Forbidden

    with pytest.raises(Forbidden):
        whitelist.add(factories.user("staff"), member.id, "not mine")


def test_criteria_need_one_threshold_and_a_package(db, east):
    branch, _, staff = east
    with pytest.raises(ValidationFailed) as caught:
        whitelist.save_policy(
            staff,
            branch.id,
            min_acquiring_volume_fen=None,
            min_avg_daily_balance_fen=None,
            min_fee_income_fen=-1,
            package_name="",
        )
    assert set(caught.value.fields) == {"min_fee_income_fen", "package_name"}
    with pytest.raises(ValidationFailed) as caught:
        criteria(staff, branch)
    assert "min_acquiring_volume_fen" in caught.value.fields


def test_the_whitelist_page_adds_and_removes(client, db, east):
    branch, district, staff = east
    criteria(staff, branch, min_acquiring_volume_fen=100 * mf.WAN)
    merchant = mf.merchant(district, name="大商户")
    mf.set_figures(merchant, acquiring_volume=200 * mf.WAN)
    db.session.commit()
    factories.login(client, staff)
    page = client.get("/staff/whitelist").get_data(as_text=True)
    assert "新达标：尚未加入白名单" in page and "大商户" in page
    r = client.post(
        f"/staff/merchants/{merchant.id}/whitelist",
        data={"action": "add", "reason": "结算量大", "next": "whitelist"},
    )
    assert r.status_code == 302 and "/staff/whitelist" in r.headers["Location"]
    assert whitelist.open_entry(merchant.id).reason == "结算量大"
    refused = client.post(
        f"/staff/merchants/{merchant.id}/whitelist", data={"action": "remove", "reason": ""}
    )
    assert refused.status_code == 302 and whitelist.open_entry(merchant.id) is not None
    client.post(f"/staff/merchants/{merchant.id}/whitelist", data={"action": "remove", "reason": "到期"})
    assert whitelist.open_entry(merchant.id) is None


def test_the_criteria_form_reads_10k_yuan(client, db, east):
    branch, _, staff = east
    db.session.commit()
    factories.login(client, staff)
    r = client.post(
        "/staff/whitelist",
        data={
            "min_acquiring_volume_fen": "500",
            "min_avg_daily_balance_fen": "12.5",
            "min_fee_income_fen": "",
            "package_name": "套餐",
        },
    )
    assert r.status_code == 302
    policy = whitelist.policy_for(branch.id)
    assert (policy.min_acquiring_volume_fen, policy.min_avg_daily_balance_fen, policy.min_fee_income_fen) == (
        500 * mf.WAN,
        12_500_000,
        None,
    )
    bad = client.post("/staff/whitelist", data={"min_acquiring_volume_fen": "lots", "package_name": "套餐"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'value="lots"' in page and "请以万元为单位填写金额" in page

"""Precise acquisition: the coverage grid's gaps, prospects worked from visit to joining, and an
invitation that pre-fills the application."""

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.errors import NotFound, ValidationFailed
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant, Prospect
from alliance.merchants.services import membership
from alliance.merchants.services import prospects as services
from tests import factories
from tests.merchants import factories as mf


@pytest.fixture
def east(db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    staff = factories.user("staff", branch_id=branch.id)
    return branch, district, staff


def new_prospect(staff, district, **changes):
    data = {
        "name": "张记理发",
        "district_id": district.id,
        "industry": "housekeeping",
        "store_type": "barber",
        "contact_name": "张师傅",
        "contact_phone": "138 0000 0000",
        "address": "老街 3 号",
    }
    data.update(changes)
    return services.create(staff, data)


def test_the_grid_counts_active_members_and_marks_the_gaps(db, east):
    branch, district, staff = east
    mf.merchant(district, industry="catering", store_type="restaurant")
    mf.merchant(district, industry="catering", store_type="restaurant")
    mf.merchant(district, industry="clothing", store_type="clothing_shop")
    mf.merchant(district, industry="trading", store_type=None)
    mf.merchant(district, MerchantStatus.PENDING, industry="travel", store_type="hotel")
    mf.merchant(factories.district(factories.branch("West")), industry="travel", store_type="hotel")
    new_prospect(staff, district, industry="travel", store_type="hotel")
    grid = services.coverage(staff, branch.id)
    assert grid["cells"] == {
        ("catering", "restaurant"): 2,
        ("clothing", "clothing_shop"): 1,
        ("trading", "other"): 1,
    }
    assert grid["prospects"] == {("travel", "hotel"): 1}
    assert grid["total"] == 4 and grid["gaps"] == 80 - 2
    assert "travel" in grid["missing_trades"] and "catering" not in grid["missing_trades"]
    assert grid["missing_shops"] == ["hotel", "barber", "beauty", "pharmacy", "convenience", "franchise"]


def test_the_coverage_page_in_both_languages(client, db, east):
    _branch, district, staff = east
    mf.merchant(district, industry="catering", store_type="restaurant")
    db.session.commit()
    factories.login(client, staff)
    zh = client.get("/staff/coverage").get_data(as_text=True)
    assert "行业覆盖" in zh and "餐饮" in zh and "加盟连锁店" in zh and "空白行业" in zh
    assert 'class="cell-covered"' in zh and zh.count('class="cell-gap') == 79
    client.post("/lang", data={"lang": "en", "next": "/staff/coverage"})
    en = client.get("/staff/coverage").get_data(as_text=True)
    assert "Industry coverage" in en and "Franchise chain" in en and "行业覆盖" not in en


def test_the_other_column_is_headed_and_counts_its_members_in_both_languages(client, db, east):
    _branch, district, staff = east
    mf.merchant(district, name="建材市场", industry="construction", store_type="other")
    mf.merchant(district, name="五金店", industry="construction", store_type=None)
    mf.merchant(district, name="面馆", industry="catering", store_type="restaurant")
    db.session.commit()
    factories.login(client, staff)
    zh = client.get("/staff/coverage").get_data(as_text=True)
    headings = re.findall(r'<th scope="col"><span>(.*?)</span></th>', zh)
    assert headings[-2:] == ["其他", "合计"]
    # The construction row's total (2) sits in a cell of its own, and "other" is never a gap.
    assert 'aria-label="建筑 · 其他: 2">2</a>' in zh
    assert zh.count('class="cell-gap') == 80 - 1
    client.post("/lang", data={"lang": "en", "next": "/staff/coverage"})
    en = client.get("/staff/coverage").get_data(as_text=True)
    assert re.findall(r'<th scope="col"><span>(.*?)</span></th>', en)[-2:] == ["Other", "Total"]
    assert 'aria-label="Construction · Other: 2">2</a>' in en
    # Its link lists the same two shops: another type, or none given.
    listed = client.get("/staff/merchants?industry=construction&store_type=other&status=active")
    text = listed.get_data(as_text=True)
    assert "建材市场" in text and "五金店" in text and "面馆" not in text


def test_a_gap_link_opens_a_prefilled_prospect_form(client, db, east):
    _, district, staff = east
    db.session.commit()
    factories.login(client, staff)
    page = client.get(f"/staff/prospects?industry=travel&store_type=hotel&district_id={district.id}")
    text = page.get_data(as_text=True)
    assert '<option selected value="travel">' in text and '<option selected value="hotel">' in text


def test_a_prospect_from_visit_to_joining(client, db, east):
    _branch, district, staff = east
    prospect = new_prospect(staff, district)
    assert prospect.stage == "to_visit" and prospect.assigned_to_id == staff.id
    clock.freeze(clock.local_datetime_utc(date(2026, 11, 20), time(15)))
    services.add_visit(
        staff,
        prospect.id,
        date(2026, 11, 20),
        {
            "icebreaker": "聊了生意",
            "purpose": "介绍联盟",
            "needs_found": "缺少客流",
            "products_proposed": "收单+经营贷",
        },
    )
    assert prospect.stage == "visited"
    [visit] = services.visits(prospect)
    assert (visit.icebreaker, visit.needs_found, visit.author_id) == ("聊了生意", "缺少客流", staff.id)

    token = services.invite_token(staff, prospect.id)
    assert prospect.stage == "applying"
    db.session.commit()
    form = client.get(f"/join?invite={token}").get_data(as_text=True)
    assert 'value="张记理发"' in form and 'value="138 0000 0000"' in form and 'value="张师傅"' in form
    response = client.post(
        "/join",
        data={
            "invite": token,
            "name": "张记理发",
            "district_id": district.id,
            "format": "street_shop",
            "industry": "housekeeping",
            "store_type": "barber",
            "username": "zhangji",
            "password": "longenough",
            "confirm": "longenough",
            **mf.application_fields(),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    merchant = db.session.scalar(sa.select(Merchant).where(Merchant.name == "张记理发"))
    assert db.session.get(Prospect, prospect.id).merchant_id == merchant.id
    from alliance.merchants.services import cashflow

    assert cashflow.care_for(merchant.id).account_manager_id == staff.id
    assert services.from_invite(token) is None, "an invitation works once"
    membership.review(staff, merchant.id, "approve")
    assert db.session.get(Prospect, prospect.id).stage == "joined"


def test_staff_fill_in_the_application_together_and_stay_signed_in(client, db, east):
    _, district, staff = east
    prospect = new_prospect(staff, district)
    token = services.invite_token(staff, prospect.id)
    db.session.commit()
    factories.login(client, staff)
    response = client.post(
        "/join",
        data={
            "invite": token,
            "name": "张记理发",
            "district_id": district.id,
            "format": "street_shop",
            "industry": "housekeeping",
            "store_type": "barber",
            "username": "zhangji2",
            "password": "longenough",
            "confirm": "longenough",
            **mf.application_fields(),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and "/staff/merchants/" in response.headers["Location"]
    assert client.get("/staff/prospects").status_code == 200, "the staff member is still signed in"


def test_an_old_or_forged_invitation_only_prefills_nothing(client, db, east):
    _, district, staff = east
    prospect = new_prospect(staff, district)
    token = services.invite_token(staff, prospect.id)
    assert services.from_invite(token + "x") is None
    clock.advance(timedelta(days=31))
    assert services.from_invite(token) is None
    db.session.commit()
    page = client.get(f"/join?invite={token}").get_data(as_text=True)
    assert "该邀请已过期或已使用" in page and 'value="张记理发"' not in page


def test_prospects_belong_to_their_branch(client, db, east):
    _, district, staff = east
    prospect = new_prospect(staff, district)
    stranger = factories.user("staff")
    with pytest.raises(NotFound):
        services.get(stranger, prospect.id)
    with pytest.raises(ValidationFailed) as caught:
        new_prospect(stranger, district)
    assert "district_id" in caught.value.fields
    db.session.commit()
    factories.login(client, stranger)
    assert client.get(f"/staff/prospects/{prospect.id}").status_code == 404


def test_prospect_checks_and_stages(db, east):
    _, district, staff = east
    with pytest.raises(ValidationFailed) as caught:
        new_prospect(staff, district, name="", industry="banking", contact_phone="call me")
    assert set(caught.value.fields) == {"name", "industry", "contact_phone"}
    prospect = new_prospect(staff, district)
    services.set_stage(staff, prospect.id, "declined", "暂不考虑")
    assert prospect.stage == "declined"
    with pytest.raises(ValidationFailed):
        services.set_stage(staff, prospect.id, "maybe")
    with pytest.raises(ValidationFailed):
        services.add_visit(staff, prospect.id, date(2026, 1, 1), {})
    with pytest.raises(ValidationFailed):
        services.add_visit(staff, prospect.id, clock.local_today() + timedelta(days=1), {"purpose": "x"})
    assert services.stage_counts(staff)["declined"] == 1


def test_the_prospect_pages(client, db, east):
    _, district, staff = east
    db.session.commit()
    factories.login(client, staff)
    created = client.post(
        "/staff/prospects",
        data={
            "name": "美丽美容",
            "district_id": district.id,
            "industry": "entertainment",
            "store_type": "beauty",
            "format": "",
            "assigned_to_id": staff.id,
        },
    )
    assert created.status_code == 302
    prospect = db.session.scalar(sa.select(Prospect))
    detail = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "美丽美容" in detail and "破冰寒暄" in detail
    visit = client.post(
        f"/staff/prospects/{prospect.id}/visits",
        data={"visited_on": clock.local_today().isoformat(), "purpose": "介绍联盟"},
    )
    assert visit.status_code == 302
    client.post(f"/staff/prospects/{prospect.id}/stage", data={"stage": "declined", "note": "太忙"})
    db.session.expire_all()
    assert db.session.get(Prospect, prospect.id).stage == "declined"
    invite = client.post(f"/staff/prospects/{prospect.id}/invite")
    assert invite.status_code == 200 and "/join?invite=" in invite.get_data(as_text=True)
    listing = client.get("/staff/prospects?stage=declined").get_data(as_text=True)
    assert "美丽美容" in listing
    empty = client.get("/staff/prospects?stage=joined").get_data(as_text=True)
    assert "美丽美容" not in empty and "暂无拓展对象" in empty

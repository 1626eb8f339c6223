"""The alliance's pages: applying on the web, the owner's shop pages and clerks, the staff desk."""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from tests import factories
from tests.merchants import factories as mf

FORM = {
    "name": "老王面馆",
    "format": "street_shop",
    "industry": "catering",
    "store_type": "restaurant",
    "address": "老街 12 号",
    "phone": "0571 8888 1234",
    "opening_hours": "10:00–22:00",
    "description": "手工拉面",
    "username": "laowang",
    "password": "longenough",
    "confirm": "longenough",
}


@pytest.fixture
def east(db):
    branch = factories.branch("城东支行")
    district = factories.district(branch, "老街商圈")
    staff = factories.user("staff", branch_id=branch.id, display_name="王经理")
    db.session.commit()
    return branch, district, staff


def test_applying_on_the_web_creates_the_owner_signs_them_in_and_shows_what_is_next(client, db, east):
    _, district, _ = east
    form = client.get("/join").get_data(as_text=True)
    assert "加入商户联盟" in form and "老街商圈" in form and "接下来" in form
    response = client.post("/join", data={**FORM, **mf.application_fields(), "district_id": district.id})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-shop")
    page = client.get("/my-shop").get_data(as_text=True)
    assert "老王面馆" in page and "您的申请正在审核中" in page and "审核通过前不能发布优惠或核销卡券" in page
    owner = db.session.scalar(sa.select(User).where(User.username == "laowang"))
    assert owner.role == "merchant" and owner.merchant_id is not None


def test_application_errors_keep_what_was_typed(client, db, east):
    _, district, _ = east
    factories.user("customer", username="laowang")
    db.session.commit()
    page = client.post(
        "/join", data={**FORM, **mf.application_fields(), "district_id": district.id}
    ).get_data(as_text=True)
    assert "该用户名已被占用" in page and 'value="老王面馆"' in page and "手工拉面" in page
    page = client.post(
        "/join", data={**FORM, **mf.application_fields(), "district_id": district.id, "phone": "call me"}
    ).get_data(as_text=True)
    assert "只能包含数字、空格和 + - ( )" in page
    assert db.session.scalar(sa.select(sa.func.count(Merchant.id))) == 0


def test_staff_approve_from_the_queue_with_its_badge(client, db, east):
    _, district, staff = east
    merchant = mf.merchant(district, MerchantStatus.PENDING, name="等待审核")
    db.session.commit()
    factories.login(client, staff)
    home = client.get("/staff/merchants/review").get_data(as_text=True)
    assert "等待审核" in home and 'rounded-pill text-bg-warning">1<' in home
    r = client.post(f"/staff/merchants/{merchant.id}/decision", data={"action": "approve", "from": "queue"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/merchants/review")
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).status == "active"
    assert "暂无待审核的申请" in client.get("/staff/merchants/review").get_data(as_text=True)


def test_a_rejection_needs_a_reason_and_the_owner_sees_it(client, db, east):
    _, district, staff = east
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    owner = mf.owner_of(merchant)
    db.session.commit()
    factories.login(client, staff)
    client.post(f"/staff/merchants/{merchant.id}/decision", data={"action": "reject", "from": "queue"})
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).status == "pending"
    client.post(f"/staff/merchants/{merchant.id}/decision", data={"action": "reject", "reason": "证照不全"})
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).status == "rejected"
    client.post("/logout")
    factories.login(client, owner)
    page = client.get("/my-shop").get_data(as_text=True)
    assert "您的申请未通过" in page and "证照不全" in page and "重新提交申请" in page
    client.post("/my-shop/resubmit")
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).status == "pending"


def test_staff_of_another_branch_cannot_open_a_pending_merchant(client, db, east):
    _, district, _ = east
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    other = factories.user("staff")
    db.session.commit()
    factories.login(client, other)
    assert client.get(f"/staff/merchants/{merchant.id}").status_code == 404
    assert (
        client.post(f"/staff/merchants/{merchant.id}/decision", data={"action": "approve"}).status_code == 404
    )
    assert merchant.name not in client.get("/staff/merchants/review").get_data(as_text=True)


def test_the_public_shop_page(client, db, east):
    _, district, _ = east
    active = mf.merchant(district, name="公开商户", description="好吃", opening_hours="9:00-21:00")
    pending = mf.merchant(district, MerchantStatus.PENDING)
    db.session.commit()
    page = client.get(f"/shops/{active.id}").get_data(as_text=True)
    assert "公开商户" in page and "好吃" in page and "9:00-21:00" in page
    assert client.get(f"/shops/{pending.id}").status_code == 404


def test_the_owner_edits_the_profile(client, db, east):
    _, district, _ = east
    merchant = mf.merchant(district)
    db.session.commit()
    factories.login(client, mf.owner_of(merchant))
    r = client.post(
        "/my-shop/profile",
        data={
            "name": "新名字",
            "format": "street_shop",
            "industry": "catering",
            "store_type": "restaurant",
            "opening_hours": "24 小时",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).name == "新名字"
    bad = client.post("/my-shop/profile", data={"name": "", "format": "street_shop", "industry": "catering"})
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)


def test_owners_create_and_disable_their_clerks(client, db, east):
    _, district, _ = east
    merchant = mf.merchant(district)
    db.session.commit()
    factories.login(client, mf.owner_of(merchant))
    assert "还没有店员" in client.get("/my-shop/clerks").get_data(as_text=True)
    r = client.post(
        "/my-shop/clerks", data={"username": "xiaoli", "password": "longenough", "display_name": "小李"}
    )
    assert r.status_code == 302
    clerk = db.session.scalar(sa.select(User).where(User.username == "xiaoli"))
    assert clerk.role == "clerk" and clerk.merchant_id == merchant.id
    taken = client.post("/my-shop/clerks", data={"username": "xiaoli", "password": "longenough"})
    assert "该用户名已被占用" in taken.get_data(as_text=True)
    client.post(f"/my-shop/clerks/{clerk.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(User, clerk.id).active is False
    client.post("/logout")
    assert factories.login(client, clerk).status_code == 200  # refused: stays on the login page


def test_an_owner_cannot_touch_another_shops_clerk(client, db, east):
    _, district, _ = east
    mine, theirs = mf.merchant(district), mf.merchant(district)
    clerk = factories.user("clerk", merchant_id=theirs.id)
    db.session.commit()
    factories.login(client, mf.owner_of(mine))
    assert client.post(f"/my-shop/clerks/{clerk.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clerk.id).active is True


def test_a_clerk_sees_the_shop_but_not_the_owners_pages(client, db, east):
    _, district, _ = east
    merchant = mf.merchant(district, name="收银店")
    clerk = factories.user("clerk", merchant_id=merchant.id)
    db.session.commit()
    factories.login(client, clerk)
    page = client.get("/my-shop").get_data(as_text=True)
    assert "收银店" in page and "核销客户的卡券" in page
    assert client.get("/my-shop/clerks").status_code == 403
    assert client.get("/my-shop/profile").status_code == 403
    assert client.get("/staff/merchants").status_code == 403


def test_owners_see_their_tabs_and_tier_and_package(client, db, east):
    branch, district, _ = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    mf.set_figures(merchant, acquiring_volume=400 * mf.WAN)
    db.session.commit()
    factories.login(client, mf.owner_of(merchant))
    page = client.get("/my-shop").get_data(as_text=True)
    assert 'class="tabbar"' in page
    # Five tabs on a phone; the shop's page and the statements are header icons.
    tabbar = page[page.index('class="tabbar"') :]
    tabs = re.findall(r"<span>([^<]+)</span>", tabbar[: tabbar.index("</nav>")])
    assert tabs == ["核销", "数据", "我的券", "异业联盟", "我的"], tabs
    assert 'aria-label="我的店铺"' in page and 'aria-current="page"' in page
    assert 'aria-label="结算单"' in page
    # One place marks the page shown: the figures live under /my-shop/dashboard, and only their tab
    # is marked there, not the shop's header icon as well.
    assert page.count('aria-current="page"') == 1
    figures = client.get("/my-shop/dashboard").get_data(as_text=True)
    assert figures.count('aria-current="page"') == 1
    assert re.search(r'<a href="/my-shop/dashboard" class="tab active"', figures)
    assert 'href="/my-shop/profile"' in page and 'href="/my-shop/clerks"' in page
    assert "tier-A" in page and "头部商户套餐" in page and "专属客户经理" in page


def test_the_owner_leaves_the_alliance(client, db, east):
    _, district, _ = east
    merchant = mf.merchant(district)
    db.session.commit()
    factories.login(client, mf.owner_of(merchant))
    client.post("/my-shop/leave", data={"reason": "搬走了"})
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).status == "left"
    assert "已退出联盟" in client.get("/my-shop").get_data(as_text=True)


def test_staff_merchant_page_decisions_figures_care_and_audit(client, db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    merchant = mf.merchant(district, name="大客户")
    db.session.commit()
    factories.login(client, staff)
    r = client.post(
        f"/staff/merchants/{merchant.id}/figures",
        data={
            "month": "2026-10",
            "avg_daily_balance_fen": "3,000,000",
            "acquiring_volume_fen": "",
            "fee_income_fen": "12.34",
            "loan_credit_fen": "0",
            "transaction_count": "12",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).tier == "B"
    bad = client.post(
        f"/staff/merchants/{merchant.id}/figures", data={"month": "2026-10", "avg_daily_balance_fen": "1.234"}
    )
    assert bad.status_code == 200 and 'value="1.234"' in bad.get_data(as_text=True)
    r = client.post(
        f"/staff/merchants/{merchant.id}/care",
        data={"account_manager_id": staff.id, "collection_day": "10", "payment_day": "25"},
    )
    assert r.status_code == 302
    client.post(f"/staff/merchants/{merchant.id}/decision", data={"action": "suspend", "reason": "投诉"})
    page = client.get(f"/staff/merchants/{merchant.id}").get_data(as_text=True)
    assert "暂停成员资格" in page and "投诉" in page and "手工录入指标" in page
    assert "E → B" in page and "¥3,000,000.00" in page and "恢复" in page


def test_the_merchants_table_filters_sorts_pages_and_exports(client, db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    for name, volume in (("甲店", 100), ("乙店", 400), ("丙店", 250)):
        mf.set_figures(mf.merchant(district, name=name), acquiring_volume=volume * mf.WAN)
    mf.merchant(
        district, MerchantStatus.PENDING, name="丁店", industry="clothing", store_type="clothing_shop"
    )
    mf.merchant(factories.district(factories.branch("城西支行")), name="外行店")
    db.session.commit()
    factories.login(client, staff)
    page = client.get("/staff/merchants?sort=-acquiring").get_data(as_text=True)
    assert "外行店" not in page and "共 4 家商户" in page
    assert page.index("乙店") < page.index("丙店") < page.index("甲店") < page.index("丁店")
    only = client.get("/staff/merchants?industry=clothing").get_data(as_text=True)
    assert "丁店" in only and "甲店" not in only
    tier = client.get("/staff/merchants?tier=A").get_data(as_text=True)
    assert "乙店" in tier and "丙店" not in tier
    none = client.get("/staff/merchants?q=不存在").get_data(as_text=True)
    assert "没有符合筛选条件的商户" in none
    export = client.get("/staff/merchants.csv?status=active&sort=name")
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["商户编号", "店铺名称"] and len(rows) == 4
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["乙店"][8] == "A" and by_name["乙店"][12] == "4000000"


def test_the_tier_policy_page_saves_retiers_and_keeps_typing_on_error(client, db, east):
    _branch, district, staff = east
    merchant = mf.merchant(district)
    mf.set_figures(merchant, loan_credit=150 * mf.WAN)
    db.session.commit()
    factories.login(client, staff)
    data = {"figures_required": "1"}
    for i, tier in enumerate("ABCD"):
        for figure in ("avg_daily_balance_fen", "acquiring_volume_fen", "fee_income_fen", "loan_credit_fen"):
            data[f"{tier}_{figure}"] = str((4 - i) * 100)
    data["C_fee_income_fen"] = "500"  # above B's 300: refused
    bad = client.post("/staff/tier-policy", data=data)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "较低层级的门槛不能高于上一层级" in text and 'value="500"' in text
    data["C_fee_income_fen"] = "200"
    ok = client.post("/staff/tier-policy", data=data)
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).tier == "D"
    assert 'value="150"' not in client.get("/staff/tier-policy").get_data(as_text=True)
    assert 'value="400"' in client.get("/staff/tier-policy").get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        ("/staff/pyramid", "价值分层金字塔", "Value pyramid"),
        ("/staff/coverage", "行业覆盖", "Industry coverage"),
        ("/staff/whitelist", "结算优惠白名单", "Settlement whitelist"),
        ("/staff/prospects", "拓展名单", "Prospects"),
        ("/staff/merchants", "商户", "Merchants"),
        ("/staff/tier-policy", "分层门槛", "Tier thresholds"),
        ("/staff/service-levels", "服务套餐", "Service packages"),
        ("/staff/figures/import", "导入指标", "Import figures"),
    ],
)
def test_staff_pages_speak_chinese_and_english(client, db, east, path, zh, en):
    branch, district, staff = east
    mf.policy(branch.id)
    mf.merchant(district)
    db.session.commit()
    factories.login(client, staff)
    page = client.get(path).get_data(as_text=True)
    assert zh in page
    client.post("/lang", data={"lang": "en", "next": path})
    page = client.get(path).get_data(as_text=True)
    assert en in page and zh not in page


def test_the_pyramid_draws_its_chart_on_the_server(client, db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    for volume in (400, 400, 300, 0):
        mf.set_figures(mf.merchant(district), acquiring_volume=volume * mf.WAN)
    db.session.commit()
    factories.login(client, staff)
    page = client.get("/staff/pyramid").get_data(as_text=True)
    assert page.count("<polygon") == 5
    assert "A · 2" in page and "B · 1" in page and "E · 1" in page
    assert '<script src="http' not in page and "cdn" not in page.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/merchants",
        "/staff/merchants/review",
        "/staff/pyramid",
        "/staff/coverage",
        "/staff/prospects",
        "/staff/whitelist",
        "/staff/figures/import",
        "/staff/tier-policy",
        "/staff/service-levels",
        "/staff/merchants.csv",
        "/staff/pyramid.csv",
        "/staff/whitelist.csv",
        "/staff/prospects.csv",
        "/staff/figures/template.csv",
    ],
)
def test_customers_and_merchants_cannot_open_staff_pages(client, db, east, path):
    merchant = mf.merchant(east[1])
    db.session.commit()
    assert client.get(path).status_code == 302
    factories.login(client, mf.owner_of(merchant))
    assert client.get(path).status_code == 403


def test_staff_navigation_has_the_alliance_entries(client, db, east):
    factories.login(client, east[2])
    page = client.get("/staff/merchants").get_data(as_text=True)
    for label in ("入驻审核", "商户", "分层金字塔", "行业覆盖", "拓展名单", "白名单", "导入指标"):
        assert label in page


def test_admins_choose_the_branch(client, db, east):
    _branch, _district, _ = east
    west = factories.branch("城西支行")
    mf.merchant(factories.district(west, "西湖商圈"), industry="travel", store_type="hotel")
    admin = factories.user("admin")
    db.session.commit()
    factories.login(client, admin)
    page = client.get(f"/staff/coverage?branch_id={west.id}").get_data(as_text=True)
    assert 'id="branch-picker"' in page and f'<option value="{west.id}" selected>' in page
    assert page.count('class="cell-covered"') == 1
    assert client.get("/staff/coverage?branch_id=99999").status_code == 404


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_every_staff_table_exports_csv(client, db, east):
    from alliance.merchants.services import prospects, whitelist

    branch, district, staff = east
    mf.policy(branch.id)
    big = mf.merchant(district, name="大商户")
    mf.set_figures(big, acquiring_volume=400 * mf.WAN)
    mf.merchant(district, name="小商户")
    whitelist.save_policy(
        staff,
        branch.id,
        min_acquiring_volume_fen=100 * mf.WAN,
        min_avg_daily_balance_fen=None,
        min_fee_income_fen=None,
        package_name="套餐",
    )
    whitelist.add(staff, big.id, "结算量大")
    prospects.create(staff, {"name": "待拜访店", "district_id": district.id, "industry": "travel"})
    db.session.commit()
    factories.login(client, staff)

    rows = read_csv(client.get("/staff/pyramid.csv"))
    assert rows[0] == ["网点", "商圈", "A", "B", "C", "D", "E", "未分层", "合计"]
    assert rows[1] == ["城东支行", "老街商圈", "1", "0", "0", "0", "1", "0", "2"]
    assert rows[-1][1:] == ["合计", "1", "0", "0", "0", "1", "0", "2"]

    rows = read_csv(client.get("/staff/whitelist.csv?view=listed"))
    assert rows[0][:2] == ["商户编号", "店铺名称"] and rows[1][1] == "大商户"
    assert rows[1][4] == "4000000" and rows[1][7] == "是" and rows[1][9] == "结算量大"

    rows = read_csv(client.get("/staff/prospects.csv"))
    assert (
        rows[0][0] == "店铺名称"
        and rows[1][:3] == ["待拜访店", "老街商圈", "旅游"]
        and rows[1][7] == "待拜访"
    )


def test_the_merchants_page_lists_this_weeks_cash_flow_days(client, db, east):
    from datetime import date, time

    from alliance.core import clock
    from alliance.merchants.services import cashflow

    _, district, staff = east
    merchant = mf.merchant(district, name="回款商户")
    cashflow.set_care(staff, merchant.id, account_manager_id=staff.id, collection_day=12, payment_day=None)
    db.session.commit()
    clock.freeze(clock.local_datetime_utc(date(2026, 11, 10), time(9)))
    factories.login(client, staff)
    page = client.get("/staff/merchants").get_data(as_text=True)
    assert (
        'id="cashflow-days"' in page and "回款日" in page and "2026年11月12日" in page and "回款商户" in page
    )
    assert 'id="cashflow-days"' not in client.get("/staff/merchants?q=x").get_data(as_text=True)


def test_exports_cannot_smuggle_a_formula_into_a_spreadsheet(client, db, east):
    from alliance.merchants.services import imports

    _, district, staff = east
    sneaky = mf.merchant(district, name='=HYPERLINK("http://evil.example","x")', phone="+86 138 0000 0000")
    db.session.commit()
    factories.login(client, staff)
    rows = read_csv(client.get("/staff/merchants.csv"))
    [row] = [r for r in rows if r[0] == str(sneaky.id)]
    assert row[1] == '\'=HYPERLINK("http://evil.example","x")' and row[-3] == "'+86 138 0000 0000"
    # The template quotes the name too, and reading it back still finds the merchant.
    template = client.get("/staff/figures/template.csv").data
    assert b"'=HYPERLINK" in template
    assert imports.create_preview(staff, template).problems == []

"""A real shop application: the legal name, the unified social credit code (its check character
validated), the business licence photo (checked like the logo, seen by the branch's staff only), the
contact person and mobile, the address; nothing is chosen for the applicant; the review card shows it all;
the API keeps its documented required fields and takes the new ones as optional."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from alliance.merchants.models import Merchant
from alliance.merchants.services.applications import credit_check_char, credit_code_error
from tests import factories
from tests.merchants import factories as mf

SHOP = {
    "name": "老王面馆",
    "format": "street_shop",
    "industry": "catering",
    "store_type": "restaurant",
    "phone": "0571 8888 1234",
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
    return district, staff


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "91310000775785552L"])
def test_published_credit_codes_pass_their_check_character(code):
    assert credit_check_char(code[:17]) == code[17] and credit_code_error(code) is None


def test_a_wrong_credit_code_is_refused_in_words(app):
    assert "18" in str(credit_code_error("91350100M000100Y4"))
    assert "I, O, S, V" in str(credit_code_error("91350100M000100YO3"))
    assert "check character" in str(credit_code_error("91350100M000100Y44"))


def test_the_form_chooses_nothing_for_the_applicant(client, db, east):
    page = client.get("/join").get_data(as_text=True)
    for name in ("district_id", "format", "industry", "store_type"):
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
        chosen = re.findall(r"<option[^>]*\bselected\b[^>]*>", select)
        assert all('value=""' in c for c in chosen), (name, chosen)  # at most 请选择…
    for label in ("营业执照上的名称", "统一社会信用代码", "营业执照照片", "联系人", "联系人手机号"):
        assert label in page


def test_a_wrong_check_character_is_refused_and_nothing_is_created(client, db, east):
    district, _ = east
    page = client.post(
        "/join",
        data={**SHOP, **mf.application_fields(credit_code="91350100M000100Y44"), "district_id": district.id},
    ).get_data(as_text=True)
    assert "校验码" in page and "不是有效的统一社会信用代码" in page
    assert 'value="杭州老王餐饮有限公司"' in page  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count(Merchant.id))) == 0


def test_every_field_is_required_on_the_page(client, db, east):
    district, _ = east
    page = client.post("/join", data={**SHOP, "district_id": district.id, "format": ""}).get_data(
        as_text=True
    )
    for message in ("请选择业态。", "营业执照上印的名称", "营业执照上的 18 位代码", "请上传营业执照照片。"):
        assert message in page, message
    assert "联系谁" in page or "支行联系的人" in page
    not_an_image = mf.application_fields(licence=(io.BytesIO(b"not an image"), "licence.jpg"))
    page = client.post("/join", data={**SHOP, **not_an_image, "district_id": district.id}).get_data(
        as_text=True
    )
    assert "请使用 PNG、JPEG、WebP 或 GIF 图片" in page
    assert db.session.scalar(sa.select(sa.func.count(Merchant.id))) == 0


def test_a_complete_application_is_stored_and_its_review_card_shows_it_all(app, client, db, east):
    district, staff = east
    r = client.post(
        "/join",
        data={
            **SHOP,
            **mf.application_fields(credit_code="9135 0100 m000 100y43"),
            "district_id": district.id,
        },
    )
    assert r.status_code == 302
    merchant = db.session.scalar(sa.select(Merchant))
    assert (merchant.legal_name, merchant.credit_code) == ("杭州老王餐饮有限公司", "91350100M000100Y43")
    assert (merchant.contact_name, merchant.contact_mobile, merchant.address) == (
        "王老板",
        "13800001234",
        "老街 12 号",
    )
    assert (Path(app.config["UPLOAD_FOLDER"]) / merchant.licence_path).is_file()
    shop_page = client.get("/my-shop").get_data(as_text=True)
    assert "审核通过前不能发布优惠或核销卡券" in shop_page and "13800001234" in shop_page
    till = client.get("/till").get_data(as_text=True)
    assert 'id="not-yet"' in till and "till-form" not in till
    licence_url = f"/staff/merchants/{merchant.id}/licence"
    assert client.get(licence_url).status_code == 403  # the owner sent it; only staff look at it
    client.post("/logout")
    factories.login(client, staff)
    card = client.get("/staff/merchants/review").get_data(as_text=True)
    for shown in (
        "杭州老王餐饮有限公司",
        "91350100M000100Y43",
        "王老板",
        "13800001234",
        "老街 12 号",
        licence_url,
    ):
        assert shown in card, shown
    with client.get(licence_url) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/webp"
        assert "no-store" in photo.headers["Cache-Control"]
    other = factories.user("staff", branch_id=factories.branch("城西支行").id)
    db.session.commit()
    client.post("/logout")
    factories.login(client, other)
    assert client.get(licence_url).status_code in (403, 404)  # another branch's staff


API_BODY = {
    "username": "apishop",
    "password": "longenough",
    "name": "接口小店",
    "format": "street_shop",
    "industry": "catering",
}


def test_the_api_keeps_its_contract_and_takes_the_new_fields_as_optional(client, db, east):
    district, _ = east
    r = client.post("/api/v1/merchant-applications", json={**API_BODY, "district_id": district.id})
    assert r.status_code == 201, r.get_json()
    r = client.post(
        "/api/v1/merchant-applications",
        json={
            **API_BODY,
            "username": "apishop2",
            "district_id": district.id,
            "credit_code": "91350100M000100Y44",
        },
    )
    assert r.status_code == 422
    body = r.get_json()["error"]
    assert body["code"] == "validation_error" and "credit_code" in body["fields"]
    r = client.post(
        "/api/v1/merchant-applications",
        json={
            **API_BODY,
            "username": "apishop3",
            "district_id": district.id,
            "legal_name": "接口小店有限公司",
            "credit_code": "91110000802100433B",
            "contact_name": "李",
            "contact_mobile": "13912345678",
        },
    )
    assert r.status_code == 201
    merchant = db.session.get(Merchant, r.get_json()["merchant"]["id"])
    assert merchant.credit_code == "91110000802100433B" and merchant.contact_mobile == "13912345678"
    assert "credit_code" not in r.get_json()["merchant"]  # the public merchant answer keeps it private

"""Bad input never reaches a 500: control characters, absurd numbers, huge ids, huge images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from alliance.merchants.services import imports
from tests import factories
from tests.mall import factories as mf

NUL = "a\x00b"


@pytest.fixture
def shop(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    db.session.commit()
    return shop, owner


def field_error(response, field: str) -> str:
    body = response.get_json()
    assert response.status_code == 422, (response.status_code, body)
    assert body["error"]["code"] == "validation_error"
    return " ".join(body["error"]["fields"][field])


@pytest.mark.parametrize("path", ["/api/v1/mall/coupons", "/api/v1/merchants"])
@pytest.mark.parametrize("value", [NUL, "a\x1bb", "\x7f"])
def test_a_control_character_in_an_api_query_is_a_validation_error(client, path, value):
    response = client.get(path, query_string={"q": value})
    assert "控制字符" in field_error(response, "q")


def test_a_control_character_in_a_page_query_is_refused_in_the_pages_language(client):
    response = client.get("/mall", query_string={"q": NUL})
    assert response.status_code == 422
    assert "控制字符" in response.get_data(as_text=True)
    from alliance.core.i18n import LANG_COOKIE

    client.set_cookie(LANG_COOKIE, "en")
    english = client.get("/mall", query_string={"q": NUL})
    assert english.status_code == 422 and "control characters" in english.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/tokens", {"username": NUL, "password": "whatever1"}, "username"),
        ("/api/v1/auth/tokens", {"username": "someone", "password": NUL}, "password"),
        ("/api/v1/auth/register", {"username": "fine_name", "password": "pass\x00word1"}, "password"),
        (
            "/api/v1/auth/register",
            {"username": "fine_name", "password": "password1", "display_name": NUL},
            "display_name",
        ),
    ],
)
def test_a_control_character_in_an_api_body_is_a_validation_error(client, db, path, body, field):
    assert "控制字符" in field_error(client.post(path, json=body), field)


def test_merchant_applications_and_coupon_titles_refuse_control_characters(client, db, shop):
    district = factories.district()
    db.session.commit()
    application = {
        "username": "laowang",
        "password": "longenough",
        "name": "老王\x00面馆",
        "district_id": district.id,
        "format": "street_shop",
        "industry": "catering",
    }
    field_error(client.post("/api/v1/merchant-applications", json=application), "name")
    merchant, owner = shop
    coupon = {"title": "满100\x00减20", "kind": "gift", "gift_name": "茶", "stock_total": 5}
    response = client.post(
        f"/api/v1/merchants/{merchant.id}/coupons", json=coupon, headers=factories.auth(owner)
    )
    field_error(response, "title")
    coupon["title"] = "fine"
    coupon["usable_hours"] = "10:00\x00-12:00"
    response = client.post(
        f"/api/v1/merchants/{merchant.id}/coupons", json=coupon, headers=factories.auth(owner)
    )
    field_error(response, "usable_hours")


def test_tabs_and_new_lines_stay_allowed_in_text(client, db, shop):
    merchant, owner = shop
    coupon = {
        "title": "fine",
        "description": "line one\r\nline\ttwo",
        "kind": "gift",
        "gift_name": "茶",
        "stock_total": 5,
    }
    response = client.post(
        f"/api/v1/merchants/{merchant.id}/coupons", json=coupon, headers=factories.auth(owner)
    )
    assert response.status_code == 201, response.get_json()


def test_the_login_and_registration_pages_show_the_fields_error(client, db):
    response = client.post("/login", data={"username": NUL, "password": "whatever1"})
    assert response.status_code in (200, 422)
    assert "控制字符" in response.get_data(as_text=True)
    response = client.post(
        "/register", data={"username": "fine_name", "password": "pass\x00word1", "confirm": "pass\x00word1"}
    )
    assert "控制字符" in response.get_data(as_text=True)
    from alliance.accounts.models import User

    assert db.session.query(User).filter_by(username="fine_name").count() == 0


def test_every_web_form_refuses_control_characters():
    """A form that does not derive from the base form would let NUL through to the database."""
    from flask_wtf import FlaskForm

    import wsgi  # noqa: F401  (imports every feature's forms)
    from alliance.core.forms import BaseForm

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    strays = [c for c in all_subclasses(FlaskForm) if not issubclass(c, BaseForm)]
    assert strays == []


# --- the figures import -------------------------------------------------------------------------


def test_odd_numbers_in_the_figures_file_are_problem_rows(client, db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    staff = factories.user("staff", branch_id=branch.id)
    merchant = mf.merchant(district)
    db.session.commit()
    text = (
        "merchant_id,month,avg_daily_balance,acquiring_volume,fee_income,loan_credit,transaction_count\n"
        "²,2026-01,1,1,1,1,1\n"
        f"{'9' * 5000},2026-01,1,1,1,1,1\n"
        f"{merchant.id},2026-02,1e999999999,1,1,1,1\n"
        f"{merchant.id},2026-03,1,1,1,1,1e999999999\n"
        f"{merchant.id},2026-04,1,1,1,1,1\n"
    )
    factories.login(client, staff)
    response = client.post(
        "/staff/figures/import",
        data={"file": (io.BytesIO(text.encode()), "figures.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    batch = imports.create_preview(staff, text.encode())
    reasons = {p["line"]: [r["code"] for r in p["reasons"]] for p in batch.problems}
    assert reasons == {2: ["unknown_merchant"], 3: ["unknown_merchant"], 4: ["too_large"], 5: ["too_large"]}
    assert [r["line"] for r in batch.rows] == [6]


# --- ids, pages and images ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["DELETE", "PATCH", "PUT", "POST"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/programme/entries/2147483648",
        "/api/v1/coupons/99999999999999999999",
        "/api/v1/me/registrations/4294967296",
    ],
)
def test_an_id_beyond_the_range_is_not_found_for_every_method(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_page_beyond_any_offset_is_a_validation_error(client, db, shop):
    merchant, owner = shop
    path = f"/api/v1/merchants/{merchant.id}/redemptions"
    headers = factories.auth(owner)
    assert client.get(path, query_string={"page": 3}, headers=headers).status_code == 200
    response = client.get(path, query_string={"page": "999999999999999999"}, headers=headers)
    field_error(response, "page")


def test_a_huge_photo_at_the_till_is_refused_without_decoding_it(client, db, shop, monkeypatch):
    from mall.vouchers import qr

    _merchant, owner = shop
    db.session.commit()
    factories.login(client, owner)
    monkeypatch.setattr(qr, "MAX_PHOTO_PIXELS", 1_000_000)
    buf = io.BytesIO()
    Image.new("L", (1200, 1000), 255).save(buf, format="PNG")
    decoded = []
    real_transpose = qr.ImageOps.exif_transpose
    monkeypatch.setattr(qr.ImageOps, "exif_transpose", lambda img: decoded.append(1) or real_transpose(img))
    response = client.post(
        "/till/decode",
        data={"photo": (io.BytesIO(buf.getvalue()), "p.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert decoded == []
    small = io.BytesIO()
    Image.new("L", (900, 1000), 255).save(small, format="PNG")
    response = client.post(
        "/till/decode",
        data={"photo": (io.BytesIO(small.getvalue()), "p.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and decoded == [1]  # read, no code in it


# --- oversized requests, as gunicorn serves them -----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_oversized_addresses_and_headers_get_the_apps_json_answer(live_server):
    import requests

    long_query = live_server.api("/mall/coupons?q=" + "x" * 6000)
    response = requests.get(long_query, timeout=30)
    assert response.status_code == 414
    assert response.json()["error"]["code"] == "uri_too_long"
    response = requests.get(live_server.api("/mall/coupons"), headers={"X-Big": "y" * 12000}, timeout=30)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "headers_too_large"
    page = requests.get(live_server.url + "/mall?q=" + "x" * 6000, timeout=30)
    assert page.status_code == 414 and "网址太长" in page.text
    assert requests.get(live_server.api("/mall/coupons?q=" + "x" * 50), timeout=30).status_code == 200

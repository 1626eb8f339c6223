"""Every API error, whatever its cause, has API.md's JSON shape; never HTML, never a 500."""

import pytest

from tests import factories


def _is_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_unknown_path_is_json_404(client):
    _is_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_json_405(client):
    error = _is_error(client.delete("/api/v1/me"), 405, "method_not_allowed")
    assert "fields" not in error


@pytest.mark.parametrize("body", ["{bad json", "{'a': 1}", "[1,"])
def test_malformed_json_is_400_bad_request(client, body):
    _is_error(
        client.post("/api/v1/auth/register", data=body, content_type="application/json"), 400, "bad_request"
    )


def test_a_body_that_is_not_an_object_is_a_validation_error(client):
    error = _is_error(client.post("/api/v1/auth/register", json=[1, 2]), 422, "validation_error")
    assert "_schema" in error["fields"]


def test_missing_and_unknown_fields_are_listed(client):
    error = _is_error(client.post("/api/v1/auth/register", json={"surprise": 1}), 422, "validation_error")
    assert set(error["fields"]) == {"username", "password", "surprise"}


def test_wrong_types_are_validation_errors_not_500(client):
    error = _is_error(
        client.post("/api/v1/auth/register", json={"username": 5, "password": None}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"username", "password"}


def test_no_token_is_401_and_a_bad_token_too(client):
    _is_error(client.get("/api/v1/me"), 401, "unauthorized")
    _is_error(client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}), 401, "unauthorized")
    _is_error(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "unauthorized")


def test_html_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


HUGE = 2**64 + 7


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/coupons/{HUGE}",
        f"/api/v1/merchants/{HUGE}",
        f"/api/v1/me/vouchers/{2**31}",
        f"/api/v1/branches/{HUGE}",
    ],
)
def test_an_id_beyond_any_row_is_404_not_500(client, db, path):
    admin = factories.user("admin")
    db.session.commit()
    _is_error(client.get(path, headers=factories.auth(admin)), 404, "not_found")


def test_huge_ids_in_bodies_and_queries_are_validation_errors(client, db):
    staff_branch = factories.branch()
    admin = factories.user("admin")
    db.session.commit()
    headers = factories.auth(admin)
    error = _is_error(
        client.post("/api/v1/districts", json={"name": "X", "branch_id": HUGE}, headers=headers),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"branch_id"}
    error = _is_error(client.get(f"/api/v1/mall/coupons?district_id={HUGE}"), 422, "validation_error")
    assert set(error["fields"]) == {"district_id"}
    error = _is_error(
        client.post(
            "/api/v1/merchant-applications",
            json={
                "username": "shop_huge",
                "password": "secret-123",
                "name": "大店",
                "district_id": HUGE,
                "format": "street_shop",
                "industry": "catering",
            },
        ),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"district_id"}
    assert staff_branch.id is not None


def test_huge_ids_in_page_addresses_are_404(client):
    response = client.get(f"/mall/coupons/{HUGE}")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_marshmallows_own_range_and_length_sentences_come_in_the_readers_language(client):
    error = _is_error(client.get("/api/v1/mall/coupons?per_page=101"), 422, "validation_error")
    assert error["fields"]["per_page"] == ["须在 1 到 100 之间。"]
    error = _is_error(
        client.get("/api/v1/mall/coupons?per_page=101", headers={"Accept-Language": "en"}),
        422,
        "validation_error",
    )
    assert error["fields"]["per_page"] == ["Must be between 1 and 100."]
    error = _is_error(client.get("/api/v1/mall/coupons?q=" + "长" * 101), 422, "validation_error")
    assert error["fields"]["q"] == ["最多 100 个字符。"]

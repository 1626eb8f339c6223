"""Every API error, whatever its cause, has API.md's JSON shape; never HTML, never a 500."""

import pytest


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

"""The OpenAPI document: valid, named, typed, one error shape, read right by generators and validators."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate
from werkzeug.test import TestResponse

from alliance.core.api import operation_id
from tests import openapi_check

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def walk(node, where=""):
    """Every schema object in the document, with where it is."""
    if isinstance(node, dict):
        if "type" in node or "properties" in node or "anyOf" in node or "$ref" in node:
            yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{where}/{i}")


def test_the_openapi_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/auth/tokens" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["servers"], "an empty `servers` leaves clients without a base address"


def test_every_operation_is_named_after_its_view_function(app, spec):
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    assert None not in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z0-9][a-z0-9]*)*", i) for i in ids), ids
    views = {operation_id(rule.endpoint.rsplit(".", 1)[-1]) for rule in app.url_map.iter_rules()}
    assert set(ids) <= views
    by_route = {(path, method): op["operationId"] for path, method, op in operations(spec)}
    expected = {
        ("/api/v1/auth/tokens", "post"): "createToken",
        ("/api/v1/auth/register", "post"): "registerCustomer",
        ("/api/v1/me", "get"): "getMe",
        ("/api/v1/mall/coupons", "get"): "listMallCoupons",
        ("/api/v1/coupons/{coupon_id}", "get"): "getCoupon",
        ("/api/v1/mall/coupons/{coupon_id}/claims", "post"): "claimCoupon",
        ("/api/v1/me/vouchers", "get"): "listMyVouchers",
        ("/api/v1/me/vouchers/{voucher_id}", "get"): "getMyVoucher",
        ("/api/v1/me/vouchers/{voucher_id}/qr.png", "get"): "getVoucherQrPng",
        ("/api/v1/me/vouchers/{voucher_id}/qr.svg", "get"): "getVoucherQrSvg",
        ("/api/v1/redemptions", "post"): "redeemVoucher",
        ("/api/v1/redemptions/{redemption_id}/reversal", "post"): "reverseRedemption",
        ("/api/v1/merchants/{merchant_id}/redemptions", "get"): "listMerchantRedemptions",
        ("/api/v1/merchant-applications", "post"): "createMerchantApplication",
        ("/api/v1/merchants/{merchant_id}/review", "post"): "reviewMerchant",
        ("/api/v1/coupons/{coupon_id}/review", "post"): "reviewCoupon",
        ("/api/v1/coupons/{coupon_id}/withdraw", "post"): "withdrawCoupon",
        ("/api/v1/programme/calendar", "get"): "getProgrammeCalendar",
        ("/api/v1/programme/entries/{entry_id}/registrations", "post"): "registerForOccurrence",
    }
    assert {k: by_route.get(k) for k in expected} == expected


def test_operation_ids_are_camel_case_view_names():
    assert operation_id("claim_coupon") == "claimCoupon"
    assert operation_id("get_voucher_qr_png") == "getVoucherQrPng"
    assert operation_id("me") == "me"


def test_every_property_is_typed_and_every_answer_lists_its_fields(spec):
    untyped = [
        f"{where}.{name}"
        for where, node in walk(spec)
        for name, prop in (node.get("properties") or {}).items()
        if not any(k in prop for k in ("type", "$ref", "anyOf", "oneOf", "allOf"))
    ]
    assert untyped == []
    schemas = spec["components"]["schemas"]
    answered = set()
    for _, _, op in operations(spec):
        for response in op["responses"].values():
            for media in (response.get("content") or {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                answered.add(ref.rsplit("/", 1)[-1])
                items = media.get("schema", {}).get("items", {}).get("$ref", "")
                answered.add(items.rsplit("/", 1)[-1])
    answered.discard("")
    assert {"Voucher", "Coupon", "Redemption", "Occurrence", "Token", "CouponPage"} <= answered
    without = [
        name for name in answered if schemas[name].get("properties") and not schemas[name].get("required")
    ]
    assert without == []
    voucher = schemas["Voucher"]
    assert {
        "id",
        "code",
        "qr_payload",
        "status",
        "coupon_id",
        "merchant_id",
        "claimed_at",
        "valid_from",
    } <= set(voucher["required"])
    assert voucher["properties"]["qr_payload"]["type"] == "string"
    assert schemas["Coupon"]["properties"]["live"]["type"] == "boolean"
    assert schemas["Coupon"]["properties"]["usable_weekdays"]["items"]["type"] == "integer"
    assert schemas["Occurrence"]["properties"]["seats_left"] == {
        "type": "integer",
        "nullable": True,
        "description": "null: no registration",
        "readOnly": True,
    }


def test_every_error_answer_is_the_one_api_error_shape(spec):
    components = spec["components"]["responses"]

    def schema_of(response):
        if "$ref" in response:
            response = components[response["$ref"].rsplit("/", 1)[-1]]
        return response["content"]["application/json"]["schema"]

    for path, method, op in operations(spec):
        assert "default" in op["responses"], (path, method)
        for status, response in op["responses"].items():
            if status == "default" or int(status) >= 400:
                assert schema_of(response) == {"$ref": "#/components/schemas/ApiError"}, (
                    path,
                    method,
                    status,
                )
    api_error = spec["components"]["schemas"]["ApiError"]
    assert api_error["required"] == ["error"]
    assert set(spec["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message"}
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's own shape is gone


def test_files_optional_bodies_alternatives_dates_and_paging_are_described_right(spec):
    paths = spec["paths"]
    png = paths["/api/v1/me/vouchers/{voucher_id}/qr.png"]["get"]["responses"]["200"]["content"]
    svg = paths["/api/v1/me/vouchers/{voucher_id}/qr.svg"]["get"]["responses"]["200"]["content"]
    assert list(png) == ["image/png"] and list(svg) == ["image/svg+xml"]
    for path in ("/api/v1/redemptions/{redemption_id}/reversal", "/api/v1/coupons/{coupon_id}/withdraw"):
        assert paths[path]["post"]["requestBody"]["required"] is False
    assert "requestBody" not in paths["/api/v1/mall/coupons/{coupon_id}/claims"]["post"]
    redemption_in = spec["components"]["schemas"]["RedemptionIn"]
    assert redemption_in["anyOf"] == [
        {"$ref": "#/components/schemas/RedemptionInCode"},
        {"$ref": "#/components/schemas/RedemptionInQrPayload"},
        {"$ref": "#/components/schemas/RedemptionInCustomerCode"},
    ]
    code = spec["components"]["schemas"]["RedemptionInCode"]
    assert code["required"] == ["code", "order_amount_fen"] and "qr_payload" not in code["properties"]
    params = {p["name"]: p for p in paths["/api/v1/programme/calendar"]["get"]["parameters"]}
    assert params["from"]["schema"]["format"] == "date" and params["to"]["schema"]["format"] == "date"
    listing = paths["/api/v1/merchants/{merchant_id}/redemptions"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"page", "per_page"}
    ok = listing["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RedemptionPage"}
    header = spec["components"]["headers"]["PAGINATION"]
    assert header["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PageMeta"}
    for page in ("CouponPage", "MerchantPage", "RedemptionPage"):
        assert spec["components"]["schemas"][page]["required"] == ["items", "page", "per_page", "total"]


def test_nullable_enums_are_one_choice_and_parameters_are_never_null(spec):
    for where, node in walk(spec):
        enum = node.get("enum")
        if enum and None in enum:
            assert enum == [None] and node.get("nullable") is True, where
    for path, method, op in operations(spec):
        for parameter in op.get("parameters", []):
            text = json.dumps(parameter["schema"])
            assert "nullable" not in text and "null" not in text, (path, method, parameter["name"])
    event_format = spec["components"]["schemas"]["EntryIn"]["properties"]["event_format"]
    assert [branch.get("enum") for branch in event_format["anyOf"]][1] == [None]


def test_times_given_by_clients_may_leave_out_the_offset(spec):
    starts = spec["components"]["schemas"]["EntryIn"]["properties"]["starts_at"]
    assert "format" not in starts and re.match(starts["pattern"], "2026-12-02T19:00:00")
    assert spec["components"]["schemas"]["Entry"]["properties"]["starts_at"]["format"] == "date-time"


def test_the_exchange_check_catches_an_answer_the_document_does_not_describe(app, client):
    good = client.get("/api/v1/mall/coupons")
    openapi_check.check(app, good, None)
    wrong = TestResponse(
        json.dumps({"items": "not a list"}), 200, {"Content-Type": "application/json"}, request=good.request
    )
    with pytest.raises(AssertionError, match="answer does not match"):
        openapi_check.check(app, wrong, None)
    error = TestResponse(
        json.dumps({"code": 404, "status": "Not Found"}),
        404,
        {"Content-Type": "application/json"},
        request=good.request,
    )
    with pytest.raises(AssertionError, match="answer does not match"):
        openapi_check.check(app, error, None)


def test_the_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200

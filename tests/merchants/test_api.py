"""The Merchants section of API.md: applications, review, reading merchants, figures and tiers."""

import pytest

from alliance.accounts.models import User
from alliance.merchants.models import Merchant
from tests import factories
from tests.merchants import factories as mf

APPLICATION = {
    "username": "laowang",
    "password": "longenough",
    "name": "老王面馆",
    "format": "street_shop",
    "industry": "catering",
    "store_type": "restaurant",
    "address": "老街 12 号",
    "phone": "0571-8888 1234",
}


@pytest.fixture
def world(db):
    east = factories.branch("East")
    west = factories.branch("West")
    d_east = factories.district(east, "Wanda")
    d_west = factories.district(west, "Lake")
    staff_east = factories.user("staff", branch_id=east.id)
    staff_west = factories.user("staff", branch_id=west.id)
    db.session.commit()
    return {
        "east": east,
        "west": west,
        "d_east": d_east,
        "d_west": d_west,
        "staff_east": staff_east,
        "staff_west": staff_west,
    }


def apply(client, district, **changes):
    return client.post(
        "/api/v1/merchant-applications", json={**APPLICATION, "district_id": district, **changes}
    )


def test_anyone_applies_and_gets_a_pending_merchant_and_an_owner_account(client, db, world):
    response = apply(client, world["d_east"].id)
    assert response.status_code == 201
    body = response.get_json()
    merchant, user = body["merchant"], body["user"]
    assert merchant["status"] == "pending" and merchant["name"] == "老王面馆"
    assert merchant["district_id"] == world["d_east"].id and merchant["tier"] is None
    assert merchant["industry"] == "catering" and merchant["format"] == "street_shop"
    assert user == {"id": user["id"], "username": "laowang", "role": "merchant"}
    owner = db.session.get(User, user["id"])
    assert owner.merchant_id == merchant["id"]
    token = client.post("/api/v1/auth/tokens", json={"username": "laowang", "password": "longenough"})
    assert token.status_code == 201


def test_a_taken_username_is_409_and_leaves_no_merchant_behind(client, db, world):
    factories.user("customer", username="laowang")
    db.session.commit()
    response = apply(client, world["d_east"].id)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert db.session.query(Merchant).count() == 0


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("format", "kiosk", "supermarket, shopping_district, specialised_market, street_shop"),
        ("industry", "banking", "catering, construction, clothing"),
        ("store_type", "bar", "restaurant, hotel, barber, beauty, clothing_shop, pharmacy, convenience"),
    ],
)
def test_a_wrong_value_is_422_and_the_message_lists_the_allowed_ones(client, world, field, value, allowed):
    response = apply(client, world["d_east"].id, **{field: value})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert allowed in error["fields"][field][0]


def test_allowed_values_are_listed_in_english_too(client, world):
    response = client.post(
        "/api/v1/merchant-applications",
        json={**APPLICATION, "district_id": world["d_east"].id, "format": "kiosk"},
        headers={"Accept-Language": "en"},
    )
    assert response.get_json()["error"]["fields"]["format"] == [
        "Must be one of: supermarket, shopping_district, specialised_market, street_shop."
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"district_id": 999999}, "district_id"),
        ({"username": "a"}, "username"),
        ({"password": "short"}, "password"),
        ({"phone": "call me maybe"}, "phone"),
        ({"address": "x" * 201}, "address"),
    ],
)
def test_application_field_errors(client, world, changes, field):
    response = apply(client, world["d_east"].id, **changes)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_missing_fields_and_unknown_fields_are_422(client, world):
    response = client.post("/api/v1/merchant-applications", json={"username": "x"})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert {"password", "name", "district_id", "format", "industry"} <= set(fields)
    response = apply(client, world["d_east"].id, tier="A")
    assert response.status_code == 422 and "tier" in response.get_json()["error"]["fields"]


def test_staff_of_the_branch_approve(client, db, world):
    merchant_id = apply(client, world["d_east"].id).get_json()["merchant"]["id"]
    response = client.post(
        f"/api/v1/merchants/{merchant_id}/review",
        json={"decision": "approve"},
        headers=factories.auth(world["staff_east"]),
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "active" and response.get_json()["id"] == merchant_id


def test_staff_reject_with_a_reason_the_owner_then_reads(client, db, world):
    merchant_id = apply(client, world["d_east"].id).get_json()["merchant"]["id"]
    headers = factories.auth(world["staff_east"])
    no_reason = client.post(
        f"/api/v1/merchants/{merchant_id}/review", json={"decision": "reject"}, headers=headers
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    response = client.post(
        f"/api/v1/merchants/{merchant_id}/review",
        json={"decision": "reject", "reason": "营业执照照片不清晰"},
        headers=headers,
    )
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    owner = db.session.query(User).filter_by(username="laowang").one()
    mine = client.get(f"/api/v1/merchants/{merchant_id}", headers=factories.auth(owner))
    assert mine.status_code == 200 and mine.get_json()["status_reason"] == "营业执照照片不清晰"


def test_staff_of_another_branch_cannot_see_or_review_a_pending_merchant(client, db, world):
    merchant_id = apply(client, world["d_east"].id).get_json()["merchant"]["id"]
    headers = factories.auth(world["staff_west"])
    review = client.post(
        f"/api/v1/merchants/{merchant_id}/review", json={"decision": "approve"}, headers=headers
    )
    assert review.status_code == 404 and review.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/merchants/{merchant_id}", headers=headers).status_code == 404
    assert db.session.get(Merchant, merchant_id).status == "pending"


def test_staff_of_another_branch_may_see_but_not_decide_on_an_active_member(client, db, world):
    m = mf.merchant(world["d_east"])
    db.session.commit()
    headers = factories.auth(world["staff_west"])
    assert client.get(f"/api/v1/merchants/{m.id}", headers=headers).status_code == 200
    review = client.post(
        f"/api/v1/merchants/{m.id}/review", json={"decision": "reject", "reason": "x"}, headers=headers
    )
    assert review.status_code == 403 and review.get_json()["error"]["code"] == "forbidden"


def test_review_needs_staff(client, db, world):
    merchant_id = apply(client, world["d_east"].id).get_json()["merchant"]["id"]
    url = f"/api/v1/merchants/{merchant_id}/review"
    assert client.post(url, json={"decision": "approve"}).status_code == 401
    customer = factories.user("customer")
    db.session.commit()
    assert client.post(url, json={"decision": "approve"}, headers=factories.auth(customer)).status_code == 403
    admin = factories.user("admin")
    db.session.commit()
    assert client.post(url, json={"decision": "approve"}, headers=factories.auth(admin)).status_code == 200


def test_a_decided_application_cannot_be_decided_again(client, db, world):
    merchant_id = apply(client, world["d_east"].id).get_json()["merchant"]["id"]
    headers = factories.auth(world["staff_east"])
    url = f"/api/v1/merchants/{merchant_id}/review"
    assert client.post(url, json={"decision": "approve"}, headers=headers).status_code == 200
    again = client.post(url, json={"decision": "reject", "reason": "changed my mind"}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"


def test_review_decision_must_be_approve_or_reject(client, db, world):
    merchant_id = apply(client, world["d_east"].id).get_json()["merchant"]["id"]
    response = client.post(
        f"/api/v1/merchants/{merchant_id}/review",
        json={"decision": "maybe"},
        headers=factories.auth(world["staff_east"]),
    )
    assert response.status_code == 422
    assert "approve, reject" in response.get_json()["error"]["fields"]["decision"][0]


def test_an_unknown_merchant_is_404(client, db, world):
    headers = factories.auth(world["staff_east"])
    assert client.get("/api/v1/merchants/424242").status_code == 404
    assert (
        client.post(
            "/api/v1/merchants/424242/review", json={"decision": "approve"}, headers=headers
        ).status_code
        == 404
    )


def test_get_merchant_shows_active_ones_to_anyone_and_others_to_their_people(client, db, world):
    active = mf.merchant(world["d_east"], name="Open shop")
    pending = mf.merchant(world["d_east"], "pending")
    owner = mf.owner_of(pending)
    customer = factories.user("customer")
    db.session.commit()
    body = client.get(f"/api/v1/merchants/{active.id}").get_json()
    for key in ("tier", "service_level", "industry", "format", "store_type", "district_id"):
        assert key in body
    assert body["status"] == "active"
    assert client.get(f"/api/v1/merchants/{pending.id}").status_code == 404
    assert client.get(f"/api/v1/merchants/{pending.id}", headers=factories.auth(customer)).status_code == 404
    assert client.get(f"/api/v1/merchants/{pending.id}", headers=factories.auth(owner)).status_code == 200
    staff = factories.auth(world["staff_east"])
    assert client.get(f"/api/v1/merchants/{pending.id}", headers=staff).status_code == 200


def test_list_merchants_anyone_sees_active_ones_with_filters_and_paging(client, db, world):
    for i in range(3):
        mf.merchant(world["d_east"], name=f"Noodles {i}", industry="catering")
    mf.merchant(world["d_west"], name="Salon", industry="entertainment", store_type="beauty")
    mf.merchant(world["d_east"], "pending", name="Waiting")
    mf.merchant(world["d_east"], "suspended", name="Paused")
    db.session.commit()
    body = client.get("/api/v1/merchants").get_json()
    assert body["total"] == 4 and body["page"] == 1 and body["per_page"] == 20
    assert {m["status"] for m in body["items"]} == {"active"}
    assert client.get(f"/api/v1/merchants?district_id={world['d_west'].id}").get_json()["total"] == 1
    assert client.get("/api/v1/merchants?industry=catering").get_json()["total"] == 3
    assert client.get("/api/v1/merchants?store_type=beauty").get_json()["total"] == 1
    assert client.get("/api/v1/merchants?format=street_shop").get_json()["total"] == 4
    assert client.get("/api/v1/merchants?status=pending").get_json()["total"] == 0
    page = client.get("/api/v1/merchants?per_page=3&page=2").get_json()
    assert page["total"] == 4 and len(page["items"]) == 1 and page["page"] == 2
    first = client.get("/api/v1/merchants?per_page=3&page=1").get_json()["items"]
    assert {m["id"] for m in first}.isdisjoint({m["id"] for m in page["items"]})


def test_list_merchants_staff_see_every_status_of_their_branch(client, db, world):
    mf.merchant(world["d_east"], name="Open")
    mf.merchant(world["d_east"], "pending", name="Waiting")
    mf.merchant(world["d_west"], "pending", name="Elsewhere")
    db.session.commit()
    staff = factories.auth(world["staff_east"])
    pending = client.get("/api/v1/merchants?status=pending", headers=staff).get_json()
    assert [m["name"] for m in pending["items"]] == ["Waiting"]
    everything = client.get("/api/v1/merchants", headers=staff).get_json()
    assert {m["name"] for m in everything["items"]} == {"Open", "Waiting"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("tier=F", "tier"),
        ("status=open", "status"),
        ("industry=banks", "industry"),
    ],
)
def test_list_merchants_rejects_bad_query_values(client, world, query, field):
    response = client.get(f"/api/v1/merchants?{query}")
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_tier_filter_and_allowed_tiers_in_the_message(client, db, world):
    mf.policy(world["east"].id)
    rich = mf.merchant(world["d_east"], name="Rich")
    mf.merchant(world["d_east"], name="Small")
    mf.set_figures(rich, acquiring_volume=400 * mf.WAN)
    db.session.commit()
    body = client.get("/api/v1/merchants?tier=A").get_json()
    assert [m["name"] for m in body["items"]] == ["Rich"] and body["items"][0]["service_level"] == "a"
    assert client.get("/api/v1/merchants?tier=E").get_json()["total"] == 1
    message = client.get("/api/v1/merchants?tier=Z").get_json()["error"]["fields"]["tier"][0]
    assert "A, B, C, D, E" in message


def test_staff_read_figures_tier_history_policy_and_pyramid(client, db, world):
    mf.policy(world["east"].id, required=1)
    m = mf.merchant(world["d_east"], name="Rich")
    mf.set_figures(m, avg_daily_balance=250 * mf.WAN, transaction_count=321)
    db.session.commit()
    staff = factories.auth(world["staff_east"])
    figures = client.get(f"/api/v1/merchants/{m.id}/figures", headers=staff)
    assert figures.status_code == 200
    row = figures.get_json()[0]
    assert row["avg_daily_balance_fen"] == 250 * mf.WAN and row["transaction_count"] == 321
    assert len(row["month"]) == 7
    history = client.get(f"/api/v1/merchants/{m.id}/tier-history", headers=staff).get_json()
    assert [(h["from_tier"], h["to_tier"]) for h in history] == [("E", "C"), (None, "E")]
    assert (
        history[0]["reason"] == "figures" and history[0]["figures"]["avg_daily_balance_fen"] == 250 * mf.WAN
    )
    assert history[0]["policy"]["thresholds"]["C"]["avg_daily_balance_fen"] == 200 * mf.WAN
    policy = client.get(f"/api/v1/branches/{world['east'].id}/tier-policy", headers=staff).get_json()
    assert policy["figures_required"] == 1 and policy["thresholds"]["A"]["fee_income_fen"] == 400 * mf.WAN
    pyramid = client.get("/api/v1/tiers/pyramid", headers=staff).get_json()
    assert pyramid["counts"] == {"A": 0, "B": 0, "C": 1, "D": 0, "E": 0} and pyramid["total"] == 1
    assert pyramid["districts"][0]["name"] == "Wanda"


def test_figures_and_tiers_are_for_the_branch_staff_only(client, db, world):
    mf.policy(world["east"].id)
    m = mf.merchant(world["d_east"])
    owner = mf.owner_of(m)
    db.session.commit()
    for path in (f"/api/v1/merchants/{m.id}/figures", f"/api/v1/merchants/{m.id}/tier-history"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=factories.auth(owner)).status_code == 403
        # another branch's staff: as everywhere else, what they may not see does not exist
        assert client.get(path, headers=factories.auth(world["staff_west"])).status_code == 404
    policy_path = f"/api/v1/branches/{world['east'].id}/tier-policy"
    assert client.get(policy_path, headers=factories.auth(world["staff_west"])).status_code == 404
    pyramid = client.get("/api/v1/tiers/pyramid", headers=factories.auth(world["staff_west"])).get_json()
    assert pyramid["total"] == 0


def test_the_openapi_document_describes_the_merchant_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/merchant-applications",
        "/api/v1/merchants",
        "/api/v1/merchants/{merchant_id}",
        "/api/v1/merchants/{merchant_id}/review",
        "/api/v1/merchants/{merchant_id}/figures",
        "/api/v1/merchants/{merchant_id}/tier-history",
    ):
        assert path in spec["paths"], path

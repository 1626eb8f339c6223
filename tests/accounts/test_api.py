"""/auth/register, /auth/tokens, /me and /users, as API.md writes them."""

from datetime import timedelta

import pytest

from alliance.core import clock
from tests import factories


def test_register_creates_a_customer(client):
    response = client.post("/api/v1/auth/register", json={"username": "mei.li@x", "password": "longenough"})
    assert response.status_code == 201
    assert response.get_json() == {
        "id": response.get_json()["id"],
        "username": "mei.li@x",
        "role": "customer",
    }


def test_register_with_a_taken_username_is_409(client):
    client.post("/api/v1/auth/register", json={"username": "mei", "password": "longenough"})
    response = client.post("/api/v1/auth/register", json={"username": "mei", "password": "another-one"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": "longenough"}, "username"),
        ({"username": "x" * 65, "password": "longenough"}, "username"),
        ({"username": "bad name", "password": "longenough"}, "username"),
        ({"username": "bad#name", "password": "longenough"}, "username"),
        ({"username": "goodname", "password": "short"}, "password"),
        ({"username": "goodname", "password": "longenough", "referral_code": "NOPE1234"}, "referral_code"),
        ({"username": "goodname", "password": "longenough", "phone": "abcdefg"}, "phone"),
        ({"username": "goodname", "password": "longenough", "phone": "1" * 33}, "phone"),
    ],
)
def test_register_validation(client, body, field):
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


def test_register_with_a_friends_referral_code_links_them(client, db):
    friend = factories.user("customer")
    db.session.commit()
    response = client.post(
        "/api/v1/auth/register",
        json={"username": "newbie", "password": "longenough", "referral_code": friend.referral_code.lower()},
    )
    assert response.status_code == 201
    from alliance.accounts.models import User

    assert db.session.get(User, response.get_json()["id"]).referred_by_id == friend.id


def test_token_and_me(client, db):
    user = factories.user("customer", username="zhang")
    db.session.commit()
    response = client.post("/api/v1/auth/tokens", json={"username": "zhang", "password": factories.PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 32 and body["user"] == {
        "id": user.id,
        "username": "zhang",
        "role": "customer",
    }
    assert body["expires_at"].endswith("+08:00")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == user.id and me.get_json()["role"] == "customer"


def test_tokens_are_stored_hashed(client, db):
    from alliance.accounts.models import ApiToken

    user = factories.user("customer")
    raw = factories.token(user)
    stored = db.session.query(ApiToken).one()
    assert raw not in stored.token_hash and len(stored.token_hash) == 64


def test_wrong_password_is_401(client, db):
    factories.user("customer", username="zhang")
    db.session.commit()
    response = client.post("/api/v1/auth/tokens", json={"username": "zhang", "password": "wrong-password"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    response = client.post("/api/v1/auth/tokens", json={"username": "nobody", "password": "wrong-password"})
    assert response.status_code == 401


def test_failed_logins_are_limited_per_username_and_address(client, db):
    factories.user("customer", username="target")
    factories.user("customer", username="other")
    db.session.commit()
    for _ in range(10):
        r = client.post("/api/v1/auth/tokens", json={"username": "target", "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/tokens", json={"username": "target", "password": factories.PASSWORD})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    # Another username from the same address is not affected.
    r = client.post("/api/v1/auth/tokens", json={"username": "other", "password": factories.PASSWORD})
    assert r.status_code == 201
    # The real owner, from their own address, still signs in.
    r = client.post(
        "/api/v1/auth/tokens",
        json={"username": "target", "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert r.status_code == 201


def test_successful_logins_are_not_throttled(client, db):
    factories.user("customer", username="busy")
    db.session.commit()
    for _ in range(15):
        r = client.post("/api/v1/auth/tokens", json={"username": "busy", "password": factories.PASSWORD})
        assert r.status_code == 201


def test_expired_and_revoked_tokens_are_refused(client, db):
    user = factories.user("customer")
    headers = factories.auth(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401

    headers = factories.auth(user)
    clock.advance(timedelta(days=31))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_disabled_account_cannot_use_its_token(client, db):
    admin = factories.user("admin")
    user = factories.user("staff")
    headers = factories.auth(user)
    from alliance.accounts import services

    services.set_active(admin, user, False)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_admin_creates_staff_admin_and_clerk_users(client, db):
    admin = factories.user("admin")
    branch = factories.branch()
    headers = factories.auth(admin)
    r = client.post(
        "/api/v1/users",
        json={"username": "wang", "password": "longenough", "role": "staff", "branch_id": branch.id},
        headers=headers,
    )
    assert r.status_code == 201
    assert r.get_json()["role"] == "staff" and r.get_json()["branch_id"] == branch.id
    r = client.post(
        "/api/v1/users",
        json={"username": "root2", "password": "longenough", "role": "admin"},
        headers=headers,
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/users", json={"username": "wang", "password": "longenough", "role": "admin"}, headers=headers
    )
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "s1", "password": "longenough", "role": "staff"}, "username"),
        ({"username": "s1x", "password": "longenough", "role": "staff"}, "branch_id"),
        ({"username": "s1x", "password": "longenough", "role": "staff", "branch_id": 999}, "branch_id"),
        ({"username": "c1x", "password": "longenough", "role": "clerk"}, "merchant_id"),
        ({"username": "c1x", "password": "longenough", "role": "customer"}, "role"),
        ({"username": "c1x", "password": "longenough", "role": "merchant"}, "role"),
    ],
)
def test_user_creation_validation(client, db, body, field):
    headers = factories.auth(factories.user("admin"))
    r = client.post("/api/v1/users", json=body, headers=headers)
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_only_admins_create_users(client, db, role):
    headers = factories.auth(factories.user(role))
    r = client.post(
        "/api/v1/users", json={"username": "x123", "password": "longenough", "role": "admin"}, headers=headers
    )
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/users", json={}).status_code == 401

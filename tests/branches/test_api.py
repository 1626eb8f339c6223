"""/branches and /districts: admins manage all, staff their own branch, customers nothing."""

from tests import factories


def test_admin_creates_a_branch(client, db):
    headers = factories.auth(factories.user("admin"))
    r = client.post("/api/v1/branches", json={"name": "城东支行"}, headers=headers)
    assert r.status_code == 201
    assert r.get_json()["name"] == "城东支行" and isinstance(r.get_json()["id"], int)
    r = client.post("/api/v1/branches", json={"name": "城东支行"}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"
    r = client.post("/api/v1/branches", json={"name": "  "}, headers=headers)
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"]


def test_customers_and_staff_cannot_create_branches(client, db):
    for role in ("customer", "staff"):
        r = client.post("/api/v1/branches", json={"name": "X"}, headers=factories.auth(factories.user(role)))
        assert r.status_code == 403


def test_staff_create_districts_only_in_their_own_branch(client, db):
    own, other = factories.branch(), factories.branch()
    staff = factories.user("staff", branch_id=own.id)
    headers = factories.auth(staff)
    r = client.post("/api/v1/districts", json={"name": "万达商圈", "branch_id": own.id}, headers=headers)
    assert r.status_code == 201
    assert r.get_json() == {
        "id": r.get_json()["id"],
        "name": "万达商圈",
        "branch_id": own.id,
        "description": None,
    }
    r = client.post("/api/v1/districts", json={"name": "别人的商圈", "branch_id": other.id}, headers=headers)
    assert r.status_code == 403
    r = client.post("/api/v1/districts", json={"name": "万达商圈", "branch_id": own.id}, headers=headers)
    assert r.status_code == 409
    r = client.post("/api/v1/districts", json={"name": "x", "branch_id": "one"}, headers=headers)
    assert r.status_code == 422 and "branch_id" in r.get_json()["error"]["fields"]
    r = client.post("/api/v1/districts", json={"name": "x", "branch_id": 99999}, headers=headers)
    assert r.status_code == 422


def test_staff_see_only_their_own_branchs_districts(client, db):
    own, other = factories.branch(), factories.branch()
    mine = factories.district(own)
    theirs = factories.district(other)
    headers = factories.auth(factories.user("staff", branch_id=own.id))
    listed = client.get("/api/v1/districts", headers=headers).get_json()
    assert [d["id"] for d in listed] == [mine.id]
    assert client.get(f"/api/v1/districts/{theirs.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/branches/{other.id}", headers=headers).status_code == 404
    assert [b["id"] for b in client.get("/api/v1/branches", headers=headers).get_json()] == [own.id]


def test_customers_cannot_create_districts(client, db):
    branch = factories.branch()
    r = client.post(
        "/api/v1/districts",
        json={"name": "x", "branch_id": branch.id},
        headers=factories.auth(factories.user()),
    )
    assert r.status_code == 403

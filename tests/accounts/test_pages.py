"""Sign in, register, the account page, and who may open which page."""

import pytest

from tests import factories


def test_register_signs_the_customer_in(client, db):
    r = client.post(
        "/register",
        data={"username": "xiaoming", "password": "longenough", "confirm": "longenough"},
    )
    assert r.status_code == 302
    assert "xiaoming" in client.get("/account").get_data(as_text=True)


def test_register_errors_keep_what_was_typed(client, db):
    r = client.post("/register", data={"username": "ab", "password": "longenough", "confirm": "different"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'value="ab"' in page and "两次输入的密码不一致" in page


def test_register_refuses_a_phone_number_that_is_not_one(client, db):
    data = {"username": "xiaohong", "password": "longenough", "confirm": "longenough", "phone": "abcdefg"}
    page = client.post("/register", data=data).get_data(as_text=True)
    assert "只能包含数字" in page and 'value="abcdefg"' in page
    data["phone"] = "138 0013 8000"
    assert client.post("/register", data=data).status_code == 302


def test_login_wrong_password_says_so_in_chinese(client, db):
    user = factories.user()
    db.session.commit()
    page = factories.login(client, user, "wrong-password").get_data(as_text=True)
    assert "用户名或密码错误" in page


def test_login_then_logout(client, db):
    user = factories.user()
    db.session.commit()
    assert factories.login(client, user).status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302


def test_login_follows_only_local_next(client, db):
    user = factories.user()
    db.session.commit()
    r = client.post(
        "/login", data={"username": user.username, "password": factories.PASSWORD, "next": "//evil.example"}
    )
    assert r.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/admin/users", "/admin/branches", "/admin/districts"])
def test_customers_cannot_open_staff_or_admin_pages(client, db, path):
    user = factories.user()
    db.session.commit()
    factories.login(client, user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/branches", "/admin/districts", "/account", "/inbox"]
)
def test_visitors_are_sent_to_sign_in(client, path):
    r = client.get(path)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_staff_see_their_own_branchs_districts_only(client, db):
    own, other = factories.branch("本行"), factories.branch("他行")
    factories.district(own, "本行商圈")
    factories.district(other, "他行商圈")
    staff = factories.user("staff", branch_id=own.id)
    db.session.commit()
    factories.login(client, staff)
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "本行商圈" in page and "他行商圈" not in page
    assert client.get("/admin/branches").status_code == 403


def test_admin_adds_branches_districts_and_staff_from_pages(client, db):
    admin = factories.user("admin")
    db.session.commit()
    factories.login(client, admin)
    assert client.post("/admin/branches", data={"name": "城北支行"}).status_code == 302
    from alliance.branches.models import Branch

    branch = db.session.query(Branch).filter_by(name="城北支行").one()
    assert (
        client.post("/admin/districts", data={"name": "北门商圈", "branch_id": branch.id}).status_code == 302
    )
    r = client.post(
        "/admin/users",
        data={
            "username": "beimen",
            "password": "longenough",
            "role": "staff",
            "branch_id": branch.id,
            "merchant_id": 0,
        },
    )
    assert r.status_code == 302
    assert "beimen" in client.get("/admin/users").get_data(as_text=True)


def test_admin_page_shows_field_errors(client, db):
    admin = factories.user("admin")
    db.session.commit()
    factories.login(client, admin)
    page = client.post(
        "/admin/users", data={"username": "lonely", "password": "longenough", "role": "staff", "branch_id": 0}
    ).get_data(as_text=True)
    assert "员工须属于一个网点" in page


def test_a_disabled_user_is_signed_out(client, db):
    admin = factories.user("admin")
    staff = factories.user("staff")
    db.session.commit()
    factories.login(client, staff)
    assert client.get("/admin/districts").status_code == 200
    from alliance.accounts import services

    services.set_active(admin, staff, False)
    db.session.commit()
    assert client.get("/admin/districts").status_code == 302


def test_a_customers_account_page_leads_to_incentives_and_registrations(client, db):
    customer = factories.user("customer")
    staff = factories.user("staff")
    db.session.commit()
    factories.login(client, customer)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/wallet/incentives"' in page and "激励金余额" in page
    assert 'href="/me/registrations"' in page and "我的报名" in page
    client.post("/logout")
    factories.login(client, staff)
    assert 'href="/wallet/incentives"' not in client.get("/account").get_data(as_text=True)

"""Sessions end when they should: logout, a new password and deactivation end every existing session
of the user, the remember-me cookie included (a per-user session version checked on each request)."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def person(db):
    user = factories.user("customer", username="wendy")
    db.session.commit()
    return user


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def login(app, user, remember: bool = False):
    client = app.test_client()
    data = {"username": user.username, "password": factories.PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    assert signed_in(client)
    return client


def copy_cookies(source, app, names=("session", "remember_token")):
    """A second browser holding the same cookies (a stolen or left-behind copy)."""
    other = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


def only_remember_cookie(source, app):
    return copy_cookies(source, app, names=("remember_token",))


def test_after_logout_the_old_session_cookie_no_longer_signs_in(app, person):
    phone = login(app, person)
    left_behind = copy_cookies(phone, app)
    laptop = login(app, person)
    assert signed_in(left_behind)
    assert phone.post("/logout", data={}).status_code == 302
    assert not signed_in(phone)
    assert not signed_in(left_behind)
    assert not signed_in(laptop)  # every session of the user ends
    assert signed_in(login(app, person))  # and signing in again works


def test_a_password_change_ends_other_sessions_and_remember_me_cookies(app, db, person):
    here = login(app, person, remember=True)
    elsewhere = login(app, person, remember=True)
    remembered = only_remember_cookie(elsewhere, app)
    assert signed_in(remembered)  # the remember-me cookie alone signs in, before
    response = here.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "brand-new-pw",
            "confirm": "brand-new-pw",
        },
    )
    assert response.status_code == 302
    assert signed_in(here)  # the one who changed it carries on
    assert not signed_in(elsewhere)
    assert not signed_in(only_remember_cookie(elsewhere, app))
    assert signed_in(only_remember_cookie(here, app))  # the renewed cookie of this browser works


def test_deactivation_ends_the_users_sessions(app, db, person):
    client = login(app, person, remember=True)
    remembered = only_remember_cookie(client, app)
    admin = factories.user("admin", username="root")
    db.session.commit()
    admin_client = login(app, admin)
    response = admin_client.post(f"/admin/users/{person.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert not signed_in(client)
    assert not signed_in(remembered)
    admin_client.post(f"/admin/users/{person.id}/active", data={"active": "1"})
    assert not signed_in(client)  # re-enabling does not revive the old sessions
    assert signed_in(login(app, person))

"""Every POST form rejects a request without its CSRF token; the API (bearer tokens) is exempt."""

import re

import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            yield rule.rule, re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_every_post_form_rejects_a_missing_csrf_token(app, client):
    routes = list(_post_routes(app))
    assert len(routes) >= 8
    for rule, url in routes:
        response = client.post(url, data={"anything": "x"})
        assert response.status_code == 400, f"{rule} accepted a POST without a CSRF token"


def test_the_api_does_not_need_csrf(client):
    assert (
        client.post(
            "/api/v1/auth/register", json={"username": "csrf-free", "password": "longenough"}
        ).status_code
        == 201
    )

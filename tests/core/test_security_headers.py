"""Security headers: a Content-Security-Policy that allows no inline script (so no template may carry
one), no framing (the API docs included), HSTS and a secure language cookie under APP_ENV=production,
and no `Server` banner from gunicorn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests import factories
from tests.mall import factories as mf

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _inline_code(html: str) -> list[str]:
    return INLINE_SCRIPT.findall(html) + INLINE_HANDLER.findall(html) + re.findall(r"javascript:", html)


def test_no_template_carries_inline_script_or_handlers():
    found = {}
    for path in (ROOT / "templates").rglob("*.html"):
        bad = _inline_code(path.read_text())
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    assert found == {}


@pytest.mark.parametrize("role", ["anonymous", "customer", "clerk", "merchant", "staff"])
def test_every_page_answers_with_the_policy_and_no_inline_script(client, db, role):
    shop = mf.merchant()
    users = {
        "customer": mf.customer(),
        "clerk": mf.clerk(shop),
        "merchant": mf.owner(shop),
        "staff": mf.staff_for(shop),
    }
    if role in users:
        factories.login(client, users[role])
    pages = {"anonymous": ["/", "/mall", "/login", "/register", "/join"], "customer": ["/", "/wallet"]}
    pages.update(
        clerk=["/till", "/till/today"],
        merchant=["/till", "/merchant/coupons/new", "/my-shop"],
        staff=["/", "/staff/coupons", "/staff/merchants"],
    )
    for path in pages[role]:
        r = client.get(path)
        assert r.status_code == 200, path
        policy = r.headers["Content-Security-Policy"]
        scripts = policy.split("script-src")[1].split(";")[0]
        assert scripts.strip() == "'self'"
        assert "frame-ancestors 'none'" in policy
        assert r.headers["X-Frame-Options"] == "DENY"
        assert _inline_code(r.get_data(as_text=True)) == [], path
        assert "Strict-Transport-Security" not in r.headers  # development: no HSTS


def test_the_api_docs_cannot_be_framed_and_start_from_a_static_script(client, db):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    assert _inline_code(html) == [] and "/static/js/api-docs.js" in html


def test_production_sends_hsts_and_a_secure_language_cookie(database_url, tmp_path):
    from alliance.core.extensions import db as _db
    from wsgi import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "APP_ENV": "production",
            "SECRET_KEY": "p" * 40,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "SCHEDULER_ENABLED": False,
        }
    )
    with app.app_context():
        _db.create_all()
        try:
            client = app.test_client()
            r = client.get("/login")
            assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
            r = client.post("/lang", data={"lang": "en", "next": "/"})
            cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("lang="))
            assert "Secure" in cookie and "HttpOnly" in cookie
        finally:
            _db.session.remove()
            _db.drop_all()


def test_gunicorn_sends_no_server_banner(live_server):
    r = requests.get(live_server.url + "/login", timeout=10)
    assert r.status_code == 200
    assert "Server" not in r.headers
    assert "Content-Security-Policy" in r.headers

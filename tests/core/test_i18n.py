import re
from datetime import UTC

from alliance.core.i18n_cli import inconsistent_translations, missing_translations


def test_every_user_facing_string_has_a_chinese_translation():
    assert missing_translations() == {}


def test_one_english_string_has_one_chinese_translation_across_catalogs():
    assert inconsistent_translations() == {}


def test_pages_are_chinese_by_default_even_for_an_english_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page


def test_the_language_switch_is_remembered(client):
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and "登录" not in page
    client.post("/lang", data={"lang": "zh", "next": "/"})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_the_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    response = client.post("/lang", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "登录" in client.get("/login").get_data(as_text=True)


def _switch_target(page: str) -> str:
    return re.search(r'name="next" value="([^"]*)"', page).group(1)


def test_the_switch_on_a_page_answering_a_form_returns_to_the_page_that_sent_it(client):
    """A form's answer (a POST) cannot be loaded again: switching there would meet a 405."""
    bad_login = {"username": "nobody", "password": "wrong-password"}
    page = client.post(
        "/login?next=/wallet", data=bad_login, headers={"Referer": "http://localhost/login?next=/wallet"}
    )
    assert _switch_target(page.get_data(as_text=True)) == "/login?next=/wallet"
    page = client.post("/login", data=bad_login, headers={"Referer": "https://evil.example/x"})
    assert _switch_target(page.get_data(as_text=True)) == "/"
    assert _switch_target(client.get("/mall?q=面").get_data(as_text=True)) == "/mall?q=面"


def test_api_errors_speak_chinese_by_default_and_english_when_asked(client):
    zh = client.get("/api/v1/me").get_json()
    assert zh["error"]["message"] == "请先登录。"
    en = client.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()
    assert en["error"]["message"] == "Please sign in."


def test_one_chinese_date_style_everywhere(app):
    from datetime import datetime

    from flask_babel import force_locale

    from alliance.core import clock
    from alliance.core.i18n import localtime

    clock.freeze(datetime(2026, 12, 1, 6, 24, tzinfo=UTC))  # 14:24 in Shanghai, a Tuesday
    now = clock.now_utc()
    with app.test_request_context("/"), force_locale("zh"):
        assert localtime(now) == "2026年12月1日 周二 14:24"
        assert localtime(now, "short") == "12月1日 14:24"
        assert localtime(datetime(2025, 3, 1, 2, 0, tzinfo=UTC), "short") == "2025年3月1日 周六 10:00"

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


def test_api_errors_speak_chinese_by_default_and_english_when_asked(client):
    zh = client.get("/api/v1/me").get_json()
    assert zh["error"]["message"] == "请先登录。"
    en = client.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()
    assert en["error"]["message"] == "Please sign in."

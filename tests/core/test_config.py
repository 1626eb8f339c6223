import pytest

from alliance.core.config import ConfigError, load


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load(str(tmp_path), {"APP_ENV": "production"})


def test_production_refuses_counters_that_workers_do_not_share(tmp_path, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        load(
            str(tmp_path),
            {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "RATELIMIT_STORAGE_URI": "memory://"},
        )
    # By default the counters live in the application's database, which every worker shares.
    assert (
        load(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "x" * 40})["RATELIMIT_STORAGE_URI"]
        == "database"
    )
    cfg = load(
        str(tmp_path),
        {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"},
    )
    assert cfg["SESSION_COOKIE_SECURE"] is True


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY"]
    second = load(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").exists()


def test_defaults_follow_the_brief(tmp_path, monkeypatch):
    for var in ("DATABASE_URL", "TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    cfg = load(str(tmp_path), {"SECRET_KEY": "x"})
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert cfg["SQLALCHEMY_DATABASE_URI"].endswith("alliance.sqlite3")
    assert cfg["TIMEZONE"] == "Asia/Shanghai"
    assert cfg["BABEL_DEFAULT_LOCALE"] == "zh"


def test_postgres_urls_use_the_installed_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert (
        load(str(tmp_path), {"SECRET_KEY": "x"})["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    )


def test_an_unknown_time_zone_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError):
        load(str(tmp_path), {"SECRET_KEY": "x"})

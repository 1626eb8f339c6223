"""Settings from the environment: DATABASE_URL, SECRET_KEY, TIMEZONE, SCHEDULER_ENABLED and friends."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parents[2]


class ConfigError(RuntimeError):
    """The environment does not describe a runnable application."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path, env: str) -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker wrote it first; read theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// both mean psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """The configuration as a dict, read from the environment, then `overrides`."""
    overrides = dict(overrides or {})
    instance = Path(instance_path)
    env = overrides.get("APP_ENV") or os.environ.get("APP_ENV", "development")
    cfg: dict = {
        "APP_ENV": env,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'alliance.sqlite3'}"
        ),
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "SCHEDULER_ENABLED": _flag(os.environ.get("SCHEDULER_ENABLED"), True),
        "SCHEDULER_LOCK_LEASE_SECONDS": int(os.environ.get("SCHEDULER_LOCK_LEASE_SECONDS", "60")),
        "SCHEDULER_LOCK_WAIT_SECONDS": int(os.environ.get("SCHEDULER_LOCK_WAIT_SECONDS", "900")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "database"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "alliance:attempts:"),
        "LOGIN_FAILURE_LIMIT": os.environ.get("LOGIN_FAILURE_LIMIT", "10 per 10 minutes"),
        "REDEEM_FAILURE_LIMIT": os.environ.get("REDEEM_FAILURE_LIMIT", "20 per 10 minutes"),
        "SIGNUP_LIMIT": os.environ.get("SIGNUP_LIMIT", "10 per hour"),
        "API_SIGNUP_LIMIT": os.environ.get("API_SIGNUP_LIMIT", ""),
        # How many reverse proxies in front set X-Forwarded-For (the client address counts limits).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "API_TOKEN_TTL_HOURS": int(os.environ.get("API_TOKEN_TTL_HOURS", "720")),
        # The calendar feed's event UIDs end in this domain, whatever host a subscriber uses.
        "CALENDAR_UID_DOMAIN": os.environ.get("CALENDAR_UID_DOMAIN", "merchant-alliance.local"),
        "REVERSAL_WINDOW_MINUTES": int(os.environ.get("REVERSAL_WINDOW_MINUTES", "30")),
        "STOCK_SHARDS": int(os.environ.get("STOCK_SHARDS", "8")),
        "STOCK_SHARD_MIN": int(os.environ.get("STOCK_SHARD_MIN", "1000")),
        "MALL_TOTAL_CACHE_SECONDS": float(os.environ.get("MALL_TOTAL_CACHE_SECONDS", "5")),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # A database that is down or hangs answers `unavailable` within seconds (API.md), never
        # holds a worker until gunicorn kills it: see engine_options().
        "DATABASE_CONNECT_TIMEOUT": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
        "DATABASE_STATEMENT_TIMEOUT_MS": int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "8000")),
        "DATABASE_POOL_TIMEOUT": int(os.environ.get("DATABASE_POOL_TIMEOUT", "3")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(os.environ.get("SESSION_COOKIE_SECURE"), env == "production"),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "LANGUAGES": {"zh": "中文", "en": "English"},
        "BOOTSTRAP_SERVE_LOCAL": True,
        "JSON_AS_ASCII": False,
        "API_TITLE": "Merchant Alliance API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
    }
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg.update(overrides)
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(cfg))
    if "SECRET_KEY" not in cfg:
        cfg["SECRET_KEY"] = _secret_key(instance, env)
    if env == "production" and cfg["RATELIMIT_STORAGE_URI"].startswith("memory"):
        # Each worker would count failed logins and redemptions on its own (API.md: shared counters).
        raise ConfigError(
            "RATELIMIT_STORAGE_URI must name a store every worker shares (database, the default, or "
            "redis://127.0.0.1:6379) when APP_ENV=production"
        )
    try:
        ZoneInfo(cfg["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TIMEZONE {cfg['TIMEZONE']!r} is not a known time zone") from exc
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["TIMEZONE"]
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(p) for p in translation_directories())
    return cfg


def engine_options(cfg: dict) -> dict:
    """Connect, statement and pool timeouts, so that a database that does not answer costs a request
    seconds, not the worker. PostgreSQL: libpq's connect_timeout and TCP keepalives, and a
    server-side statement_timeout; every database: how long a request waits for a pooled connection."""
    options: dict = {"pool_pre_ping": True, "pool_timeout": cfg["DATABASE_POOL_TIMEOUT"]}
    if not cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///:memory:"):
        # More connections than a worker has threads (gunicorn gthread: 16), so a busy worker never
        # waits for the pool: the pool's short timeout is there for a database that does not answer.
        options["pool_size"] = cfg.get("DATABASE_POOL_SIZE", 10)
        options["max_overflow"] = cfg.get("DATABASE_MAX_OVERFLOW", 20)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {
            "connect_timeout": max(2, cfg["DATABASE_CONNECT_TIMEOUT"]),
            "options": f"-c statement_timeout={cfg['DATABASE_STATEMENT_TIMEOUT_MS']}",
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 3,
            "keepalives_count": 3,
            "tcp_user_timeout": cfg["DATABASE_CONNECT_TIMEOUT"] * 1000 + 2000,
        }
    return options


def translation_directories() -> list[Path]:
    """Every feature keeps its own catalog in `<package>/translations`."""
    found: list[Path] = []
    for top in ("alliance", "mall"):
        found.extend(p for p in (ROOT / top).glob("**/translations") if p.is_dir())
    return sorted(found)

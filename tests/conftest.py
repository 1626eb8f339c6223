"""Fixtures: `app`, `client`, `db` on SQLite and (the postgres tier) PostgreSQL; a live server."""

from __future__ import annotations

import contextvars
import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

import wsgi  # noqa: F401  (every model module, so mappers configure whichever a test imports first)
from alliance.core import clock
from alliance.core.db import write_intent
from tests import databases, openapi_check
from tests.live import browser, live_server, page  # noqa: F401  (fixtures)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config, items):
    """Browser tests check pages, not databases: they run on SQLite only (races cover PostgreSQL)."""
    kept, dropped = [], []
    for item in items:
        is_pg_variant = "postgres" in getattr(getattr(item, "callspec", None), "params", {}).values()
        (dropped if item.get_closest_marker("e2e") and is_pg_variant else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    databases.drop_templates()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield databases.sqlite_database(tmp_path)
    else:
        url = databases.postgres_database()
        yield url
        databases.drop_postgres_database(url)


@pytest.fixture
def app_config(database_url, tmp_path):
    """Override in a test module to change settings."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SCHEDULER_ENABLED": False,
    }


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as it does in production.

    The test's own app context (and its database session) stays outside: what the test set up is
    committed before the request, and what it loaded is expired after, so it reads fresh rows.
    With `check_openapi` each /api/v1 exchange is checked against the OpenAPI document.
    """

    check_openapi = False

    def open(self, *args, **kwargs):
        from alliance.core.extensions import db as _db

        if not has_app_context():  # a redirect being followed, already inside the request's context
            return super().open(*args, **kwargs)
        _db.session.commit()
        try:
            response = contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            _db.session.expire_all()
        if self.check_openapi:
            openapi_check.check(self.application, response, openapi_check.request_body(kwargs))
        return response


@pytest.fixture
def app(app_config):
    from alliance.core.extensions import db as _db
    from wsgi import create_app

    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    # The test's own reads must not take SQLite's write lock (a live server may be writing), so its
    # transactions begin deferred; they take the lock at their first write.
    token = write_intent.set(False)
    try:
        with application.app_context():
            yield application
            _db.session.remove()
            _db.engine.dispose()
    finally:
        write_intent.reset(token)


@pytest.fixture
def db(app):
    from alliance.core.extensions import db as _db

    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def _openapi_exchanges(request, monkeypatch):
    """The API test modules (`test_api*.py`): every exchange is checked against the OpenAPI document."""
    if request.node.path.name.startswith("test_api"):
        monkeypatch.setattr(IsolatedClient, "check_openapi", True)


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.reset()
    clock.set_zone("Asia/Shanghai")


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def pytest_configure(config):
    os.environ.setdefault("APP_ENV", "testing")

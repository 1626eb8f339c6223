"""`flask db upgrade` builds the same schema as the models, on SQLite and PostgreSQL; then users create."""

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests import databases

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _flask(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "migrations-test", "SCHEDULER_ENABLED": "0"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _check(url):
    upgrade = _flask(url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    created = _flask(
        url, "users", "create", "--role", "admin", "--username", "root", "--password", "longenough"
    )
    assert created.returncode == 0, created.stderr
    assert "created admin root" in created.stdout
    again = _flask(
        url, "users", "create", "--role", "admin", "--username", "root", "--password", "longenough"
    )
    assert again.returncode != 0
    assert "already taken" in again.stderr and "Traceback" not in again.stderr

    from alliance.core.extensions import db
    from wsgi import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        engine = db.engine
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


@pytest.mark.slow
def test_migrations_build_the_schema_on_an_empty_sqlite_file(tmp_path):
    _check(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_migrations_build_the_schema_on_an_empty_postgres_database():
    url = databases.empty_postgres_database()
    try:
        _check(url)
    finally:
        databases.drop_postgres_database(url)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app, db, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000

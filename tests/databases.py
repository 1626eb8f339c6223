"""Fresh databases for tests: a SQLite file or a PostgreSQL database, each cloned from a template.

The PostgreSQL tier runs when 127.0.0.1:5432 answers; under CI=true it must (a failure, not a skip).
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"

_lock = threading.Lock()
_templates: dict[str, str] = {}
_pg_ok: bool | None = None


def _admin_engine():
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def postgres_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            engine = _admin_engine()
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _pg_ok = True
        except Exception:
            _pg_ok = False
    return _pg_ok


def require_postgres() -> None:
    if not postgres_available():
        if IN_CI:
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required under CI=true but is not reachable")
        pytest.skip("PostgreSQL is not reachable; the postgres tier is skipped outside CI")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _build_schema(url: str) -> None:
    from alliance.core.extensions import db
    from wsgi import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "template", "TESTING": True})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def sqlite_database(directory: Path) -> str:
    with _lock:
        template = _templates.get("sqlite")
        if template is None:
            tpl_dir = Path(os.environ.get("PYTEST_TMPDIR", "/tmp")) / f"alliance-tpl-{os.getpid()}"
            tpl_dir.mkdir(parents=True, exist_ok=True)
            template = str(tpl_dir / "template.sqlite3")
            if os.path.exists(template):
                os.remove(template)
            _build_schema(f"sqlite:///{template}")
            _templates["sqlite"] = template
    target = directory / "test.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def postgres_database() -> str:
    """A new, empty-but-migrated database; dropped by `drop_postgres_database`."""
    require_postgres()
    engine = _admin_engine()
    with _lock:
        template = _templates.get("postgres")
        if template is None:
            template = f"alliance_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with engine.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{template}"'))
            _build_schema(_pg_url(template))
            _templates["postgres"] = template
    name = f"alliance_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine.dispose()
    return _pg_url(name)


def empty_postgres_database() -> str:
    require_postgres()
    engine = _admin_engine()
    name = f"alliance_empty_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return _pg_url(name)


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def drop_templates() -> None:
    template = _templates.pop("postgres", None)
    if template and postgres_available():
        drop_postgres_database(_pg_url(template))
    sqlite_tpl = _templates.pop("sqlite", None)
    if sqlite_tpl:
        shutil.rmtree(os.path.dirname(sqlite_tpl), ignore_errors=True)

"""Database plumbing: aware-UTC columns, SQLite's WAL and BEGIN IMMEDIATE, dialect-neutral upserts."""

from __future__ import annotations

import contextvars
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

UTC = UTC

# Whether the current unit of work may write. Reads (GET pages) begin a deferred transaction so
# they never queue behind writers; everything else takes SQLite's write lock up front, so
# concurrent writers wait their turn (busy timeout) instead of failing on lock upgrade.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)

SQLITE_BUSY_TIMEOUT_MS = 30_000


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, returns aware UTC, refuses naive input (a naive time is a bug)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite driver's own is deferred).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def is_sqlite(bind) -> bool:
    return bind.dialect.name == "sqlite"


def dialect_insert(table, bind):
    """The dialect's INSERT, with `on_conflict_do_nothing` / `on_conflict_do_update` (upserts), on
    SQLite and PostgreSQL alike."""
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_ignore(table, bind, **values):
    """INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike."""
    return dialect_insert(table, bind).values(**values).on_conflict_do_nothing()

"""Database plumbing: aware-UTC columns, SQLite's WAL and BEGIN IMMEDIATE, dialect-neutral upserts."""

from __future__ import annotations

import contextvars
import re
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

UTC = UTC

# Whether a transaction takes SQLite's write lock as it begins (`BEGIN IMMEDIATE`). Requests set it
# False: they begin deferred, read without the lock, and the lock is taken just before their first
# write statement (see `_sqlite_write_lock_at_first_write`), so writers never queue behind token
# look-ups, rule checks or rendering. Jobs and commands keep the default (the lock from the start).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)

# Statements that write (or open a savepoint, which the writes inside it need the lock for).
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|WITH|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_LOCK = "alliance.sqlite_write_lock"

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
    immediate = write_intent.get()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info[_LOCK] = immediate


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_write_lock_at_first_write(conn, cursor, statement, parameters, context, executemany):
    """In a deferred transaction, just before its first write: end the read part and begin again
    with the write lock. (Upgrading the read in place fails at once, without waiting, when another
    writer committed since it began.) The reads before keep their meaning: every contended write is
    a conditional statement that re-checks what must hold, as on PostgreSQL under READ COMMITTED."""
    if conn.info.get(_LOCK, True) or not _WRITES.match(statement):
        return
    if conn.dialect.name != "sqlite":
        return
    cursor.execute("COMMIT")
    cursor.execute("BEGIN IMMEDIATE")
    conn.info[_LOCK] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_transaction_over(conn):
    conn.info.pop(_LOCK, None)


def commit_keeping_loaded(session) -> None:
    """Commit now and leave the loaded objects loaded, so that answering with them (rendering after
    the commit, outside the write lock) costs no reload. `session` is Flask-SQLAlchemy's scoped one."""
    real = session()
    keep = real.expire_on_commit
    real.expire_on_commit = False
    try:
        real.commit()
    finally:
        real.expire_on_commit = keep


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

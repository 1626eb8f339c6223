"""Counters of failed attempts (logins, redemptions) and of sign-ups, shared by every worker and host.

API.md: limits guard guessing, never lock a real user out, and are counted atomically. Each attempt
is counted *before* it is tried, in one atomic step (an upsert that returns the new count, or Redis
INCRBY); over the limit it is refused and uncounted again. An attempt that turns out not to be a
guess (a right password, a code that exists) is forgiven: its count is taken back. So eight
concurrent tries at the ninth failure let exactly one through.

Where the counters live (RATELIMIT_STORAGE_URI):
- `database` (the default): the application's own database, table `attempt_counters`, written on a
  connection of its own so that a count survives the request's rollback. On SQLite the counters get
  a file of their own beside the database, as SQLite locks a whole file and the request may hold
  that lock already.
- `redis://...`: Redis, keys under RATELIMIT_KEY_PREFIX.
- `memory://`: this process only; for a single-process development server (production refuses it).

Windows are fixed, of the limit's period, and the previous window still counts for the part of it
that lies within one period of now (the usual sliding-window estimate).
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from limits import parse

from alliance.core import clock
from alliance.core.errors import RateLimited

PRUNE_EVERY = 200  # on average, one counting in this many also deletes expired rows


class MemoryStore:
    def __init__(self):
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def add(self, name: str, window: int, delta: int, expires_at: int) -> int:
        with self._lock:
            value = self._counts.get((name, window), 0) + delta
            self._counts[(name, window)] = value
            return value

    def get(self, name: str, window: int) -> int:
        with self._lock:
            return self._counts.get((name, window), 0)

    def clear(self, name: str) -> None:
        with self._lock:
            for k in [k for k in self._counts if k[0] == name]:
                del self._counts[k]


class RedisStore:
    def __init__(self, uri: str, prefix: str):
        import redis

        self._redis = redis.Redis.from_url(uri, socket_timeout=3, socket_connect_timeout=3)
        self._prefix = prefix

    def _key(self, name: str, window: int) -> str:
        return f"{self._prefix}{name}:{window}"

    def add(self, name: str, window: int, delta: int, expires_at: int) -> int:
        key = self._key(name, window)
        pipe = self._redis.pipeline(transaction=True)
        pipe.incrby(key, delta)
        pipe.expireat(key, expires_at)
        value, _ = pipe.execute()
        return int(value)

    def get(self, name: str, window: int) -> int:
        return int(self._redis.get(self._key(name, window)) or 0)

    def clear(self, name: str) -> None:
        for key in self._redis.scan_iter(f"{self._prefix}{name}:*"):
            self._redis.delete(key)


class DatabaseStore:
    """Counters in a table, each change one upsert in its own committed transaction."""

    def __init__(self, app):
        self._app = app
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()
        self._statements: dict = {}

    def _table(self):
        from alliance.core.counters import AttemptCounter

        return AttemptCounter.__table__

    def engine(self) -> sa.Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._make_engine()
        return self._engine

    def _make_engine(self) -> sa.Engine:
        # A pool of its own: a count never waits for a connection that the request's own work holds,
        # and a redemption's counter statements (count, the previous window, forgive) reuse
        # connections instead of opening one each (a new PostgreSQL connection costs milliseconds).
        url = sa.engine.make_url(self._app.config["SQLALCHEMY_DATABASE_URI"])
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            side = sa.engine.URL.create("sqlite", database=f"{database}-attempts" if database else None)
            engine = sa.create_engine(side, pool_size=2, max_overflow=10, connect_args={"timeout": 10})
            for attempt in range(5):
                try:
                    self._table().create(engine, checkfirst=True)
                    break
                except sa.exc.OperationalError:
                    # Another worker is creating it (the file is locked) or created it between the
                    # check and the CREATE: it is there once that worker is done.
                    if sa.inspect(engine).has_table(self._table().name):
                        break
                    if attempt == 4:
                        raise
                    time.sleep(0.05 * (attempt + 1))
            return engine
        options = self._app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        return sa.create_engine(
            url,
            pool_size=2,
            max_overflow=10,
            pool_pre_ping=True,
            pool_timeout=options.get("pool_timeout", 3),
            connect_args=options.get("connect_args", {}),
        )

    def _upsert(self, dialect: str):
        """The counting upsert, built once per dialect (its values are bound at execution)."""
        stmt = self._statements.get(dialect)
        if stmt is None:
            table = self._table()
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            values = {key: sa.bindparam(key) for key in ("name", "window", "count", "expires_at")}
            stmt = insert(table).values(values)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.name, table.c.window],
                set_={"count": table.c.count + stmt.excluded.count, "expires_at": stmt.excluded.expires_at},
            ).returning(table.c.count)
            self._statements[dialect] = stmt
        return stmt

    def add(self, name: str, window: int, delta: int, expires_at: int) -> int:
        table = self._table()
        with self.engine().begin() as conn:
            params = {"name": name, "window": window, "count": delta, "expires_at": expires_at}
            value = conn.execute(self._upsert(conn.dialect.name), params).scalar_one()
            if random.randrange(PRUNE_EVERY) == 0:
                conn.execute(sa.delete(table).where(table.c.expires_at < int(clock.now_utc().timestamp())))
        return int(value)

    def get(self, name: str, window: int) -> int:
        table = self._table()
        with self.engine().connect() as conn:
            value = conn.execute(
                sa.select(table.c.count).where(table.c.name == name, table.c.window == window)
            ).scalar()
        return int(value or 0)

    def clear(self, name: str) -> None:
        table = self._table()
        with self.engine().begin() as conn:
            conn.execute(sa.delete(table).where(table.c.name == name))


def store_for(app):
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory"):
        return MemoryStore()
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(uri, app.config["RATELIMIT_KEY_PREFIX"])
    if uri in ("", "database"):
        return DatabaseStore(app)
    raise ValueError(f"RATELIMIT_STORAGE_URI {uri!r}: use database, redis://... or memory://")


@dataclass
class Attempt:
    """One counted attempt; `forgive()` takes the count back (it was not a guess)."""

    store: object = None
    name: str = ""
    window: int = 0
    expires_at: int = 0
    forgiven: bool = False

    def forgive(self) -> None:
        if self.store is not None and not self.forgiven:
            self.forgiven = True
            self.store.add(self.name, self.window, -1, self.expires_at)


class AttemptLimiter:
    """`attempt(kind, key)` before trying; `.forgive()` when it was not a failure.

    One instance serves every application; each keeps its store and limits in `app.extensions`."""

    def init_app(self, app) -> None:
        import alliance.core.counters  # noqa: F401  (the table, for create_all and migrations)

        app.extensions["attempts"] = {
            "store": store_for(app),
            "limits": {
                "login": app.config["LOGIN_FAILURE_LIMIT"],
                "redeem": app.config["REDEEM_FAILURE_LIMIT"],
                "signup": app.config["SIGNUP_LIMIT"],
                "api_signup": app.config["API_SIGNUP_LIMIT"],
            },
        }

    @staticmethod
    def _state() -> dict:
        from flask import current_app

        return current_app.extensions["attempts"]

    def attempt(self, kind: str, key: str) -> Attempt:
        """Count one attempt of `kind` by `key`; RateLimited (and not counted) past the limit."""
        state = self._state()
        spec = (state["limits"].get(kind) or "").strip()
        if not spec or spec.lower() in {"0", "off", "none"}:
            return Attempt()
        item = parse(spec)
        period = item.get_expiry()
        now = clock.now_utc().timestamp()
        window = int(now // period)
        expires_at = int((window + 2) * period)
        name = f"{kind}:{key}"[:300]
        store = state["store"]
        count = store.add(name, window, 1, expires_at)
        earlier = store.get(name, window - 1) if count <= item.amount else 0
        overlap = 1 - (now - window * period) / period
        if count + math.floor(earlier * overlap) > item.amount:
            store.add(name, window, -1, expires_at)
            raise RateLimited()
        return Attempt(store, name, window, expires_at)

    def clear(self, kind: str, key: str) -> None:
        self._state()["store"].clear(f"{kind}:{key}"[:300])

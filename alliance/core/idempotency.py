"""Idempotency keys: a retried write with the same key from the same user gets the first answer again.

The key row is inserted first, in the same transaction as the work. A duplicate arriving while the
first is still running blocks on the unique index (PostgreSQL) or on the write lock (SQLite), then
finds the stored answer and returns it: the work runs once. If the first attempt fails unexpectedly
its transaction rolls back, the key row with it, and the next attempt runs the work afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core import clock
from alliance.core.db import UTCDateTime, commit_keeping_loaded, insert_ignore
from alliance.core.errors import Conflict, DomainError, RateLimited, ValidationFailed
from alliance.core.extensions import db
from alliance.core.jobs import Job

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 200
KEEP_FOR = timedelta(hours=24)


class IdempotencyKey(db.Model):
    """The first answer given to a (user, key): status and JSON body."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX_LENGTH))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    body: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def fingerprint(method: str, path: str, payload: Any = None) -> str:
    """What the request asked for; a key reused for a different request is refused."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def clean_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationFailed(
            {HEADER: [_l("An Idempotency-Key has 1 to %(n)s printable characters.", n=KEY_MAX_LENGTH)]}
        )
    return key


def run_once(
    user_id: int,
    key: str | None,
    request_fingerprint: str,
    work: Callable[[], tuple[int, dict]],
) -> tuple[int, dict]:
    """(status, body) of `work`, or of its first run under `key`.

    Domain refusals are stored too (the same key answers the same refusal), except rate limiting,
    which says "later", not "no". A stored refusal is committed here, because the request boundary
    rolls back every answer of 400 and above.
    """
    if key is None:
        return work()
    session = db.session
    inserted = session.execute(
        insert_ignore(
            IdempotencyKey.__table__,
            session.get_bind(),
            user_id=user_id,
            key=key,
            fingerprint=request_fingerprint,
            created_at=clock.now_utc(),
        ).returning(IdempotencyKey.__table__.c.id)
    ).first()
    if inserted is None:
        return _stored_answer(user_id, key, request_fingerprint)
    try:
        with session.begin_nested():
            status, body = work()
    except RateLimited:
        raise
    except DomainError as err:
        status, body = err.status, _error_body(err)
        _store(user_id, key, status, body)
        session.commit()
        return status, body
    _store(user_id, key, status, body)
    return status, body


def _error_body(err: DomainError) -> dict:
    body = err.to_dict()
    body["error"]["message"] = gettext(str(err.message))
    if err.fields:
        body["error"]["fields"] = {k: [gettext(str(m)) for m in v] for k, v in err.fields.items()}
    return body


def _store(user_id: int, key: str, status: int, body: dict) -> None:
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .values(status_code=status, body=body)
    )


def _stored_answer(user_id: int, key: str, request_fingerprint: str) -> tuple[int, dict]:
    row = db.session.execute(
        sa.select(IdempotencyKey.fingerprint, IdempotencyKey.status_code, IdempotencyKey.body).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
        )
    ).one()
    if row.fingerprint != request_fingerprint:
        raise Conflict(_l("This Idempotency-Key was already used for a different request."))
    if row.status_code is None:
        raise Conflict(_l("A request with this Idempotency-Key is still running. Try again shortly."))
    return row.status_code, row.body


def purge_old_keys() -> int:
    """Job: forget keys older than a day (a client retries within minutes, not days)."""
    removed = db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < clock.now_utc() - KEEP_FOR)
    ).rowcount
    db.session.commit()
    return removed


PURGE_JOB = Job(
    "core.purge_idempotency_keys",
    purge_old_keys,
    "cron",
    {"hour": 4, "minute": 10},
    "Forget Idempotency-Keys older than a day",
)


def json_once(
    user_id: int,
    payload: Any,
    work: Callable[[], tuple[int, Any]],
    render: Callable[[Any], dict] | None = None,
):
    """For API views: honour the request's Idempotency-Key and answer with JSON (API.md).

    With `render`, `work` returns (status, result) and `render(result)` makes the body. Without a
    key the writes are committed before rendering, so the write transaction (and SQLite's write
    lock) ends before the answer is built; with a key the body is stored in the same transaction.
    """
    from flask import jsonify, request

    key = clean_key(request.headers.get(HEADER))
    if render is not None and key is None:
        status, result = work()
        commit_keeping_loaded(db.session)
        return jsonify(render(result)), status
    if render is not None:
        plain_work = work

        def work():
            status, result = plain_work()
            return status, render(result)

    status, body = run_once(user_id, key, fingerprint(request.method, request.path, payload), work)
    return jsonify(body), status

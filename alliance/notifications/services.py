"""Sending, rendering and reading notifications.

Features register their kinds once (`register_kind`) with translatable title and body templates;
the inbox renders them in the reader's language with the stored params.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.extensions import db
from alliance.core.i18n import localdate, localtime
from alliance.notifications.models import Notification


@dataclass(frozen=True)
class Kind:
    title: object  # lazy string with %(name)s placeholders
    body: object


_KINDS: dict[str, Kind] = {}


def register_kind(name: str, title, body) -> None:
    _KINDS[name] = Kind(title, body)


def notify(
    user_id: int,
    kind: str,
    params: dict | None = None,
    *,
    link: str | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """Put a message in `user_id`'s inbox. Returns False when `dedupe_key` was already sent."""
    if kind not in _KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    values = {
        "user_id": user_id,
        "kind": kind,
        "params": params or {},
        "link": link,
        "dedupe_key": dedupe_key,
        "created_at": clock.now_utc(),
    }
    if dedupe_key is None:
        db.session.add(Notification(**values))
        db.session.flush()
        return True
    bind = db.session.get_bind()
    # RETURNING tells whether a row went in on both databases (psycopg reports rowcount -1 here).
    stmt = insert_ignore(Notification.__table__, bind, **values).returning(Notification.__table__.c.id)
    return db.session.execute(stmt).first() is not None


def _format_params(params: dict) -> dict:
    shown = {}
    for key, value in params.items():
        if isinstance(value, str) and key.endswith("_at"):
            try:
                shown[key] = localtime(datetime.fromisoformat(value))
                continue
            except ValueError:
                pass
        if isinstance(value, str) and key.endswith("_on"):
            try:
                shown[key] = localdate(datetime.fromisoformat(value).date())
                continue
            except ValueError:
                pass
        shown[key] = value
    return shown


def render(note: Notification) -> tuple[str, str]:
    """(title, body) in the current language."""
    kind = _KINDS.get(note.kind)
    if kind is None:
        return note.kind, ""
    params = _format_params(note.params or {})
    try:
        return str(kind.title) % params, str(kind.body) % params
    except (KeyError, ValueError, TypeError):
        return str(kind.title), ""


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def inbox(user_id: int, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user as read."""
    stmt = sa.update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt.values(read_at=clock.now_utc())).rowcount


def mark_settled(kind: str, link: str) -> int:
    """Mark every reader's unread `kind` notifications pointing at `link` as read: what they asked
    somebody to do about it has been done."""
    stmt = sa.update(Notification).where(
        Notification.kind == kind, Notification.link == link, Notification.read_at.is_(None)
    )
    return db.session.execute(stmt.values(read_at=clock.now_utc())).rowcount

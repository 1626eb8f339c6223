"""Recording and reading the audit trail."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from alliance.audit.models import AuditEvent
from alliance.core.extensions import db


def record(
    actor,
    action: str,
    subject: Any,
    *,
    reason: str | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Note that `actor` (a user, or None for the system) did `action` to `subject` (a model row)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        reason=reason,
        data=data,
    )
    db.session.add(event)
    return event


def history(subject: Any, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.subject_type == subject.__tablename__,
                AuditEvent.subject_id == subject.id,
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )

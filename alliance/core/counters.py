"""The table behind the failed-attempt counters when no Redis is configured (see core.ratelimit)."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.core.extensions import db


class AttemptCounter(db.Model):
    """How many counted attempts `name` (kind and key) made in one fixed window of its limit."""

    __tablename__ = "attempt_counters"

    name: sa.orm.Mapped[str] = sa.orm.mapped_column(sa.String(300), primary_key=True)
    window: sa.orm.Mapped[int] = sa.orm.mapped_column(sa.BigInteger, primary_key=True)
    count: sa.orm.Mapped[int] = sa.orm.mapped_column(sa.Integer, nullable=False, default=0)
    # Unix time after which the row no longer matters (two windows on): pruned as counting goes.
    expires_at: sa.orm.Mapped[int] = sa.orm.mapped_column(sa.BigInteger, nullable=False, index=True)

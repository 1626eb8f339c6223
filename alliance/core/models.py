"""Column helpers every feature's models use: UTC timestamps set through the clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from alliance.core import clock
from alliance.core.db import UTCDateTime


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False, default=clock.now_utc)


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False, default=clock.now_utc, onupdate=clock.now_utc)

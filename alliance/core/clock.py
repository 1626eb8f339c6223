"""The only place that reads the time: aware UTC now, and local-zone conversions."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = UTC

_lock = threading.Lock()
_frozen: datetime | None = None
_offset = timedelta(0)
_zone = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    """The current time, aware, in UTC. Tests move it with `freeze`/`shift`."""
    with _lock:
        if _frozen is not None:
            return _frozen
        return datetime.now(UTC) + _offset


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (aware). Used by tests and the demo, never by features."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    with _lock:
        _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward, or shift a running one."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta


def reset() -> None:
    global _frozen, _offset
    with _lock:
        _frozen = None
        _offset = timedelta(0)


def set_zone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)


def local_zone() -> ZoneInfo:
    return _zone


def ensure_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is read as local time (API.md)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone)


def local_now() -> datetime:
    return to_local(now_utc())


def local_today() -> date:
    return local_now().date()


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which local `day` begins."""
    return datetime.combine(day, time(0), tzinfo=_zone).astimezone(UTC)


def local_datetime_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_zone).astimezone(UTC)

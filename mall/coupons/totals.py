"""How many live coupons a mall filter matches, for the answer's `total`.

Counting every match costs time in proportion to the matches (16 ms at 100,000 live coupons on
SQLite, most of the list's time), while the page itself is found in a few index steps. So each
process keeps the count of a filter for `MALL_TOTAL_CACHE_SECONDS` (5 by default; 0 counts every
time): a page that is not full gives the exact total without counting and corrects the copy, and
any write request this process serves drops every copy. The items of a page are always exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, request

_KEY = "mall.totals"
MAX_FILTERS = 512  # distinct filters (searches) kept; past that the copies start over


_GENERATION = "mall.totals.generation"


def _store() -> dict:
    return current_app.extensions.setdefault(_KEY, {})


def _generation() -> int:
    return current_app.extensions.get(_GENERATION, 0)


def count(key: tuple, counter: Callable[[], int], *, fresh: bool = False) -> tuple[int, bool]:
    """The total for `key`, and whether it was counted just now (False: a recent copy)."""
    ttl = float(current_app.config.get("MALL_TOTAL_CACHE_SECONDS", 5) or 0)
    hit = _store().get(key)
    if not fresh and ttl > 0 and hit is not None and time.monotonic() - hit[1] < ttl:
        return hit[0], False
    generation = _generation()
    value = counter()
    if ttl > 0:
        remember(key, value, generation)
    return value, True


def remember(key: tuple, value: int, generation: int | None = None) -> None:
    """Keep `value`, unless a write dropped the copies since it was read (`generation`)."""
    if generation is not None and generation != _generation():
        return
    store = _store()
    if len(store) >= MAX_FILTERS and key not in store:
        store.clear()
    store[key] = (value, time.monotonic())


def forget() -> None:
    """Drop every copy (and any count still running, read before the write, is not kept)."""
    current_app.extensions[_GENERATION] = _generation() + 1
    current_app.extensions.pop(_KEY, None)


def forget_after_write(_error=None) -> None:
    """A request teardown: after a write (coupons, stock or shops may have changed), drop every copy."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        forget()

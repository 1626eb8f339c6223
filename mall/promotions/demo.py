"""Demo data: one chain and one coupon pack across trades that a demo customer can try at once."""

from __future__ import annotations


def seed() -> list[tuple[str, str, str]]:
    return []

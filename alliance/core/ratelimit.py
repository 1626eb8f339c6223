"""Counters of failed attempts (logins, redemptions), shared by all workers through `limits` storage.

Only failures are counted; successful traffic is never throttled (API.md).
"""

from __future__ import annotations

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from alliance.core.errors import RateLimited


class AttemptLimiter:
    def __init__(self):
        self._strategy: MovingWindowRateLimiter | None = None
        self._limits: dict[str, str] = {}

    def init_app(self, app) -> None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        self._strategy = MovingWindowRateLimiter(storage)
        self._limits = {
            "login": app.config["LOGIN_FAILURE_LIMIT"],
            "redeem": app.config["REDEEM_FAILURE_LIMIT"],
        }
        app.extensions["attempts"] = self

    def _item(self, kind: str):
        return parse(self._limits[kind])

    def check(self, kind: str, key: str) -> None:
        """Raise RateLimited when `key` has used up its failures for `kind`."""
        assert self._strategy is not None, "AttemptLimiter not initialised"
        if not self._strategy.test(self._item(kind), kind, key):
            raise RateLimited()

    def fail(self, kind: str, key: str) -> None:
        assert self._strategy is not None, "AttemptLimiter not initialised"
        self._strategy.hit(self._item(kind), kind, key)

    def clear(self, kind: str, key: str) -> None:
        assert self._strategy is not None
        self._strategy.clear(self._item(kind), kind, key)

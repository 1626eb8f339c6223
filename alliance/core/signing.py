"""Signed tokens (QR payloads, links): one salt per purpose, the secret key behind them all.

Ages are checked by the caller against `clock.now_utc()` (an issue time travels inside the
payload), so tests that move the clock see tokens age with it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

__all__ = ["BadSignature", "dumps", "loads"]


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"alliance.{purpose}")


def dumps(purpose: str, data: Any) -> str:
    return _serializer(purpose).dumps(data)


def loads(purpose: str, token: str) -> Any:
    """The signed data; raises BadSignature when the token was changed or invented."""
    if not isinstance(token, str) or len(token) > 4096:
        raise BadSignature("not a token")
    return _serializer(purpose).loads(token)

"""Service-level tests run inside a request context, as the services do in production (their error
messages are translated lazily, which needs a locale)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _request_context(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.test_request_context("/"):
        yield

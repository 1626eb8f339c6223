"""schemathesis over /api/v1/openapi.json against a live server on SQLite and PostgreSQL, signed in
as a customer, a merchant owner, branch staff and an admin: whatever it sends, no answer is a 5xx,
and every answer matches the document (its status, content type, headers and body schema)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests import databases
from tests.live import start_live_server

pytestmark = pytest.mark.slow

MAX_EXAMPLES = "25"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api_server(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("schemathesis")
    if request.param == "sqlite":
        url = databases.sqlite_database(directory)
    else:
        databases.require_postgres()
        url = databases.postgres_database()
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "UPLOAD_FOLDER": str(directory / "uploads"),
        "SCHEDULER_ENABLED": False,
        # Guessing limits would answer 429 to a fuzzer; they have their own tests.
        "LOGIN_FAILURE_LIMIT": "",
        "REDEEM_FAILURE_LIMIT": "",
    }
    from alliance.core.extensions import db
    from tests import factories
    from tests.mall import factories as mf
    from wsgi import create_app

    app = create_app(config)
    with app.app_context():
        shop = mf.merchant()
        owner = mf.owner(shop)
        mf.live_coupon(shop, owner)
        tokens = {
            "customer": factories.token(mf.customer()),
            "owner": factories.token(owner),
            "staff": factories.token(mf.staff_for(shop)),
            "admin": factories.token(factories.user("admin")),
        }
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = start_live_server(config, directory, workers=2, threads=8)
    yield server, tokens
    server.stop()
    if request.param == "postgres":
        databases.drop_postgres_database(url)


@pytest.mark.parametrize("role", ["customer", "owner", "staff", "admin"])
def test_every_answer_matches_the_document_and_none_is_a_server_error(api_server, role, tmp_path):
    server, tokens = api_server
    auth = {"Authorization": f"Bearer {tokens[role]}"}
    command = [
        os.path.join(os.path.dirname(sys.executable), "schemathesis"),
        "run",
        f"{server.url}/api/v1/openapi.json",
        "--url",
        server.url,
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "15",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        # Revoking the token it signs in with would leave every later request a 401.
        "--exclude-operation-id",
        "revokeCurrentToken",
        "-H",
        f"Authorization: Bearer {tokens[role]}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:] + server.log()[-3000:]
    assert "generated" in result.stdout and " passed" in result.stdout, result.stdout[-3000:]
    # Still signed in afterwards: the run exercised the API as this role, not as nobody.
    assert requests.get(f"{server.url}/api/v1/me", headers=auth, timeout=30).status_code == 200

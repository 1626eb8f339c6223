"""Every /api/v1 exchange of the API tests, checked against the published OpenAPI document.

openapi-core validates the answer (status, headers, body) of every exchange, and the request of every
exchange the server accepted (a request the server refused may be wrong on purpose). Turned on for the
test modules named `test_api*.py` (see conftest.py); `CHECKED` counts what was checked.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import MultiDict

_documents: dict[str, OpenAPI] = {}
CHECKED: Counter = Counter()


def document(app) -> OpenAPI:
    with app.test_request_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    key = json.dumps(spec, sort_keys=True, default=str)
    if key not in _documents:
        _documents[key] = OpenAPI.from_dict(json.loads(key))
    return _documents[key]


def request_body(kwargs: dict) -> bytes | None:
    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    if isinstance(data, str):
        return data.encode()
    return data if isinstance(data, bytes) else None


def check(app, response, body: bytes | None) -> None:
    sent = response.request
    if not sent.path.startswith("/api/v1/") or sent.path.startswith(("/api/v1/docs", "/api/v1/openapi")):
        return
    openapi = document(app)
    content_type = sent.headers.get("Content-Type", "application/json").split(";")[0]
    request = MockRequest(
        "http://localhost",
        sent.method.lower(),
        sent.path,
        args=MultiDict(sent.args),
        headers=dict(sent.headers),
        data=body or b"",
        content_type=content_type if body else "application/json",
    )
    answer = MockResponse(
        response.get_data(),
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=(response.mimetype or "application/json"),
    )
    where = f"{sent.method} {sent.full_path} → {response.status_code}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # a deprecated parameter is still valid
        if response.status_code < 400:
            try:
                openapi.validate_request(request)
            except Exception as error:
                raise AssertionError(f"request does not match the OpenAPI document: {where}: {_why(error)}")
        try:
            openapi.validate_response(request, answer)
        except Exception as error:
            raise AssertionError(f"answer does not match the OpenAPI document: {where}: {_why(error)}")
    CHECKED[(sent.method, response.status_code)] += 1


def _why(error: Exception) -> str:
    causes = [repr(error)]
    inner = error.__cause__
    while inner is not None:
        causes.append(repr(inner))
        for sub in getattr(inner, "schema_errors", ()) or ():
            causes.append(f"  {list(sub.absolute_path)}: {sub.message}")
        inner = inner.__cause__
    return "\n".join(causes)

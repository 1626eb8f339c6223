"""Request plumbing: the unit of work per request, and one place that turns errors into answers.

API paths (/api/...) always answer in API.md's JSON error shape; pages answer with an HTML page.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from alliance.core.db import write_intent
from alliance.core.errors import DomainError, error_body
from alliance.core.extensions import db

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

HTTP_CODES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Please sign in.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This clashes with something that already exists.")),
    413: ("payload_too_large", _l("The upload is too large.")),
    415: ("bad_request", _l("The request could not be understood.")),
    422: ("validation_error", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a few minutes and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. Nothing was changed.")),
}


class RowIdConverter(IntegerConverter):
    """`<int:id>` in every route: a number beyond the ids' 32-bit range matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


# Marshmallow's validators format their numbers into English sentences before we see them; these
# patterns bring such a sentence back to a template of ours, translated, with the same values.
VALIDATOR_SENTENCES = [
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"
        ),
        _l("Must be between {min} and {max}."),
    ),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"), _l("Must be at least {min}.")),
    (re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"), _l("Must be at most {max}.")),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), _l("At most {max} characters.")),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), _l("At least {min} characters.")),
    (
        re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
        _l("Between {min} and {max} characters."),
    ),
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), _l("Must be one of: {choices}.")),
]


def _translate(message) -> str:
    if not message:
        return ""
    text = str(message)
    for pattern, template in VALIDATOR_SENTENCES:
        found = pattern.match(text)
        if found:
            return str(template).format(**found.groupdict())
    return gettext(text)


def _flatten_field_errors(messages) -> dict[str, list[str]]:
    """webargs' {"json": {"field": [...]}} -> {"field": [...]}, translated."""
    fields: dict[str, list[str]] = {}

    def put(key: str, value) -> None:
        if isinstance(value, dict):
            for sub, inner in value.items():
                put(f"{key}.{sub}" if key else str(sub), inner)
        elif isinstance(value, list):
            fields.setdefault(key or "_schema", []).extend(_translate(v) for v in value)
        else:
            fields.setdefault(key or "_schema", []).append(_translate(value))

    if isinstance(messages, dict):
        for _location, errs in messages.items():
            if isinstance(errs, dict):
                for name, value in errs.items():
                    put(str(name), value)
            else:
                put("", errs)
    return fields


def _html_error(status: int, message) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


def handle_domain_error(err: DomainError):
    db.session.rollback()
    if is_api_request():
        body = err.to_dict()
        body["error"]["message"] = _translate(err.message)
        if err.fields:
            body["error"]["fields"] = {k: [_translate(m) for m in v] for k, v in err.fields.items()}
        return jsonify(body), err.status
    return _html_error(err.status, err.message)


def handle_http_exception(err: HTTPException):
    db.session.rollback()
    status = err.code or 500
    code, message = HTTP_CODES.get(status, ("error", err.name))
    if is_api_request():
        fields = None
        data = getattr(err, "data", None) or {}
        if status == 422 and "messages" in data:
            fields = _flatten_field_errors(data["messages"])
        body = error_body(code, _translate(message), fields)
        response = jsonify(body)
        response.status_code = status
        if status == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response
    if isinstance(err, CSRFError):
        return _html_error(400, _l("This form has expired. Please go back, reload the page and try again."))
    return _html_error(status, message)


def handle_number_overflow(err: OverflowError):
    """A number too large for the database (an id nobody has) came in: nothing matches it."""
    db.session.rollback()
    code, message = HTTP_CODES[404]
    if is_api_request():
        return jsonify(error_body(code, _translate(message))), 404
    return _html_error(404, message)


def handle_unexpected(err: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    code, message = HTTP_CODES[500]
    if is_api_request():
        return jsonify(error_body(code, _translate(message))), 500
    return _html_error(500, message)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter

    @app.before_request
    def _begin_unit_of_work():
        request.environ["alliance.write_token"] = write_intent.set(request.method not in SAFE_METHODS)

    @app.after_request
    def _commit(response):
        # One commit per request: services flush, the request boundary commits.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.teardown_request
    def _end_unit_of_work(exc):
        if exc is not None:
            db.session.rollback()
        token = request.environ.pop("alliance.write_token", None)
        if token is not None:
            write_intent.reset(token)

    @app.route("/healthz")
    def healthz():
        """For load balancers and process supervisors: the app answers and reaches its database."""
        db.session.execute(sa.text("SELECT 1"))
        return jsonify({"status": "ok"})

    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OverflowError, handle_number_overflow)
    app.register_error_handler(Exception, handle_unexpected)

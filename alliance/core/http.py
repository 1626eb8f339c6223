"""Request plumbing: the unit of work per request, and one place that turns errors into answers.

API paths (/api/...) always answer in API.md's JSON error shape; pages answer with an HTML page.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask import Flask, abort, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from alliance.core.db import write_intent
from alliance.core.errors import DomainError, error_body
from alliance.core.extensions import db
from alliance.core.text import bad_fields

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
    414: ("uri_too_long", _l("The address is too long.")),
    415: ("bad_request", _l("The request could not be understood.")),
    422: ("validation_error", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a few minutes and try again.")),
    431: ("headers_too_large", _l("The request's headers are too large.")),
    500: ("internal_error", _l("Something went wrong on our side. Nothing was changed.")),
    503: ("unavailable", _l("The service is busy right now. Please try again in a moment.")),
}

# Errors that mean the database is down, refused us, dropped the connection or is too slow: the
# request did not happen and is safe to retry (503 `unavailable`), not a bug of ours (500).
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.TimeoutError, sa.exc.InterfaceError)
RETRY_AFTER_SECONDS = "5"


# The largest request line and headers the application answers; gunicorn.conf.py sets gunicorn's
# own limits above these, so an oversized request gets the application's answer (JSON under /api)
# rather than gunicorn's plain-text one.
MAX_URI_BYTES = 4096
MAX_HEADER_BYTES = 8192
MAX_HEADERS_TOTAL_BYTES = 32768


class RowIdConverter(IntegerConverter):
    """`<int:id>` in every route: a number beyond the ids' 32-bit range matches no route (404).

    The range lives in the pattern itself: a number that matched the pattern and failed the range
    check afterwards would make werkzeug answer 405 for methods that other rules of the path allow.
    """

    # 0 .. 2147483647, digit by digit, with no leading zeros beyond a plain "0".
    regex = (
        r"(?:[1-9]\d{0,8}|0|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
        r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
    )

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


def _rollback() -> None:
    """Undo the unit of work; on a connection that is already gone there is nothing to undo."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed on a dead connection", exc_info=True)


def unavailable_response():
    """503 `unavailable`: JSON under /api (and /healthz), a "busy, try again" page elsewhere.

    Nothing here touches the database: the page is drawn for an anonymous visitor."""
    code, message = HTTP_CODES[503]
    if is_api_request() or request.path == "/healthz":
        response = jsonify(error_body(code, _translate(message)))
        response.status_code = 503
    else:
        from flask import g
        from flask_login import AnonymousUserMixin

        g._login_user = AnonymousUserMixin()
        response = make_response(*_html_error(503, message))
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def handle_database_unavailable(err: Exception):
    _rollback()
    log.warning("database unavailable on %s %s: %s", request.method, request.path, err)
    return unavailable_response()


def handle_domain_error(err: DomainError):
    _rollback()
    if is_api_request():
        body = err.to_dict()
        body["error"]["message"] = _translate(err.message)
        if err.fields:
            body["error"]["fields"] = {k: [_translate(m) for m in v] for k, v in err.fields.items()}
        return jsonify(body), err.status
    return _html_error(err.status, err.message)


def handle_http_exception(err: HTTPException):
    _rollback()
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
    _rollback()
    code, message = HTTP_CODES[404]
    if is_api_request():
        return jsonify(error_body(code, _translate(message))), 404
    return _html_error(404, message)


def handle_unexpected(err: Exception):
    _rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    code, message = HTTP_CODES[500]
    if is_api_request():
        return jsonify(error_body(code, _translate(message))), 500
    return _html_error(500, message)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (rate limits count per address) comes from the proxies' header.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def _begin_unit_of_work():
        # Every request begins deferred, POSTs included: on SQLite the write lock is taken just before
        # the first write statement and held only until the commit (alliance.core.db).
        request.environ["alliance.write_token"] = write_intent.set(False)

    @app.before_request
    def _refuse_oversized_requests():
        uri = request.environ.get("RAW_URI") or request.full_path
        if len(uri.encode("latin-1", "replace")) > MAX_URI_BYTES:
            abort(414)
        sizes = [len(k) + len(v) for k, v in request.headers.items()]
        if sizes and (max(sizes) > MAX_HEADER_BYTES or sum(sizes) > MAX_HEADERS_TOTAL_BYTES):
            abort(431)

    @app.before_request
    def _refuse_control_characters_in_query():
        """Query strings refuse NUL and the like on every path, before any view reads them."""
        fields = bad_fields((k, request.args.getlist(k)) for k in request.args)
        if fields:
            message = HTTP_CODES[422][1]
            if is_api_request():
                body = error_body(
                    "validation_error",
                    _translate(message),
                    {k: [str(m) for m in v] for k, v in fields.items()},
                )
                return jsonify(body), 422
            return _html_error(422, " ".join(str(m) for v in fields.values() for m in v))
        return None

    @app.after_request
    def _commit(response):
        # One commit per request: services flush, the request boundary commits.
        if response.status_code < 400:
            try:
                db.session.commit()
            except DATABASE_UNAVAILABLE as err:
                # The connection went away at the last step: the client may retry (idempotently).
                response = handle_database_unavailable(err)
        else:
            _rollback()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.teardown_request
    def _end_unit_of_work(exc):
        if exc is not None:
            _rollback()
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
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)

"""The JSON API's plumbing: blueprints under /api/v1, documented error answers, the docs assets."""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from flask_smorest import Blueprint as ApiBlueprint

from alliance.core.schemas import ApiErrorSchema

API_PREFIX = "/api/v1"

STATUS_TEXT = {
    400: "Malformed JSON (`bad_request`)",
    401: "No, invalid or expired token (`unauthorized`)",
    403: "Not allowed (`forbidden`)",
    404: "Unknown id, or one the caller may not see (`not_found`)",
    409: "Conflict with the current state",
    422: "Field errors (`validation_error`) or a refused voucher",
    429: "Too many failed attempts (`rate_limited`)",
}


def api_blueprint(name: str, import_name: str, description: str) -> ApiBlueprint:
    return ApiBlueprint(name, import_name, url_prefix=API_PREFIX, description=description)


def errors(blp: ApiBlueprint, *statuses: int):
    """Document the error answers an endpoint can give, all in API.md's error shape."""

    def decorator(func):
        for status in statuses:
            func = blp.alt_response(status, schema=ApiErrorSchema, description=STATUS_TEXT.get(status, ""))(
                func
            )
        return func

    return decorator


def docs_assets_blueprint() -> Blueprint:
    """Serves Swagger UI from the installed swagger-ui-bundle package (no CDN)."""
    import swagger_ui_bundle

    bp = Blueprint("api_docs_assets", __name__)

    @bp.route(f"{API_PREFIX}/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)

    return bp

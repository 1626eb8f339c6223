"""The JSON API's plumbing: blueprints under /api/v1, the OpenAPI conventions, the docs assets.

Every operation of the OpenAPI document gets its `operationId` from its view function's name in
camelCase (`claim_coupon` → `claimCoupon`), so a new endpoint is named the moment it is written and a
renamed path does not rename it. `ApiConventions` is the one place that shapes the document.
"""

from __future__ import annotations

import json
import math

from apispec import BasePlugin
from flask import Blueprint, send_from_directory
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema

from alliance.core.schemas import ApiErrorSchema, Computed, LocalDateTime, OutSchema, PageMetaSchema

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

PAGINATION_HEADER = "X-Pagination"


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


def operation_id(view_name: str) -> str:
    """`claim_coupon` → `claimCoupon`."""
    first, *rest = view_name.strip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest if part)


def paged(items, page: int, per_page: int, total: int):
    """A page of a list: `{items, page, per_page, total}`, and the same figures in `X-Pagination`.

    Return it from a view documented with `page_schema(...)` and `PAGINATION_DOC`.
    """
    last = max(1, math.ceil(total / per_page)) if per_page else 1
    meta = {
        "total": total,
        "total_pages": math.ceil(total / per_page) if per_page else 0,
        "first_page": 1,
        "last_page": last,
        "page": page,
        "per_page": per_page,
    }
    if 1 < page <= last:
        meta["previous_page"] = page - 1
    if page < last:
        meta["next_page"] = page + 1
    body = {"items": items, "page": page, "per_page": per_page, "total": total}
    return body, {PAGINATION_HEADER: json.dumps(meta)}


# `@blp.response(200, SomePage, headers=PAGINATION_DOC)` for lists that also send X-Pagination.
PAGINATION_DOC = {PAGINATION_HEADER: "PAGINATION"}


def pagination_header() -> dict:
    """X-Pagination as OpenAPI 3 has it: a JSON-encoded header value, described by its schema."""
    return {
        "description": "The page's figures as JSON (the same as the body's `page`, `per_page`, `total`)",
        "content": {"application/json": {"schema": PageMetaSchema}},
    }


def binary(content_type: str, description: str) -> dict:
    """`@blp.doc(**binary("image/png", "..."))`: a 200 answer that is a file, not JSON."""
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _drop_null(schema: dict) -> dict:
    """A parameter can be left out but never be null: its schema without the null branch."""
    schema = dict(schema)
    schema.pop("nullable", None)
    if schema.get("default", 0) is None:
        del schema["default"]
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if not b.get("nullable")]
        if len(branches) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**branches[0], **rest}
        schema["anyOf"] = branches
    if "items" in schema:
        schema["items"] = _drop_null(schema["items"])
    return schema


def _nullable_enum(self, field, ret, **kwargs) -> dict:
    """`enum` and `null` as one choice a generator reads as `Enum | None` (not three types)."""
    enum = ret.get("enum")
    if enum is None or None not in enum:
        return {}
    values = [v for v in enum if v is not None]
    choice = {"type": ret.pop("type", "string"), "enum": values}
    ret.pop("enum")
    ret.pop("nullable", None)
    return {"anyOf": [choice, {"type": choice["type"], "nullable": True, "enum": [None]}]}


# ISO 8601 as the API reads it: the offset may be left out (then it is local time, API.md).
LOCAL_DATE_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"


def _local_input(self, field, ret, **kwargs) -> dict:
    """A time given by the client may omit its offset, which `format: date-time` forbids."""
    if not isinstance(field, LocalDateTime) or ret.get("format") != "date-time":
        return {}
    owner = field.parent
    while owner is not None and not isinstance(owner, Schema):
        owner = getattr(owner, "parent", None)
    if owner is None or isinstance(owner, OutSchema):
        return {}
    ret.pop("format")
    return {"pattern": LOCAL_DATE_TIME, "example": "2026-12-02T19:00:00"}


def _computed(self, field, ret, **kwargs) -> dict:
    """A `Computed` field is documented as the field it returns."""
    if not isinstance(field, Computed):
        return {}
    return {**self.field2property(field.returns), "readOnly": True}


class ApiConventions(BasePlugin):
    """How this API documents itself, applied to every endpoint (new ones included)."""

    def init_spec(self, spec):
        self.spec = spec

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        cls = schema if isinstance(schema, type) else type(schema)
        groups = getattr(cls, "ALTERNATIVES", None)
        if not groups or "properties" not in definition:
            return {}
        return {"anyOf": self._alternatives(name, definition, groups)}

    def _alternatives(self, name: str, definition: dict, groups) -> list[dict]:
        """A request schema with `ALTERNATIVES = (("code",), ("qr_payload",))`: one variant per group,
        each with that group's fields required, as separate components a generator names well."""
        properties = definition.pop("properties")
        required = definition.pop("required", [])
        definition.pop("type", None)
        definition.pop("additionalProperties", None)
        grouped = {f for group in groups for f in group}
        refs = []
        for group in groups:
            variant_name = name + "".join(operation_id(f)[:1].upper() + operation_id(f)[1:] for f in group)
            own = {}
            for key, prop in properties.items():
                if key in group:
                    own[key] = {k: v for k, v in prop.items() if k not in ("nullable", "default")}
                elif key not in grouped:
                    own[key] = prop
            variant = {"type": "object", "properties": own, "required": [*group, *required]}
            if variant_name not in self.spec.components.schemas:
                self.spec.components.schema(variant_name, variant)
            refs.append({"$ref": f"#/components/schemas/{variant_name}"})
        return refs

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        name = operation_id(rule.endpoint.rsplit(".", 1)[-1])
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            own = method + name[:1].upper() + name[1:] if len(operations) > 1 else name
            operation.setdefault("operationId", own)
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and "schema" in parameter:
                    parameter["schema"] = _drop_null(parameter["schema"])


def install(api) -> None:
    """Bind the conventions to a flask-smorest Api whose spec was just created."""
    converter = api.ma_plugin.converter
    converter.add_attribute_function(_computed)
    converter.add_attribute_function(_local_input)
    converter.add_attribute_function(_nullable_enum)


def docs_assets_blueprint() -> Blueprint:
    """Serves Swagger UI from the installed swagger-ui-bundle package (no CDN)."""
    import swagger_ui_bundle

    bp = Blueprint("api_docs_assets", __name__)

    @bp.route(f"{API_PREFIX}/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)

    return bp

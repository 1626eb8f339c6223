"""API shapes for branches and districts."""

from __future__ import annotations

from marshmallow import fields

from alliance.core.schemas import BaseSchema, Id


class BranchSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    address = fields.String(load_default=None, allow_none=True)


class DistrictSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    branch_id = Id(required=True, strict=True)
    description = fields.String(load_default=None, allow_none=True)


class DistrictListArgs(BaseSchema):
    branch_id = Id(load_default=None)

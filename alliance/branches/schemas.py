"""API shapes for branches and districts."""

from __future__ import annotations

from marshmallow import fields

from alliance.core.schemas import BaseSchema, Id, OutSchema


class BranchInSchema(BaseSchema):
    name = fields.String(required=True)
    address = fields.String(load_default=None, allow_none=True)


class BranchSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)


class DistrictInSchema(BaseSchema):
    name = fields.String(required=True)
    branch_id = Id(required=True, strict=True)
    description = fields.String(load_default=None, allow_none=True)


class DistrictSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    description = fields.String(allow_none=True)


class DistrictListArgs(BaseSchema):
    branch_id = Id(load_default=None)

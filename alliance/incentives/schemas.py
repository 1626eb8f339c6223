"""API shapes for incentive cash (API.md: Referrals and incentive cash)."""

from __future__ import annotations

from marshmallow import fields

from alliance.core.schemas import BaseSchema, Computed, LocalDateTime
from alliance.incentives import services


class IncentiveEntrySchema(BaseSchema):
    id = fields.Integer(required=True)
    amount_fen = fields.Integer(required=True)
    kind = fields.String(required=True)
    label = Computed(lambda e: str(services.kind_label(e.kind)), fields.String(), required=True)
    source_type = fields.String(required=True)
    source_id = fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    note = fields.String(required=True, allow_none=True)


class IncentivesSchema(BaseSchema):
    balance_fen = fields.Integer(required=True)
    entries = fields.List(fields.Nested(IncentiveEntrySchema), required=True)


class PaymentCodeSchema(BaseSchema):
    code = fields.String(required=True)
    qr_payload = fields.String(required=True)
    expires_at = LocalDateTime(required=True)

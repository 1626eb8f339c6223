"""API shapes for redemptions (API.md: Redemption)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from alliance.core.schemas import BaseSchema, Fen, LocalDateTime
from mall.redemption import services


class RedemptionInSchema(BaseSchema):
    # Any length is accepted here: a code or payload that names no voucher is `invalid_code` (API.md).
    code = fields.String(load_default=None, allow_none=True)
    qr_payload = fields.String(load_default=None, allow_none=True)
    order_amount_fen = Fen(required=True)

    @validates_schema
    def one_of_code_or_payload(self, data, **kwargs):
        if bool(data.get("code")) == bool(data.get("qr_payload")):
            raise ValidationError(_l("Give either a code or a QR payload."), field_name="code")


class IssuedVoucherSchema(BaseSchema):
    id = fields.Integer(required=True)
    coupon_id = fields.Integer(required=True)
    merchant_id = fields.Integer(required=True)
    title = fields.Function(lambda v: v.coupon.title, metadata={"type": "string"})
    merchant_name = fields.Function(lambda v: v.coupon.merchant.name, metadata={"type": "string"})
    status = fields.String()


class RedemptionSchema(BaseSchema):
    id = fields.Integer()
    voucher_id = fields.Integer()
    merchant_id = fields.Integer()
    order_amount_fen = fields.Integer()
    discount_fen = fields.Integer()
    payable_fen = fields.Integer()
    cashback_fen = fields.Integer()
    gift_name = fields.Function(lambda r: r.voucher.coupon.gift_name)
    coupon_title = fields.Function(lambda r: r.voucher.coupon.title)
    method = fields.String()
    redeemed_at = LocalDateTime()
    reversed_at = LocalDateTime(allow_none=True)
    reversal_reason = fields.String(allow_none=True)
    issued_vouchers = fields.Function(
        lambda r: IssuedVoucherSchema(many=True).dump(services.issued_by(r)),
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "Vouchers a chain (连环券) gave the customer: `{id, coupon_id, merchant_id}`",
        },
    )


class ReversalSchema(BaseSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

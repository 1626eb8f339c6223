"""API shapes for redemptions (API.md: Redemption)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from alliance.core.schemas import BaseSchema, Computed, Fen, LocalDateTime, OutSchema, PageArgs, page_schema
from mall.redemption import services


class RedemptionInSchema(BaseSchema):
    """`code` or `qr_payload` (one of them), and the order's amount."""

    ALTERNATIVES = (("code",), ("qr_payload",))  # documented as anyOf RedemptionInCode, ...QrPayload

    # Any length is accepted here: a code or payload that names no voucher is `invalid_code` (API.md).
    code = fields.String(load_default=None, allow_none=True)
    qr_payload = fields.String(load_default=None, allow_none=True)
    order_amount_fen = Fen(required=True)

    @validates_schema
    def one_of_code_or_payload(self, data, **kwargs):
        if bool(data.get("code")) == bool(data.get("qr_payload")):
            raise ValidationError(_l("Give either a code or a QR payload."), field_name="code")


class IssuedVoucherSchema(OutSchema):
    id = fields.Integer()
    coupon_id = fields.Integer()
    merchant_id = fields.Integer()
    title = fields.String(attribute="coupon.title")
    merchant_name = fields.String(attribute="coupon.merchant.name")
    status = fields.String()


class RedemptionSchema(OutSchema):
    id = fields.Integer()
    voucher_id = fields.Integer()
    merchant_id = fields.Integer()
    order_amount_fen = fields.Integer()
    discount_fen = fields.Integer()
    payable_fen = fields.Integer()
    cashback_fen = fields.Integer()
    gift_name = fields.String(attribute="voucher.coupon.gift_name", allow_none=True)
    coupon_title = fields.String(attribute="voucher.coupon.title")
    method = fields.String()
    redeemed_at = LocalDateTime()
    reversed_at = LocalDateTime(allow_none=True)
    reversal_reason = fields.String(allow_none=True)
    issued_vouchers = Computed(
        lambda r: IssuedVoucherSchema(many=True).dump(services.issued_by(r)),
        fields.List(
            fields.Nested(IssuedVoucherSchema),
            metadata={"description": "Vouchers a chain (连环券) gave the customer"},
        ),
    )


class ReversalSchema(BaseSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


RedemptionPageSchema = page_schema(RedemptionSchema, "RedemptionPage")


class RedemptionListArgs(PageArgs):
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    page_size = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "The former name of `per_page`, still understood", "deprecated": True},
    )

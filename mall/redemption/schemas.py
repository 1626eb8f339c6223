"""API shapes for redemptions (API.md: Redemption)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from alliance.core.schemas import BaseSchema, Computed, Fen, LocalDateTime, OutSchema, PageArgs, page_schema
from mall.redemption import services


class RedemptionInSchema(BaseSchema):
    """`code` or `qr_payload` (one of them), and the order's amount; `incentive_fen` of incentive cash
    (激励金) to spend on it, with the voucher or alone with the customer's payment code."""

    # documented as anyOf RedemptionInCode, ...QrPayload, ...CustomerCode (incentive cash alone)
    ALTERNATIVES = (("code",), ("qr_payload",), ("customer_code",))

    # Any length is accepted here: a code or payload that names no voucher is `invalid_code` (API.md).
    code = fields.String(load_default=None, allow_none=True)
    qr_payload = fields.String(load_default=None, allow_none=True)
    order_amount_fen = Fen(required=True)
    incentive_fen = Fen(load_default=0, metadata={"description": "Incentive cash to spend on this order"})
    customer_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=1000),
        metadata={"description": "The `code` or `qr_payload` of the customer's GET /me/payment-code"},
    )

    @validates_schema
    def one_of_code_or_payload(self, data, **kwargs):
        if data.get("code") and data.get("qr_payload"):
            raise ValidationError(_l("Give either a code or a QR payload."), field_name="code")
        if not (data.get("code") or data.get("qr_payload") or data.get("customer_code")):
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
    voucher_id = fields.Integer(allow_none=True)
    merchant_id = fields.Integer()
    order_amount_fen = fields.Integer()
    discount_fen = fields.Integer()
    payable_fen = fields.Integer()
    cashback_fen = fields.Integer()
    incentive_fen = fields.Integer(metadata={"description": "Incentive cash spent (激励金抵扣)"})
    gift_name = Computed(
        lambda r: r.voucher.coupon.gift_name if r.voucher else None, fields.String(allow_none=True)
    )
    coupon_title = Computed(
        lambda r: r.voucher.coupon.title if r.voucher else None, fields.String(allow_none=True)
    )
    bank_fen = fields.Integer(metadata={"description": "The bank's part of the discount (补贴)"})
    merchant_fen = fields.Integer(metadata={"description": "The merchant's part of the discount (让利)"})
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

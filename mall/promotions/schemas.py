"""API shapes for cross-industry promotions (API.md: Cross-industry promotions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.core.schemas import BaseSchema, Fen, Id, LocalDateTime, PageArgs, page_schema
from mall.promotions.models import Shape
from mall.vouchers.schemas import VoucherSchema


def _one_of(values: list[str]):
    return validate.OneOf(values, error=_l("Must be one of: %(values)s.", values=", ".join(values)))


class PromotionInSchema(BaseSchema):
    merchant_id = Id(required=True, strict=True)
    title = fields.String(required=True, validate=validate.Length(max=100))
    description = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    shape = fields.String(required=True, validate=_one_of([s.value for s in Shape]))
    coupon_id = Id(required=True, strict=True)
    partner_merchant_ids = fields.List(Id(strict=True), required=True)
    min_order_fen = Fen(allow_none=True, load_default=None)


class DecisionInSchema(BaseSchema):
    decision = fields.String(required=True, validate=_one_of(["accept", "decline"]))
    coupon_id = Id(strict=True, allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))


class ReviewInSchema(BaseSchema):
    decision = fields.String(required=True, validate=_one_of(["approve", "reject"]))
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))


class PromotionPartnerSchema(BaseSchema):
    merchant_id = fields.Integer(required=True)
    merchant_name = fields.Function(lambda p: p.merchant.name, required=True, metadata={"type": "string"})
    industry = fields.Function(lambda p: p.merchant.industry, required=True, metadata={"type": "string"})
    status = fields.String(required=True, metadata={"enum": ["invited", "accepted", "declined"]})
    coupon_id = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    decided_at = LocalDateTime(required=True, allow_none=True)


class PartnerFiguresSchema(BaseSchema):
    merchant_id = fields.Integer(required=True)
    issued = fields.Integer(required=True)
    redeemed = fields.Integer(required=True)
    customers = fields.Integer(
        required=True,
        metadata={"description": "Customers whose first redemption here followed the promotion"},
    )


class PromotionFiguresSchema(BaseSchema):
    issued = fields.Integer(required=True)
    redeemed = fields.Integer(required=True)
    by_merchant = fields.List(fields.Nested(PartnerFiguresSchema), required=True)


class PromotionSchema(BaseSchema):
    id = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["inviting", "pending_review", "approved", "rejected"]}
    )
    shape = fields.String(required=True, metadata={"enum": ["chain", "pack"]})
    merchant_id = fields.Integer(required=True)
    merchant_name = fields.Function(lambda p: p.merchant.name, required=True, metadata={"type": "string"})
    title = fields.String(required=True)
    description = fields.String(required=True, allow_none=True)
    coupon_id = fields.Integer(required=True)
    min_order_fen = fields.Integer(required=True, allow_none=True)
    partners = fields.List(fields.Nested(PromotionPartnerSchema), required=True)
    member_coupon_ids = fields.Function(
        lambda p: [c.id for c in _members(p)],
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "A pack's coupons, in id order",
        },
    )
    review_reason = fields.String(required=True, allow_none=True)
    submitted_at = LocalDateTime(required=True, allow_none=True)
    approved_at = LocalDateTime(required=True, allow_none=True)
    created_at = LocalDateTime(required=True)
    figures = fields.Nested(
        PromotionFiguresSchema, metadata={"description": "For the lead, partners and staff"}
    )


def _members(promotion):
    from mall.promotions.services import member_coupons

    return member_coupons(promotion)


class MallPromotionArgs(PageArgs):
    shape = fields.String(load_default=None, validate=_one_of([s.value for s in Shape]))


PromotionPageSchema = page_schema(PromotionSchema, "PromotionPage")


class PackClaimSchema(BaseSchema):
    vouchers = fields.List(fields.Nested(VoucherSchema), required=True)

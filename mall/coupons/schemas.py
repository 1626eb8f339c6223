"""API shapes for coupons and the mall list (API.md: Coupons; Mall)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.core import clock
from alliance.core.schemas import (
    BaseSchema,
    Computed,
    Fen,
    Id,
    LocalDateTime,
    OutSchema,
    PageArgs,
    page_schema,
)
from alliance.merchants.constants import Industry
from mall.coupons import rules, wording
from mall.coupons.models import Audience, Channel, CouponKind

KINDS = [k.value for k in CouponKind]


def _one_of(values: list[str]):
    return validate.OneOf(values, error=_l("Must be one of: %(values)s.", values=", ".join(values)))


def _count(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, load_default=None, **kwargs)


class CouponInSchema(BaseSchema):
    """Coupon fields (API.md). The rules between fields are checked together by the service."""

    title = fields.String(required=True, validate=validate.Length(max=100))
    description = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    kind = fields.String(required=True, validate=_one_of(KINDS))
    threshold_fen = Fen(allow_none=True, load_default=None)
    cut_fen = Fen(allow_none=True, load_default=None)
    percent_off = _count()
    cap_fen = Fen(allow_none=True, load_default=None)
    amount_fen = Fen(allow_none=True, load_default=None)
    gift_name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    stock_total = fields.Integer(strict=True, required=True)
    per_customer_limit = _count()
    daily_limit = _count()
    claim_starts_at = LocalDateTime(allow_none=True, load_default=None)
    claim_ends_at = LocalDateTime(allow_none=True, load_default=None)
    valid_from = LocalDateTime(allow_none=True, load_default=None)
    valid_until = LocalDateTime(allow_none=True, load_default=None)
    valid_days_after_claim = _count()
    usable_weekdays = fields.List(fields.Integer(strict=True), allow_none=True, load_default=None)
    usable_hours = fields.String(allow_none=True, load_default=None, metadata={"example": "10:00-14:00"})
    audience = fields.String(
        allow_none=True, load_default=None, validate=_one_of([a.value for a in Audience])
    )
    partner_merchant_ids = fields.List(Id(strict=True), allow_none=True, load_default=None)
    channel = fields.String(
        allow_none=True,
        load_default=None,
        validate=_one_of([c.value for c in Channel]),
        metadata={"description": "`mall` (default) or `reward`: issued only by a chain or inside a pack"},
    )


class CouponPatchSchema(CouponInSchema):
    """Only the fields to change; the rest keep their values (load it with partial=True)."""


class MerchantBriefSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    district_id = fields.Integer()
    industry = fields.String()


class CouponSchema(OutSchema):
    id = fields.Integer()
    merchant_id = fields.Integer()
    merchant = fields.Nested(MerchantBriefSchema)
    title = fields.String()
    description = fields.String(allow_none=True)
    kind = fields.String()
    threshold_fen = fields.Integer(allow_none=True)
    cut_fen = fields.Integer(allow_none=True)
    percent_off = fields.Integer(allow_none=True)
    cap_fen = fields.Integer(allow_none=True)
    amount_fen = fields.Integer(allow_none=True)
    gift_name = fields.String(allow_none=True)
    stock_total = fields.Integer()
    remaining = fields.Integer(attribute="stock_left")
    per_customer_limit = fields.Integer()
    daily_limit = fields.Integer(allow_none=True)
    claim_starts_at = LocalDateTime(allow_none=True)
    claim_ends_at = LocalDateTime(allow_none=True)
    valid_from = LocalDateTime(allow_none=True)
    valid_until = LocalDateTime(allow_none=True)
    valid_days_after_claim = fields.Integer(allow_none=True)
    usable_weekdays = Computed(
        lambda c: c.weekdays or None,
        fields.List(
            fields.Integer(), allow_none=True, metadata={"description": "ISO weekdays 1–7; null: every day"}
        ),
    )
    usable_hours = fields.String(allow_none=True)
    audience = fields.String()
    partner_merchant_ids = fields.List(fields.Integer())
    channel = fields.String(validate=validate.OneOf([c.value for c in Channel]))
    status = Computed(
        lambda c: rules.display_status(c, clock.now_utc()),
        fields.String(metadata={"example": "approved"}),
    )
    live = Computed(lambda c: rules.is_live(c, clock.now_utc()), fields.Boolean())
    review_reason = fields.String(allow_none=True)
    rules = Computed(
        lambda c: wording.rules(c),
        fields.List(fields.String(), metadata={"description": "The rules in plain words"}),
    )
    approved_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    budget_id = fields.Integer(allow_none=True)
    bank_share_percent = fields.Integer(allow_none=True)


class MallArgs(PageArgs):
    district_id = Id(load_default=None)
    industry = fields.String(load_default=None, validate=_one_of([i.value for i in Industry]))
    kind = fields.String(load_default=None, validate=_one_of(KINDS))
    q = fields.String(load_default=None, validate=validate.Length(max=100))


CouponPageSchema = page_schema(CouponSchema, "CouponPage")


class CouponReviewSchema(BaseSchema):
    decision = fields.String(required=True, validate=_one_of(["approve", "reject"]))
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    # Funding (mall.funding): the budget that pays the bank's share of each discount, with an approval.
    budget_id = Id(allow_none=True, load_default=None, strict=True)
    bank_share_percent = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=100, error=_l("Must be between {min} and {max}.")),
    )


class ReasonSchema(BaseSchema):
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))

"""API shapes for vouchers (API.md: Mall, claims and vouchers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.core import clock, codes
from alliance.core.schemas import BaseSchema, Computed, LocalDateTime, OutSchema
from mall.coupons import wording
from mall.vouchers import services
from mall.vouchers.models import VoucherStatus


class VoucherCouponSchema(OutSchema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    merchant_name = fields.String(attribute="merchant.name")
    rules = Computed(lambda c: wording.rules(c, remaining=False), fields.List(fields.String()))


class VoucherSchema(OutSchema):
    id = fields.Integer()
    code = fields.String()
    code_display = Computed(
        lambda v: codes.group(v.code), fields.String(metadata={"example": "K7Q9-M2XP-ABCD"})
    )
    qr_payload = Computed(
        lambda v: services.qr_payload(v),
        fields.String(
            metadata={"description": "Signed; accepted at a till for a short while after it is issued"}
        ),
    )
    status = Computed(
        lambda v: v.status_at(clock.now_utc()),
        fields.String(metadata={"description": "active, redeemed or expired", "example": "active"}),
    )
    coupon_id = fields.Integer()
    merchant_id = fields.Integer()
    claimed_at = LocalDateTime()
    valid_from = LocalDateTime()
    valid_until = LocalDateTime(allow_none=True)
    redeemed_at = LocalDateTime(allow_none=True)
    coupon = fields.Nested(VoucherCouponSchema)


class VoucherListArgs(BaseSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(
            [s.value for s in VoucherStatus], error=_l("Must be one of: active, redeemed, expired.")
        ),
    )

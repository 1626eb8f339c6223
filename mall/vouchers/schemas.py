"""API shapes for vouchers (API.md: Mall, claims and vouchers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.core import clock, codes
from alliance.core.schemas import BaseSchema, LocalDateTime
from mall.coupons import wording
from mall.vouchers import services
from mall.vouchers.models import VoucherStatus


class VoucherCouponSchema(BaseSchema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    merchant_name = fields.Function(lambda c: c.merchant.name)
    rules = fields.Function(lambda c: wording.rules(c, remaining=False))


class VoucherSchema(BaseSchema):
    id = fields.Integer()
    code = fields.String()
    code_display = fields.Function(lambda v: codes.group(v.code), metadata={"example": "K7Q9-M2XP-ABCD"})
    qr_payload = fields.Function(
        lambda v: services.qr_payload(v),
        metadata={"description": "Signed; accepted at a till for a short while after it is issued"},
    )
    status = fields.Function(lambda v: v.status_at(clock.now_utc()))
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

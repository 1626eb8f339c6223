"""API shapes for the alliance: applications, merchants, figures, tiers and the pyramid."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.accounts.schemas import UserBriefSchema
from alliance.core.schemas import BaseSchema, Computed, Id, LocalDateTime, OutSchema, PageArgs, page_schema
from alliance.merchants.constants import FIGURES, TIERS, Industry, MerchantFormat, MerchantStatus, StoreType
from alliance.merchants.services.profiles import logo_version

ONE_OF = _l("Must be one of: {choices}.")


def one_of(values) -> validate.OneOf:
    return validate.OneOf([str(v) for v in values], error=ONE_OF)


def text(limit: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=limit, error=_l("At most {max} characters.")), **kwargs)


class MerchantApplicationSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(required=True)
    district_id = Id(required=True, strict=True)
    format = fields.String(required=True, validate=one_of(MerchantFormat))
    industry = fields.String(required=True, validate=one_of(Industry))
    store_type = fields.String(load_default=None, allow_none=True, validate=one_of(StoreType))
    address = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    opening_hours = fields.String(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True)
    display_name = fields.String(load_default=None, allow_none=True)
    referral_code = fields.String(load_default=None, allow_none=True)
    legal_name = fields.String(load_default=None, allow_none=True)
    credit_code = fields.String(
        load_default=None, allow_none=True, metadata={"description": "统一社会信用代码 (GB 32100-2015)"}
    )
    contact_name = fields.String(load_default=None, allow_none=True)
    contact_mobile = fields.String(load_default=None, allow_none=True)


class MerchantSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    district_id = fields.Integer()
    branch_id = fields.Integer()
    format = fields.String()
    industry = fields.String()
    store_type = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    service_level = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    opening_hours = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    logo_url = Computed(lambda m: _logo_url(m), fields.String(allow_none=True))
    created_at = LocalDateTime()
    status_changed_at = LocalDateTime(allow_none=True)


def _logo_url(merchant) -> str | None:
    version = logo_version(merchant)
    if not version:
        return None
    return url_for("merchants.logo", merchant_id=merchant.id, v=version)


class ApplicationResultSchema(OutSchema):
    merchant = fields.Nested(MerchantSchema)
    user = fields.Nested(UserBriefSchema)


class MerchantReviewSchema(BaseSchema):
    decision = fields.String(required=True, validate=one_of(("approve", "reject")))
    reason = fields.String(load_default=None, allow_none=True)


class MerchantListArgs(PageArgs):
    district_id = Id(load_default=None)
    industry = fields.String(load_default=None, validate=one_of(Industry))
    format = fields.String(load_default=None, validate=one_of(MerchantFormat))
    store_type = fields.String(load_default=None, validate=one_of(StoreType))
    tier = fields.String(load_default=None, validate=one_of(TIERS))
    status = fields.String(load_default=None, validate=one_of(MerchantStatus))
    q = fields.String(load_default=None, validate=validate.Length(max=100))


MerchantPageSchema = page_schema(MerchantSchema, "MerchantPage")


class FigureValuesSchema(OutSchema):
    avg_daily_balance_fen = fields.Integer()
    acquiring_volume_fen = fields.Integer()
    fee_income_fen = fields.Integer()
    loan_credit_fen = fields.Integer()


class FiguresSchema(FigureValuesSchema):
    month = Computed(lambda row: row.month.strftime("%Y-%m"), fields.String(metadata={"example": "2026-11"}))
    transaction_count = fields.Integer()
    source = fields.String()
    updated_at = LocalDateTime()


class TierChangeSchema(OutSchema):
    id = fields.Integer()
    from_tier = fields.String(allow_none=True)
    to_tier = fields.String()
    reason = fields.String()
    changed_at = LocalDateTime()
    actor_id = fields.Integer(allow_none=True)
    figures_month = Computed(
        lambda row: row.figures_month.strftime("%Y-%m") if row.figures_month else None,
        fields.String(allow_none=True, metadata={"example": "2026-11"}),
    )
    figures = Computed(
        lambda row: {str(f): getattr(row, str(f)) for f in FIGURES},
        fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True)),
    )
    policy = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The tier policy in force when the change was made"},
    )


class TierPolicySchema(OutSchema):
    branch_id = fields.Integer()
    figures_required = fields.Integer()
    thresholds = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer())
    )
    updated_at = LocalDateTime(allow_none=True)


class PyramidArgs(BaseSchema):
    branch_id = Id(load_default=None)
    district_id = Id(load_default=None)


class PyramidDistrictSchema(OutSchema):
    district_id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()


class PyramidSchema(OutSchema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    untiered = fields.Integer()
    total = fields.Integer()
    districts = fields.List(fields.Nested(PyramidDistrictSchema))

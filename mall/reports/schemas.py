"""API shapes of the reports (API.md "Reports"): the query, the figures of a period, a merchant's and a
branch's report."""

from __future__ import annotations

from marshmallow import fields, validate

from alliance.core.schemas import BaseSchema, Fen, Id, LocalDateTime
from alliance.merchants.constants import INDUSTRY_LABELS, TIERS
from mall.reports.services import GROUPS


class ReportArgs(BaseSchema):
    from_ = fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "First day (local); default the 1st of `to`'s month"},
    )
    to = fields.Date(
        load_default=None, metadata={"description": "Last day (local, inclusive); default today"}
    )
    group = fields.String(load_default="day", validate=validate.OneOf(GROUPS))


class BranchReportArgs(ReportArgs):
    district_id = Id(load_default=None)
    industry = fields.String(load_default=None, validate=validate.OneOf(list(INDUSTRY_LABELS)))
    tier = fields.String(load_default=None, validate=validate.OneOf(TIERS))
    entry_id = Id(load_default=None)


class ReportFiguresSchema(BaseSchema):
    claimed = fields.Integer(required=True)
    redeemed = fields.Integer(required=True)
    redemption_rate = fields.Float(
        required=True, metadata={"description": "redeemed / claimed in the period"}
    )
    discount_fen = Fen(required=True)
    bank_fen = Fen(required=True, metadata={"description": "The bank's part of the discount"})
    order_fen = Fen(required=True, metadata={"description": "Order value of the redeemed orders"})
    new_customers = fields.Integer(required=True, metadata={"description": "First redemption at the shop"})
    partner_customers = fields.Integer(
        required=True, metadata={"description": "Redemptions of vouchers a cross-industry partner sent"}
    )


class ReportPeriodSchema(ReportFiguresSchema):
    period = fields.String(required=True, metadata={"description": "2026-12-01, 2026-W49 or 2026-12"})


class ReportCouponSchema(BaseSchema):
    coupon_id = fields.Integer(required=True)
    title = fields.String(required=True)
    claimed = fields.Integer(required=True)
    redeemed = fields.Integer(required=True)
    discount_fen = Fen(required=True)


class MerchantReportSchema(BaseSchema):
    merchant_id = fields.Function(lambda r: r["merchant"].id, required=True)
    from_ = fields.Date(data_key="from", attribute="from", required=True)
    to = fields.Date(required=True)
    group = fields.String(required=True)
    rows = fields.List(fields.Nested(ReportPeriodSchema), required=True)
    totals = fields.Nested(ReportFiguresSchema, required=True)
    coupons = fields.List(fields.Nested(ReportCouponSchema), required=True)


class ReportMerchantSchema(BaseSchema):
    merchant_id = fields.Integer(required=True)
    name = fields.String(required=True)
    redeemed = fields.Integer(required=True)
    discount_fen = Fen(required=True)
    last_redeemed_at = LocalDateTime(required=True, allow_none=True)


class ReportDormantSchema(BaseSchema):
    merchant_id = fields.Integer(required=True)
    name = fields.String(required=True)
    days_since = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null: never redeemed"}
    )


class ReportProgrammeSchema(BaseSchema):
    entry_id = fields.Integer(required=True)
    title = fields.String(required=True)
    redeemed = fields.Integer(required=True)
    baseline = fields.Integer(
        required=True, metadata={"description": "Expected for as many days at the rate of the 4 weeks before"}
    )
    lift = fields.Float(
        required=True, allow_none=True, metadata={"description": "Percent above the baseline"}
    )


class ReportReferralsSchema(BaseSchema):
    pending = fields.Integer(required=True)
    converted = fields.Integer(required=True)
    rewards_fen = Fen(required=True)


class ReportBudgetSchema(BaseSchema):
    budget_id = fields.Integer(required=True)
    name = fields.String(required=True)
    total_fen = Fen(required=True)
    reserved_fen = Fen(required=True, metadata={"description": "Held for coupons still running"})
    spent_fen = Fen(required=True, metadata={"description": "The bank's share of standing redemptions"})
    used_fen = Fen(required=True, metadata={"description": "The same as spent_fen"})
    use_rate = fields.Float(required=True, metadata={"description": "spent / total"})


class BranchReportSchema(BaseSchema):
    branch_id = fields.Function(lambda r: r["branch"].id, required=True)
    from_ = fields.Date(data_key="from", attribute="from", required=True)
    to = fields.Date(required=True)
    group = fields.String(required=True)
    totals = fields.Nested(ReportFiguresSchema, required=True)
    rows = fields.List(fields.Nested(ReportPeriodSchema), required=True)
    merchants = fields.List(fields.Nested(ReportMerchantSchema), required=True)
    dormant = fields.List(fields.Nested(ReportDormantSchema), required=True)
    programme = fields.List(fields.Nested(ReportProgrammeSchema), required=True)
    referrals = fields.Nested(ReportReferralsSchema, required=True)
    budgets = fields.List(fields.Nested(ReportBudgetSchema), required=True)

"""API shapes for budgets and settlement statements (API.md: Funding, budgets and settlement)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.core.schemas import BaseSchema, Computed, Fen, Id, LocalDateTime, OutSchema, page_schema


class BudgetInSchema(BaseSchema):
    branch_id = Id(required=True, strict=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    total_fen = Fen(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    funds_incentives = fields.Boolean(
        load_default=False, metadata={"description": "The branch's budget for incentive cash spent at tills"}
    )


class FundedCouponSchema(OutSchema):
    coupon_id = fields.Integer()
    title = fields.String(attribute="coupon.title")
    merchant_id = fields.Integer(attribute="coupon.merchant_id")
    status = fields.String(attribute="coupon.status")
    bank_share_percent = fields.Integer(attribute="coupon.bank_share_percent")
    per_voucher_fen = fields.Integer()
    reserved_fen = fields.Integer(metadata={"description": "Reserved at approval"})
    held_fen = fields.Integer(metadata={"description": "Still held for vouchers"})
    spent_fen = fields.Integer()
    released_fen = fields.Integer()


class BudgetSchema(OutSchema):
    id = fields.Integer()
    branch_id = fields.Integer()
    name = fields.String()
    total_fen = fields.Integer()
    reserved_fen = fields.Integer()
    spent_fen = fields.Integer()
    available_fen = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    funds_incentives = fields.Boolean()
    created_at = LocalDateTime()


class BudgetDetailSchema(BudgetSchema):
    coupons = fields.List(fields.Nested(FundedCouponSchema))


BudgetPageSchema = page_schema(BudgetSchema, "BudgetPage")


class MonthArgs(BaseSchema):
    month = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{4}-\d{2}$", error=_l("A month as YYYY-MM.")),
        metadata={"example": "2026-11"},
    )


class StatementLineSchema(OutSchema):
    day = fields.Date()
    correction = fields.Boolean(metadata={"description": "A reversal of a confirmed month"})
    redemptions = fields.Integer()
    discount_fen = fields.Integer()
    bank_fen = fields.Integer()
    merchant_fen = fields.Integer()
    incentive_fen = fields.Integer()


class StatementTotalsSchema(OutSchema):
    redemptions = fields.Integer()
    discount_fen = fields.Integer()
    bank_fen = fields.Integer()
    merchant_fen = fields.Integer()
    incentive_fen = fields.Integer()
    due_fen = fields.Integer(metadata={"description": "What the bank pays: bank_fen + incentive_fen"})


class StatementSchema(OutSchema):
    merchant_id = fields.Integer()
    merchant_name = fields.String(attribute="merchant.name")
    month = fields.String()
    status = fields.String(metadata={"enum": ["open", "confirmed", "paid"]})
    lines = fields.List(fields.Nested(StatementLineSchema))
    totals = fields.Nested(StatementTotalsSchema)
    confirmed_at = LocalDateTime(allow_none=True)
    confirmed_by_id = Computed(
        lambda v: v.statement.confirmed_by_id if v.statement else None, fields.Integer(allow_none=True)
    )
    paid_at = LocalDateTime(allow_none=True)
    paid_by_id = Computed(
        lambda v: v.statement.paid_by_id if v.statement else None, fields.Integer(allow_none=True)
    )
    paid_reference = fields.String(allow_none=True)


class PaidSchema(BaseSchema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


class OverviewSchema(OutSchema):
    month = fields.String()
    items = fields.List(fields.Nested(StatementSchema), attribute="rows")
    totals = fields.Nested(StatementTotalsSchema)

"""API shapes for budgets and settlement statements (API.md: Funding, budgets and settlement)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from alliance.core.schemas import BaseSchema, Fen, Id, LocalDateTime, page_schema


class BudgetInSchema(BaseSchema):
    branch_id = Id(required=True, strict=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    total_fen = Fen(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    funds_incentives = fields.Boolean(
        load_default=False, metadata={"description": "The branch's budget for incentive cash spent at tills"}
    )


class FundedCouponSchema(BaseSchema):
    coupon_id = fields.Integer(required=True)
    title = fields.Function(lambda r: r.coupon.title, required=True, metadata={"type": "string"})
    merchant_id = fields.Function(lambda r: r.coupon.merchant_id, required=True, metadata={"type": "integer"})
    status = fields.Function(lambda r: r.coupon.status, required=True, metadata={"type": "string"})
    bank_share_percent = fields.Function(
        lambda r: r.coupon.bank_share_percent, required=True, allow_none=True, metadata={"type": "integer"}
    )
    per_voucher_fen = fields.Integer(required=True)
    reserved_fen = fields.Integer(required=True, metadata={"description": "Reserved at approval"})
    held_fen = fields.Integer(required=True, metadata={"description": "Still held for vouchers"})
    spent_fen = fields.Integer(required=True)
    released_fen = fields.Integer(required=True)


class BudgetSchema(BaseSchema):
    id = fields.Integer(required=True)
    branch_id = fields.Integer(required=True)
    name = fields.String(required=True)
    total_fen = fields.Integer(required=True)
    reserved_fen = fields.Integer(required=True)
    spent_fen = fields.Integer(required=True)
    available_fen = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    funds_incentives = fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)


class BudgetDetailSchema(BudgetSchema):
    coupons = fields.List(fields.Nested(FundedCouponSchema), required=True)


BudgetPageSchema = page_schema(BudgetSchema, "BudgetPage")


class MonthArgs(BaseSchema):
    month = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{4}-\d{2}$", error=_l("A month as YYYY-MM.")),
        metadata={"example": "2026-11"},
    )


class StatementLineSchema(BaseSchema):
    day = fields.Date(required=True)
    correction = fields.Boolean(required=True, metadata={"description": "A reversal of a confirmed month"})
    redemptions = fields.Integer(required=True)
    discount_fen = fields.Integer(required=True)
    bank_fen = fields.Integer(required=True)
    merchant_fen = fields.Integer(required=True)
    incentive_fen = fields.Integer(required=True)


class StatementTotalsSchema(BaseSchema):
    redemptions = fields.Integer(required=True)
    discount_fen = fields.Integer(required=True)
    bank_fen = fields.Integer(required=True)
    merchant_fen = fields.Integer(required=True)
    incentive_fen = fields.Integer(required=True)
    due_fen = fields.Integer(
        required=True, metadata={"description": "What the bank pays: bank_fen + incentive_fen"}
    )


class StatementSchema(BaseSchema):
    merchant_id = fields.Integer(required=True)
    merchant_name = fields.Function(lambda v: v.merchant.name, required=True, metadata={"type": "string"})
    month = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["open", "confirmed", "paid"]})
    lines = fields.List(fields.Nested(StatementLineSchema), required=True)
    totals = fields.Nested(StatementTotalsSchema, required=True)
    confirmed_at = LocalDateTime(allow_none=True)
    confirmed_by_id = fields.Function(
        lambda v: v.statement.confirmed_by_id if v.statement else None,
        allow_none=True,
        metadata={"type": "integer"},
    )
    paid_at = LocalDateTime(allow_none=True)
    paid_by_id = fields.Function(
        lambda v: v.statement.paid_by_id if v.statement else None,
        allow_none=True,
        metadata={"type": "integer"},
    )
    paid_reference = fields.String(allow_none=True)


class PaidSchema(BaseSchema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


class OverviewSchema(BaseSchema):
    month = fields.String(required=True)
    items = fields.List(fields.Nested(StatementSchema), attribute="rows", required=True)
    totals = fields.Nested(StatementTotalsSchema, required=True)

"""API: budgets, and the merchants' monthly settlement statements."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from alliance.core.schemas import PageArgs
from mall.funding.schemas import (
    BudgetDetailSchema,
    BudgetInSchema,
    BudgetPageSchema,
    BudgetSchema,
    MonthArgs,
    OverviewSchema,
    PaidSchema,
    StatementSchema,
)
from mall.funding.services import budgets, settlement

blp = api_blueprint(
    "funding_api", __name__, "Funding: budgets, the bank's share, monthly settlement (谁出钱)"
)


@blp.route("/budgets", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(BudgetInSchema)
@blp.response(201, BudgetSchema)
@errors(blp, 400, 401, 403, 422)
def create_budget(data):
    """Open a budget for a branch (its staff, admins)."""
    return budgets.create_budget(current_api_user(), data)


@blp.route("/budgets", methods=["GET"])
@require_api_user("staff", "admin")
@blp.arguments(PageArgs, location="query")
@blp.response(200, BudgetPageSchema)
@errors(blp, 401, 403, 422)
def list_budgets(args):
    """Budgets of the caller's branch (all for admins), latest period first, with their figures."""
    items, total = budgets.list_budgets(current_api_user(), args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/budgets/<int:budget_id>", methods=["GET"])
@require_api_user("staff", "admin")
@blp.response(200, BudgetDetailSchema)
@errors(blp, 401, 403, 404)
def get_budget(budget_id: int):
    """One budget with its figures and the coupons it funds."""
    budget = budgets.get_budget(current_api_user(), budget_id)
    budget.coupons = budgets.funded(budget)
    return budget


@blp.route("/merchants/<int:merchant_id>/settlements", methods=["GET"])
@require_api_user("merchant", "staff", "admin")
@blp.arguments(MonthArgs, location="query")
@blp.response(200, StatementSchema)
@errors(blp, 401, 403, 404, 422)
def get_settlement(args, merchant_id: int):
    """A merchant's statement for `month` (YYYY-MM, default this month), by day with totals."""
    return settlement.get_statement(current_api_user(), merchant_id, args.get("month"))


@blp.route("/merchants/<int:merchant_id>/settlements/<month>/confirm", methods=["POST"])
@require_api_user("staff", "admin")
@blp.response(200, StatementSchema)
@errors(blp, 401, 403, 404, 409, 422)
def confirm_settlement(merchant_id: int, month: str):
    """Confirm a month that is over: its statement is frozen from then on."""
    return settlement.confirm(current_api_user(), merchant_id, month)


@blp.route("/merchants/<int:merchant_id>/settlements/<month>/paid", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(PaidSchema)
@blp.response(200, StatementSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def mark_settlement_paid(data, merchant_id: int, month: str):
    """Record the bank's payment of a confirmed statement, with its reference."""
    return settlement.mark_paid(current_api_user(), merchant_id, month, data["reference"])


@blp.route("/settlements", methods=["GET"])
@require_api_user("staff", "admin")
@blp.arguments(MonthArgs, location="query")
@blp.response(200, OverviewSchema)
@errors(blp, 401, 403, 422)
def list_month_settlements(args):
    """Every merchant's statement of a month in the caller's branch, with the total to pay."""
    return settlement.month_overview(current_api_user(), args.get("month"))

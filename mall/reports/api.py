"""API endpoints of the reports, for the bank's BI: a merchant's and a branch's figures."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from mall.reports import services
from mall.reports.figures import Scope
from mall.reports.schemas import BranchReportArgs, BranchReportSchema, MerchantReportSchema, ReportArgs

blp = api_blueprint("reports_api", __name__, "Reports: merchants' and branches' figures for BI")


@blp.route("/reports/merchants/<int:merchant_id>", methods=["GET"])
@require_api_user()
@blp.arguments(ReportArgs, location="query")
@blp.response(200, MerchantReportSchema)
@errors(blp, 401, 403, 404, 422)
def get_merchant_report(args, merchant_id):
    """A merchant's figures per day, week or month and per coupon (its owner, the branch's staff)."""
    return services.merchant_report(current_api_user(), merchant_id, args["from_"], args["to"], args["group"])


@blp.route("/reports/branches/<int:branch_id>", methods=["GET"])
@require_api_user("staff", "admin")
@blp.arguments(BranchReportArgs, location="query")
@blp.response(200, BranchReportSchema)
@errors(blp, 401, 403, 404, 422)
def get_branch_report(args, branch_id):
    """A branch's figures per period, its merchants, the dormant ones, the programme's effect."""
    scope = Scope(
        district_id=args["district_id"],
        industry=args["industry"],
        tier=args["tier"],
        entry_id=args["entry_id"],
    )
    return services.branch_report(
        current_api_user(), branch_id, scope, args["from_"], args["to"], args["group"]
    )

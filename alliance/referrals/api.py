"""API: a referrer's code and referrals, the branch's referral rules and monthly leaderboard."""

from __future__ import annotations

from flask import url_for

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from alliance.referrals import services
from alliance.referrals.schemas import (
    LeaderboardArgs,
    LeaderboardRowSchema,
    ReferralRulesSchema,
    ReferralSchema,
    ReferralSummarySchema,
)

blp = api_blueprint("referrals_api", __name__, "Referrals (MGM 转介绍)")


def share_url(code: str) -> str:
    return url_for("referrals.share", code=code, _external=True)


@blp.route("/me/referral", methods=["GET"])
@require_api_user("customer", "merchant")
@blp.response(200, ReferralSummarySchema)
@errors(blp, 401, 403)
def get_my_referral():
    """The caller's referral code, the link that opens registration with it, and what it brought."""
    return services.summary(current_api_user(), share_url)


@blp.route("/me/referrals", methods=["GET"])
@require_api_user("customer", "merchant")
@blp.response(200, ReferralSchema(many=True))
@errors(blp, 401, 403)
def list_my_referrals():
    """Everyone the caller referred, newest first, with each referral's status and reward."""
    return services.referrals_of(current_api_user())


@blp.route("/branches/<int:branch_id>/referral-rules", methods=["GET"])
@require_api_user("staff", "admin")
@blp.response(200, ReferralRulesSchema)
@errors(blp, 401, 403, 404)
def get_referral_rules(branch_id: int):
    """The branch's referral rewards (referrer, referee) and the monthly cap per referrer, in fen."""
    return services.get_rules(current_api_user(), branch_id)


@blp.route("/branches/<int:branch_id>/referral-rules", methods=["PUT"])
@require_api_user("staff", "admin")
@blp.arguments(ReferralRulesSchema)
@blp.response(200, ReferralRulesSchema)
@errors(blp, 400, 401, 403, 404, 422)
def set_referral_rules(data, branch_id: int):
    """Set the branch's referral rewards and monthly cap (staff of the branch, admins)."""
    return services.set_rules(current_api_user(), branch_id, data)


@blp.route("/branches/<int:branch_id>/referrals/leaderboard", methods=["GET"])
@require_api_user("staff", "admin")
@blp.arguments(LeaderboardArgs, location="query")
@blp.response(200, LeaderboardRowSchema(many=True))
@errors(blp, 401, 403, 404, 422)
def get_referral_leaderboard(args, branch_id: int):
    """Referrers by referrals converted in the branch in `month` (YYYY-MM), most converted first."""
    return services.leaderboard(current_api_user(), branch_id, services.parse_month(args.get("month")))

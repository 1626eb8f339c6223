"""API endpoints: /merchant-applications, /merchants, review, figures, tier history, the pyramid."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from alliance.core.errors import NotFound
from alliance.merchants.constants import TIERS
from alliance.merchants.schemas import (
    ApplicationResultSchema,
    FiguresSchema,
    MerchantApplicationSchema,
    MerchantListArgs,
    MerchantPageSchema,
    MerchantReviewSchema,
    MerchantSchema,
    PyramidArgs,
    PyramidSchema,
    TierChangeSchema,
    TierPolicySchema,
)
from alliance.merchants.services import access, figures, listing, membership, tiering

blp = api_blueprint("merchants_api", __name__, "The alliance's merchants: joining, review, tiers and figures")


@blp.route("/merchant-applications", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(MerchantApplicationSchema)
@blp.response(201, ApplicationResultSchema)
@errors(blp, 400, 409, 422)
def create_merchant_application(data):
    """A shop applies to join the alliance; its owner account (role merchant) is created with it."""
    merchant, user = membership.apply_for_membership(**data)
    return {"merchant": merchant, "user": user}


@blp.route("/merchants/<int:merchant_id>/review", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(MerchantReviewSchema)
@blp.response(200, MerchantSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def review_merchant(data, merchant_id):
    """Approve or reject a pending application (staff of the merchant's branch, admins)."""
    return membership.review(current_api_user(), merchant_id, data["decision"], data.get("reason"))


@blp.route("/merchants/<int:merchant_id>", methods=["GET"])
@blp.doc(security=[{}, {"bearerAuth": []}])
@blp.response(200, MerchantSchema)
@errors(blp, 404)
def get_merchant(merchant_id):
    """One merchant: anyone for active members; its owner, clerks and branch staff always."""
    return access.get_visible(merchant_id, current_api_user())


@blp.route("/merchants", methods=["GET"])
@blp.doc(security=[{}, {"bearerAuth": []}])
@blp.arguments(MerchantListArgs, location="query")
@blp.response(200, MerchantPageSchema)
@errors(blp, 422)
def list_merchants(args):
    """Merchants: active members for everyone; staff also see every status in their branch."""
    page, per_page = args.pop("page"), args.pop("per_page")
    rows, total = listing.search(
        current_api_user(), listing.Filters(**args), sort="created", page=page, per_page=per_page
    )
    return {"items": [m for m, _ in rows], "page": page, "per_page": per_page, "total": total}


@blp.route("/merchants/<int:merchant_id>/figures", methods=["GET"])
@require_api_user("staff", "admin")
@blp.response(200, FiguresSchema(many=True))
@errors(blp, 401, 403, 404)
def list_merchant_figures(merchant_id):
    """The merchant's monthly figures, newest first (money in fen)."""
    return figures.figures_of(current_api_user(), merchant_id)


@blp.route("/merchants/<int:merchant_id>/tier-history", methods=["GET"])
@require_api_user("staff", "admin")
@blp.response(200, TierChangeSchema(many=True))
@errors(blp, 401, 403, 404)
def get_tier_history(merchant_id):
    """Every tier change of the merchant, newest first, with the figures and rule that caused it."""
    return tiering.history(current_api_user(), merchant_id)


@blp.route("/branches/<int:branch_id>/tier-policy", methods=["GET"])
@require_api_user("staff", "admin")
@blp.response(200, TierPolicySchema)
@errors(blp, 401, 403, 404)
def get_tier_policy(branch_id):
    """The branch's thresholds per tier and figure (fen) and how many figures must reach them."""
    row = tiering.policy_row(branch_id)
    policy = tiering.get_policy(current_api_user(), branch_id)
    if policy is None:
        raise NotFound()
    return {
        "branch_id": branch_id,
        "figures_required": policy.figures_required,
        "thresholds": policy.as_dict()["thresholds"],
        "updated_at": row.updated_at,
    }


@blp.route("/tiers/pyramid", methods=["GET"])
@require_api_user("staff", "admin")
@blp.arguments(PyramidArgs, location="query")
@blp.response(200, PyramidSchema)
@errors(blp, 401, 403, 422)
def get_tier_pyramid(args):
    """Active members per tier, overall and per district, for the branches the caller manages."""
    data = tiering.pyramid(current_api_user(), args.get("branch_id"), args.get("district_id"))
    return {
        "counts": {t: data["tiers"][t] for t in TIERS},
        "untiered": data["tiers"][None],
        "total": data["total"],
        "districts": [
            {
                "district_id": d["district"].id,
                "name": d["district"].name,
                "branch_id": d["district"].branch_id,
                "counts": {t: d["counts"][t] for t in TIERS},
                "total": d["total"],
            }
            for d in data["districts"]
        ],
    }

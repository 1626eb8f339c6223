"""API: setting up a cross-industry promotion, partners' decisions, review, the mall's list, pack claims."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core import idempotency
from alliance.core.api import api_blueprint, errors
from mall.coupons.schemas import CouponSchema
from mall.promotions import packs, services, shared
from mall.promotions.schemas import (
    DecisionInSchema,
    MallPromotionArgs,
    PackClaimSchema,
    PromotionInSchema,
    PromotionPageSchema,
    PromotionSchema,
    ReviewInSchema,
)
from mall.vouchers.api import IDEMPOTENCY_DOC

blp = api_blueprint(
    "promotions_api", __name__, "Cross-industry promotions (异业联盟): chains and coupon packs"
)


@blp.route("/promotions", methods=["POST"])
@require_api_user("merchant")
@blp.arguments(PromotionInSchema)
@blp.response(201, PromotionSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def create_promotion(data):
    """Propose a promotion (the lead merchant's owner) and invite partners of other trades."""
    return services.create_promotion(current_api_user(), data)


@blp.route("/promotions/<int:promotion_id>", methods=["GET"])
@blp.doc(security=[{}, {"bearerAuth": []}])
@blp.response(200, PromotionSchema)
@errors(blp, 404)
def get_promotion(promotion_id: int):
    """A promotion: anyone once approved; the lead, partners and staff always, with its `figures`."""
    viewer = current_api_user()
    promotion = services.get_visible(viewer, promotion_id)
    if services.is_involved(viewer, promotion):
        promotion.figures = services.figures(promotion)
    return promotion


@blp.route("/promotions/<int:promotion_id>/partners/<int:merchant_id>/decision", methods=["POST"])
@require_api_user("merchant")
@blp.arguments(DecisionInSchema)
@blp.response(200, PromotionSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def decide_invitation(data, promotion_id: int, merchant_id: int):
    """Accept with one of the partner's own coupons, or decline (the invited partner's owner)."""
    promotion = services.get(promotion_id)
    return services.decide(
        current_api_user(),
        promotion,
        merchant_id,
        data["decision"],
        data.get("coupon_id"),
        data.get("reason"),
    )


@blp.route("/promotions/<int:promotion_id>/submit", methods=["POST"])
@require_api_user("merchant")
@blp.response(200, PromotionSchema)
@errors(blp, 401, 403, 404, 409)
def submit_promotion(promotion_id: int):
    """Send the promotion to staff for review, once every partner decided and one accepted (the lead)."""
    return services.submit(current_api_user(), services.get(promotion_id))


@blp.route("/promotions/<int:promotion_id>/review", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(ReviewInSchema)
@blp.response(200, PromotionSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def review_promotion(data, promotion_id: int):
    """Approve or reject (with a reason) a promotion pending review (staff of the lead's branch)."""
    return services.review(
        current_api_user(), services.get(promotion_id), data["decision"], data.get("reason")
    )


@blp.route("/mall/promotions", methods=["GET"])
@blp.doc(security=[])
@blp.arguments(MallPromotionArgs, location="query")
@blp.response(200, PromotionPageSchema)
@errors(blp, 422)
def list_mall_promotions(args):
    """Approved promotions whose coupons are live, newest first."""
    items, total = services.mall_list(args["page"], args["per_page"], args.get("shape"))
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/mall/promotions/<int:promotion_id>/claims", methods=["POST"])
@require_api_user("customer")
@blp.doc(**IDEMPOTENCY_DOC)
@blp.response(201, PackClaimSchema)
@errors(blp, 401, 403, 404, 409, 422)
def claim_pack(promotion_id: int):
    """Claim a coupon pack: a voucher of every member coupon, or nothing (`sold_out`, `limit_reached`,
    `not_claimable`, naming the member that failed)."""
    user = current_api_user()

    def work():
        return 201, PackClaimSchema().dump({"vouchers": packs.claim_pack(user, promotion_id)})

    return idempotency.json_once(user.id, None, work)


@blp.route("/coupons/<int:coupon_id>/partners/<int:merchant_id>", methods=["DELETE"])
@require_api_user("merchant")
@blp.response(200, CouponSchema)
@errors(blp, 401, 403, 404, 409)
def leave_shared_coupon(coupon_id: int, merchant_id: int):
    """A partner of a shared coupon stops accepting it at its till (that partner's owner)."""
    return shared.leave(current_api_user(), coupon_id, merchant_id)

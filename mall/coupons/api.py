"""API: coupons of a merchant, their review, and the mall's list of live coupons."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from mall.coupons import services
from mall.coupons.schemas import (
    CouponInSchema,
    CouponPageSchema,
    CouponPatchSchema,
    CouponReviewSchema,
    CouponSchema,
    MallArgs,
    ReasonSchema,
)

blp = api_blueprint("coupons_api", __name__, "Coupons, their review, and the mall")


@blp.route("/merchants/<int:merchant_id>/coupons", methods=["POST"])
@require_api_user()
@blp.arguments(CouponInSchema)
@blp.response(201, CouponSchema)
@errors(blp, 400, 401, 403, 404, 422)
def create_coupon(data, merchant_id: int):
    """Write a draft coupon (that merchant's owner)."""
    return services.create_coupon(current_api_user(), merchant_id, data)


@blp.route("/merchants/<int:merchant_id>/coupons", methods=["GET"])
@require_api_user()
@blp.response(200, CouponSchema(many=True))
@errors(blp, 401, 404)
def list_merchant_coupons(merchant_id: int):
    """Every coupon of a merchant, in any state (its owner and clerks, the branch's staff)."""
    return services.merchant_coupons(current_api_user(), merchant_id)


@blp.route("/coupons/<int:coupon_id>", methods=["GET"])
@blp.doc(security=[{}, {"bearerAuth": []}])
@blp.response(200, CouponSchema)
@errors(blp, 404)
def get_coupon(coupon_id: int):
    """A coupon: anyone while it is live; its owner and the branch's staff always."""
    return services.get_visible(current_api_user(), coupon_id)


@blp.route("/coupons/<int:coupon_id>", methods=["PATCH"])
@require_api_user()
@blp.arguments(CouponPatchSchema(partial=True))
@blp.response(200, CouponSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def update_coupon(data, coupon_id: int):
    """Change a draft or rejected coupon (owner); a rejected one becomes a draft again."""
    coupon = services.get(coupon_id)
    return services.update_coupon(current_api_user(), coupon, {**services.current_fields(coupon), **data})


@blp.route("/coupons/<int:coupon_id>/submit", methods=["POST"])
@require_api_user()
@blp.response(200, CouponSchema)
@errors(blp, 401, 403, 404, 409, 422)
def submit_coupon(coupon_id: int):
    """Send a draft to the branch for review (owner)."""
    return services.submit(current_api_user(), services.get(coupon_id))


@blp.route("/coupons/<int:coupon_id>/review", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(CouponReviewSchema)
@blp.response(200, CouponSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def review_coupon(data, coupon_id: int):
    """Approve or reject a coupon pending review (staff of the merchant's branch, admins); an approval
    may fund part of each discount from a budget (`budget_id`, `bank_share_percent`): 409
    `budget_exhausted` when the budget cannot reserve the worst case."""
    return services.review(
        current_api_user(),
        services.get(coupon_id),
        data["decision"],
        data.get("reason"),
        budget_id=data.get("budget_id"),
        bank_share_percent=data.get("bank_share_percent"),
    )


@blp.route("/coupons/<int:coupon_id>/withdraw", methods=["POST"])
@require_api_user()
@blp.arguments(ReasonSchema, required=False)
@blp.response(200, CouponSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def withdraw_coupon(data, coupon_id: int):
    """End a coupon early (owner or the branch's staff). Vouchers already claimed stay valid."""
    return services.withdraw(current_api_user(), services.get(coupon_id), data.get("reason"))


@blp.route("/mall/coupons", methods=["GET"])
@blp.doc(security=[])
@blp.arguments(MallArgs, location="query")
@blp.response(200, CouponPageSchema)
@errors(blp, 422)
def list_mall_coupons(args):
    """Live coupons, newest first; filters district_id, industry, kind, q (Chinese or English)."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = services.mall_list(services.MallFilters(**args), page, per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}

"""API: redeeming at a till, reversing, and a merchant's redemptions."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core import idempotency
from alliance.core.api import PAGINATION_DOC, api_blueprint, errors, paged
from mall.redemption import incentive_pay, services
from mall.redemption.schemas import (
    RedemptionInSchema,
    RedemptionListArgs,
    RedemptionPageSchema,
    RedemptionSchema,
    ReversalSchema,
)
from mall.vouchers.api import IDEMPOTENCY_DOC

blp = api_blueprint("redemption_api", __name__, "Redemption at the till (核销)")


@blp.route("/redemptions", methods=["POST"])
@require_api_user("merchant", "clerk")
@blp.arguments(RedemptionInSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@blp.response(201, RedemptionSchema)
@errors(blp, 400, 401, 403, 409, 422, 429)
def redeem_voucher(data):
    """Redeem a voucher by `code` or `qr_payload` for an order: exactly once, however many tills try.
    `incentive_fen` spends the customer's incentive cash on what remains to pay, with the voucher or
    alone with the customer's payment code (`customer_code`); 409 `insufficient_balance` when short."""
    user = current_api_user()

    def work():
        customer_id = None
        if data.get("customer_code"):
            customer_id = incentive_pay.resolve_customer(user, data["customer_code"])
        if not (data.get("code") or data.get("qr_payload")):
            return 201, incentive_pay.pay(user, customer_id, data["order_amount_fen"], data["incentive_fen"])
        voucher, method = services.resolve(user, code=data.get("code"), qr_payload=data.get("qr_payload"))
        return 201, services.redeem(
            user,
            voucher,
            data["order_amount_fen"],
            method=method,
            incentive_fen=data["incentive_fen"],
            customer_id=customer_id,
        )

    return idempotency.json_once(user.id, data, work, RedemptionSchema().dump)


@blp.route("/redemptions/<int:redemption_id>/reversal", methods=["POST"])
@require_api_user("merchant", "clerk")
@blp.arguments(ReversalSchema, required=False)
@blp.response(200, RedemptionSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def reverse_redemption(data, redemption_id: int):
    """Reverse a redemption of the same merchant within the reversal window; the voucher is active again."""
    return services.reverse(current_api_user(), redemption_id, data.get("reason"))


@blp.route("/merchants/<int:merchant_id>/redemptions", methods=["GET"])
@require_api_user("merchant", "clerk", "staff", "admin")
@blp.arguments(RedemptionListArgs, location="query")
@blp.response(200, RedemptionPageSchema, headers=PAGINATION_DOC)
@errors(blp, 401, 403, 404, 422)
def list_merchant_redemptions(args, merchant_id: int):
    """A merchant's redemptions, newest first (that merchant, the branch's staff); also in X-Pagination."""
    page, per_page = args["page"], args["page_size"] or args["per_page"]
    items, total = services.list_for_merchant(
        current_api_user(), merchant_id, limit=per_page, offset=(page - 1) * per_page
    )
    return paged(items, page, per_page, total)

"""API: a customer's incentive balance and entries, and the payment code that spends it at a till."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from alliance.incentives import services
from alliance.incentives.schemas import IncentivesSchema, PaymentCodeSchema

blp = api_blueprint("incentives_api", __name__, "Incentive cash (激励金)")


@blp.route("/me/incentives", methods=["GET"])
@require_api_user("customer")
@blp.response(200, IncentivesSchema)
@errors(blp, 401, 403)
def get_my_incentives():
    """The caller's incentive balance and its entries (credits and spends with their source), newest first."""
    user = current_api_user()
    return {"balance_fen": services.balance(user.id), "entries": services.entries(user.id, limit=200)}


@blp.route("/me/payment-code", methods=["GET"])
@require_api_user("customer")
@blp.response(200, PaymentCodeSchema)
@errors(blp, 401, 403)
def get_payment_code():
    """A fresh payment code for spending incentive cash at a till: a short typeable `code` and a signed
    `qr_payload`, both valid until `expires_at` (about two minutes)."""
    return services.issue_payment_code(current_api_user())

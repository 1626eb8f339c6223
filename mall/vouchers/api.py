"""API: claiming a voucher, the customer's vouchers and their QR images."""

from __future__ import annotations

from flask import Response

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core import idempotency
from alliance.core.api import api_blueprint, binary, errors
from mall.vouchers import qr, services
from mall.vouchers.schemas import VoucherListArgs, VoucherSchema

blp = api_blueprint("vouchers_api", __name__, "Claims and the customer's vouchers")

IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": idempotency.HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": idempotency.KEY_MAX_LENGTH},
            "description": "Retry safely: the same key from the same user returns the first answer.",
        }
    ]
}


@blp.route("/mall/coupons/<int:coupon_id>/claims", methods=["POST"])
@require_api_user("customer")
@blp.doc(**IDEMPOTENCY_DOC)
@blp.response(201, VoucherSchema)
@errors(blp, 401, 403, 404, 409, 422)
def claim_coupon(coupon_id: int):
    """Claim a voucher (customer): `sold_out`, `limit_reached` or `not_claimable` when it cannot be."""
    user = current_api_user()

    def work():
        return 201, services.claim(user, coupon_id)

    return idempotency.json_once(user.id, None, work, VoucherSchema().dump)


@blp.route("/me/vouchers", methods=["GET"])
@require_api_user("customer")
@blp.arguments(VoucherListArgs, location="query")
@blp.response(200, VoucherSchema(many=True))
@errors(blp, 401, 403, 422)
def list_my_vouchers(args):
    """The customer's vouchers, optionally of one status."""
    return services.wallet(current_api_user(), args.get("status"))


@blp.route("/me/vouchers/<int:voucher_id>", methods=["GET"])
@require_api_user("customer")
@blp.response(200, VoucherSchema)
@errors(blp, 401, 403, 404)
def get_my_voucher(voucher_id: int):
    """One voucher, with a fresh signed QR payload."""
    return services.get_own(current_api_user(), voucher_id)


def _image(voucher_id: int, body, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/me/vouchers/<int:voucher_id>/qr.png", methods=["GET"])
@require_api_user("customer")
@blp.doc(**binary("image/png", "The QR image of a fresh `qr_payload`"))
@errors(blp, 401, 403, 404)
def get_voucher_qr_png(voucher_id: int):
    """The voucher's QR code as PNG."""
    voucher = services.get_own(current_api_user(), voucher_id)
    return _image(voucher_id, qr.png(services.qr_payload(voucher)), "image/png")


@blp.route("/me/vouchers/<int:voucher_id>/qr.svg", methods=["GET"])
@require_api_user("customer")
@blp.doc(**binary("image/svg+xml", "The QR image of a fresh `qr_payload`"))
@errors(blp, 401, 403, 404)
def get_voucher_qr_svg(voucher_id: int):
    """The voucher's QR code as SVG."""
    voucher = services.get_own(current_api_user(), voucher_id)
    return _image(voucher_id, qr.svg(services.qr_payload(voucher)), "image/svg+xml")

"""The payment code screen (付款码): the incentive balance above a QR and a short code that a till
scans or types to spend it; both renew themselves like a voucher's QR."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import codes, qr
from alliance.core.i18n import localtime
from alliance.core.money import format_fen
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import roles_required
from alliance.incentives import services

bp = Blueprint("incentives", __name__)


def _fresh() -> dict:
    issued = services.issue_payment_code(current_user)
    return {
        "code": codes.group(issued["code"], 5),
        "qr_svg": qr.svg(issued["qr_payload"]).decode(),
        "expires_at": localtime(issued["expires_at"], "time"),
        "balance": services.balance(current_user.id),
    }


@bp.route("/pay")
@roles_required("customer")
def payment_code():
    response = Response(
        render_template(
            "alliance/incentives/pay.html",
            fresh=_fresh(),
            refresh_seconds=services.payment_code_refresh_seconds(),
            ttl_seconds=services.payment_code_ttl_seconds(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/pay/fresh")
@roles_required("customer")
def fresh_code():
    """For the payment screen's script: a new code and QR every ~30 s, and the balance now."""
    data = _fresh()
    data["balance"] = format_fen(data["balance"])
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "incentives.payment_code",
            _l("Pay with incentive cash"),
            "upc-scan",
            frozenset({"customer"}),
            order=41,
            place="account",
        ),
    )

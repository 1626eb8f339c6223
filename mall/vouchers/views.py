"""The wallet (我的券): vouchers by state, the incentive balance, and the voucher screen for the till."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import clock, codes
from alliance.core.errors import DomainError
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import roles_required
from alliance.incentives import services as incentives
from mall.coupons import wording
from mall.vouchers import qr, services
from mall.vouchers.models import STATUS_LABELS, VoucherStatus

bp = Blueprint("wallet", __name__)


def _own(voucher_id: int):
    try:
        return services.get_own(current_user, voucher_id)
    except DomainError:
        abort(404)


@bp.route("/wallet")
@roles_required("customer")
def index():
    status = request.args.get("status", VoucherStatus.ACTIVE)
    if status not in {s.value for s in VoucherStatus}:
        status = VoucherStatus.ACTIVE
    now = clock.now_utc()
    return render_template(
        "mall/vouchers/wallet.html",
        vouchers=services.wallet(current_user, status, now),
        status=status,
        counts=services.wallet_counts(current_user, now),
        labels=STATUS_LABELS,
        balance=incentives.balance(current_user.id),
        now=now,
        time_left=wording.time_left_text,
        card_value=wording.card_value,
    )


@bp.route("/wallet/incentives")
@roles_required("customer")
def incentive_ledger():
    return render_template(
        "mall/vouchers/incentives.html",
        balance=incentives.balance(current_user.id),
        entries=incentives.entries(current_user.id, limit=200),
        kind_label=incentives.kind_label,
    )


@bp.route("/wallet/<int:voucher_id>")
@roles_required("customer")
def voucher(voucher_id: int):
    """The voucher at the till: the QR as large as the screen allows, the code under it, the rules."""
    found = _own(voucher_id)
    now = clock.now_utc()
    status = found.status_at(now)
    response = Response(
        render_template(
            "mall/vouchers/voucher.html",
            voucher=found,
            coupon=found.coupon,
            status=status,
            status_label=STATUS_LABELS[status],
            code=codes.group(found.code),
            rules=wording.rules(found.coupon, remaining=False),
            time_left=wording.time_left_text(found.valid_until, now),
            use_by=wording.last_day_text(found.valid_until),
            refresh_seconds=services.qr_refresh_seconds(),
            ttl_seconds=services.qr_ttl_seconds(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/wallet/<int:voucher_id>/qr.svg")
@roles_required("customer")
def voucher_qr(voucher_id: int):
    """A fresh signed QR, fetched again every ~30 s by the voucher screen."""
    found = _own(voucher_id)
    response = Response(qr.svg(services.qr_payload(found)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/wallet/<int:voucher_id>/state")
@roles_required("customer")
def voucher_state(voucher_id: int):
    """For the voucher screen: has it been used meanwhile? (It then stops showing the QR.)"""
    found = _own(voucher_id)
    status = found.status_at(clock.now_utc())
    return jsonify(
        {
            "status": status,
            "label": str(STATUS_LABELS[status]),
            "qr": url_for("wallet.voucher_qr", voucher_id=found.id),
            "refresh_seconds": services.qr_refresh_seconds(),
        }
    )


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "wallet.index",
            _l("My vouchers"),
            "wallet2",
            frozenset({"customer"}),
            order=30,
            place="tab",
            prefix="/wallet",
        ),
    )
    add_nav(
        app,
        NavItem(
            "wallet.incentive_ledger",
            _l("Incentive balance"),
            "coin",
            frozenset({"customer"}),
            order=40,
            place="account",
        ),
    )

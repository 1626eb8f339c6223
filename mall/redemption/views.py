"""The till console (核销) for owners and clerks: scan or type, amount, confirm; receipt; today's list;
reversal within the window."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import clock, codes, idempotency, signing
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, roles_required, user_check
from alliance.merchants.services import ensure_shop_trades, shop_trades
from mall.coupons import wording
from mall.redemption import services
from mall.redemption.forms import ConfirmRedemptionForm, ReversalForm, TillForm
from mall.vouchers import qr
from mall.vouchers.models import Voucher

bp = Blueprint("till", __name__)

TICKET_PURPOSE = "till-ticket"
TICKET_TTL_SECONDS = 600  # a confirmation screen left open longer asks for a new scan


def _looks_like_payload(text: str) -> bool:
    """A scanner that types into the code field types the whole signed payload."""
    return len(text) > 24 and "." in text


def _today_count() -> int:
    items, _total = services.list_for_merchant(
        current_user, current_user.merchant_id, day=clock.local_today()
    )
    return sum(1 for r in items if r.reversed_at is None)


def _console(form: TillForm, refusal: str | None = None, status: int = 200):
    return (
        render_template(
            "mall/redemption/console.html",
            form=form,
            refusal=refusal,
            today_count=_today_count(),
        ),
        status,
    )


@bp.route("/till")
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def console():
    return _console(TillForm())


@bp.route("/till/decode", methods=["POST"])
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def decode():
    """For the console's script: the QR in a photo (browsers without a barcode detector)."""
    photo = request.files.get("photo")
    text = qr.decode_photo(photo.read()) if photo else None
    if not text:
        return jsonify(
            {"error": _("No QR code found in the photo. Try again closer, or type the code.")}
        ), 422
    return jsonify({"qr_payload": text})


@bp.route("/till/check", methods=["POST"])
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def check():
    """Step two: every check, then the discount and the amount to pay, large, with one button to confirm."""
    form = TillForm()
    if not form.validate_on_submit():
        return _console(form, status=422)
    code = (form.code.data or "").strip()
    payload = (form.qr_payload.data or "").strip()
    if not code and not payload and form.photo.data:
        payload = qr.decode_photo(form.photo.data.read()) or ""
        if not payload:
            form.photo.errors = [_("No QR code found in the photo. Try again closer, or type the code.")]
            return _console(form, status=422)
    if code and _looks_like_payload(code):
        code, payload = "", code
    if not code and not payload:
        form.code.errors = [_("Scan the QR code or type the code.")]
        return _console(form, status=422)
    try:
        voucher, method = services.resolve(
            current_user, code=None if payload else code, qr_payload=payload or None
        )
        quote = services.check(current_user, voucher, form.amount_fen)
    except DomainError as err:
        db.session.rollback()
        return _console(form, refusal=str(err.message), status=422)
    ticket = signing.dumps(
        TICKET_PURPOSE,
        {
            "v": voucher.id,
            "u": current_user.id,
            "m": current_user.merchant_id,
            "a": form.amount_fen,
            "k": method,
            "n": secrets.token_urlsafe(12),
            "t": int(clock.now_utc().timestamp()),
        },
    )
    return render_template(
        "mall/redemption/confirm.html",
        form=ConfirmRedemptionForm(ticket=ticket),
        voucher=voucher,
        coupon=voucher.coupon,
        quote=quote,
        headline=wording.headline(voucher.coupon),
        code=codes.group(voucher.code),
    )


def _read_ticket(raw: str) -> dict | None:
    try:
        data = signing.loads(TICKET_PURPOSE, raw)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("u") != current_user.id
        or data.get("m") != current_user.merchant_id
    ):
        return None
    if clock.now_utc().timestamp() - data.get("t", 0) > TICKET_TTL_SECONDS:
        return None
    return data


@bp.route("/till/confirm", methods=["POST"])
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def confirm():
    """Step three: redeem. A second tap on the same screen shows the same receipt, never a second use."""
    form = ConfirmRedemptionForm()
    data = _read_ticket(form.ticket.data or "") if form.validate_on_submit() else None
    if data is None:
        flash(_("This confirmation is out of date. Please scan or type the code again."), "warning")
        return redirect(url_for("till.console"))

    def work():
        voucher = db.session.get(Voucher, data["v"])
        done = services.redeem(current_user, voucher, data["a"], method=data["k"])
        return 201, {"redemption_id": done.id}

    try:
        status, body = idempotency.run_once(
            current_user.id,
            f"till:{data['n']}",
            idempotency.fingerprint("POST", request.path, data),
            work,
        )
    except DomainError as err:
        db.session.rollback()
        return _console(TillForm(), refusal=str(err.message), status=err.status)
    if status != 201:
        return _console(TillForm(formdata=None), refusal=body["error"]["message"], status=status)
    return redirect(url_for("till.receipt", redemption_id=body["redemption_id"], done=1))


def _own_redemption(redemption_id: int):
    try:
        return services.get_for_merchant(current_user, redemption_id)
    except DomainError:
        abort(404)


@bp.route("/till/receipts/<int:redemption_id>")
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def receipt(redemption_id: int):
    redemption = _own_redemption(redemption_id)
    return render_template(
        "mall/redemption/receipt.html",
        r=redemption,
        coupon=redemption.voucher.coupon,
        just_done=request.args.get("done") == "1",
        can_reverse=services.can_reverse(redemption),
    )


@bp.route("/till/today")
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def today():
    items, _total = services.list_for_merchant(
        current_user, current_user.merchant_id, day=clock.local_today()
    )
    now = clock.now_utc()
    return render_template(
        "mall/redemption/today.html",
        items=items,
        summary=services.day_summary(current_user, current_user.merchant_id, clock.local_today()),
        reversible={r.id for r in items if services.can_reverse(r, now)},
        window_minutes=int(services.reversal_window().total_seconds() // 60),
    )


@bp.route("/till/redemptions/<int:redemption_id>/reverse", methods=["GET", "POST"])
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def reverse(redemption_id: int):
    redemption = _own_redemption(redemption_id)
    form = ReversalForm()
    if form.validate_on_submit():
        try:
            services.reverse(current_user, redemption.id, form.reason.data)
        except DomainError as err:
            flash_error(err)
            return redirect(url_for("till.today"))
        flash(_("Reversed. The voucher can be used again."), "success")
        return redirect(url_for("till.today"))
    return render_template(
        "mall/redemption/reverse.html",
        form=form,
        r=redemption,
        coupon=redemption.voucher.coupon,
        can_reverse=services.can_reverse(redemption),
        window_minutes=int(services.reversal_window().total_seconds() // 60),
    )


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "till.console",
            _l("Redeem"),
            "qr-code-scan",
            frozenset({"merchant", "clerk"}),
            order=10,
            place="tab",
            prefix="/till",
            visible=shop_trades,
        ),
    )

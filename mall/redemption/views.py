"""The till console (核销) for owners and clerks: scan or type, amount, confirm; receipt; today's list;
reversal within the window."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import clock, codes, idempotency
from alliance.core.errors import DomainError, MinSpendNotMet
from alliance.core.extensions import db
from alliance.core.i18n import localtime
from alliance.core.money import AmountTooLarge, format_fen, parse_yuan
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, roles_required, user_check
from alliance.incentives import services as incentives
from alliance.merchants.models import Merchant
from alliance.merchants.services import ensure_shop_trades, shop_trades
from mall.coupons import rules, wording
from mall.redemption import incentive_pay, services
from mall.redemption.forms import ReversalForm, TillForm
from mall.vouchers import qr
from mall.vouchers.services import CODE_LENGTH

bp = Blueprint("till", __name__)


def _looks_like_payload(text: str) -> bool:
    """A scanner that types into the code field types the whole signed payload."""
    return len(text) > 24 and "." in text


def _today_count() -> int:
    items, _total = services.list_for_merchant(
        current_user, current_user.merchant_id, day=clock.local_today()
    )
    return sum(1 for r in items if r.reversed_at is None)


def _new_nonce() -> str:
    """One per till screen: a second tap on 确认核销 (or a resent form) finds the first answer."""
    return secrets.token_urlsafe(12)


def _console(form: TillForm, refusal: str | None = None, status: int = 200):
    form.nonce.data = _new_nonce()
    merchant = db.session.get(Merchant, current_user.merchant_id) if current_user.merchant_id else None
    if not rules.merchant_can_trade(merchant):
        # a shop still under review (or suspended) is refused, and told what happens next
        return render_template("mall/redemption/not_yet.html", merchant=merchant), 403
    return (
        render_template(
            "mall/redemption/console.html",
            form=form,
            refusal=refusal,
            today_count=_today_count(),
            code_length=CODE_LENGTH,
            pay_length=incentives.PAYMENT_CODE_LENGTH,
        ),
        status,
    )


@bp.route("/till")
@roles_required("merchant", "clerk")
def console():
    return _console(TillForm(formdata=None))


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


def _code_and_payload(code: str, payload: str) -> tuple[str, str]:
    code, payload = (code or "").strip(), (payload or "").strip()
    if code and _looks_like_payload(code):
        code, payload = "", code
    if payload:
        code = ""
    return code, payload


def _quote_json(quote) -> dict:
    return {
        "order": format_fen(quote.order_amount_fen),
        "discount": format_fen(quote.discount_fen),
        "payable": format_fen(quote.payable_fen),
        "cashback": format_fen(quote.cashback_fen) if quote.cashback_fen else None,
        "gift": quote.gift_name,
    }


@bp.route("/till/lookup", methods=["POST"])
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def lookup():
    """For the console's script: the voucher as soon as it is scanned or typed (title, rules, what it
    gives) and, with an amount, the discount and the amount to pay. Nothing is written."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    code, payload = _code_and_payload(
        str(body.get("code") or "")[:1000], str(body.get("qr_payload") or "")[:1000]
    )
    if not code and not payload:
        return jsonify({"ok": False, "error": _("Scan the QR code or type the code.")}), 422
    raw_amount = str(body.get("amount") or "").strip()[:32]
    amount_fen, amount_error = None, None
    if raw_amount:
        try:
            amount_fen = parse_yuan(raw_amount)
        except AmountTooLarge:
            amount_error = _("That amount is far too large.")
        except ValueError:
            amount_error = _("An amount like 128 or 128.50.")
        if amount_fen is not None and amount_fen < 0:
            amount_fen, amount_error = None, _("An amount like 128 or 128.50.")
    if incentives.is_payment_code(payload or code):
        return _lookup_payment_code(payload or code, amount_fen, amount_error)
    try:
        voucher, _method = services.resolve(current_user, code=code or None, qr_payload=payload or None)
        coupon = voucher.coupon
        quote = None
        try:
            quote = services.check(
                current_user, voucher, amount_fen if amount_fen is not None else coupon.threshold_fen or 0
            )
        except MinSpendNotMet as err:
            amount_error = str(err.message)
        if amount_fen is None:
            quote = None
    except DomainError as err:
        db.session.rollback()
        return jsonify({"ok": False, "error": str(err.message), "code": err.code}), err.status
    big, small = wording.card_value(coupon)
    return jsonify(
        {
            "ok": True,
            "title": coupon.title,
            "value": big,
            "condition": small,
            "rules": _(" · ").join(
                [wording.headline(coupon)] + [t for t in (wording.hours_text(coupon),) if t]
            ),
            "code": codes.group(voucher.code),
            "shop": coupon.merchant.name if coupon.merchant_id != current_user.merchant_id else None,
            "valid_until": localtime(voucher.valid_until, "short") if voucher.valid_until else None,
            "quote": _quote_json(quote) if quote is not None else None,
            "amount_error": amount_error,
        }
    )


def _lookup_payment_code(text: str, amount_fen: int | None, amount_error: str | None):
    """The console's answer for a customer's payment code on its own: the balance, and what it takes
    off the amount to pay."""
    try:
        customer_id = incentive_pay.resolve_customer(current_user, text)
    except DomainError as err:
        db.session.rollback()
        return jsonify({"ok": False, "error": str(err.message), "code": err.code}), err.status
    balance = incentives.balance(customer_id)
    quote = None
    if amount_fen is not None:
        spend = incentive_pay.deduction(customer_id, amount_fen)
        quote = {
            "order": format_fen(amount_fen),
            "discount": format_fen(spend),
            "payable": format_fen(amount_fen - spend),
            "cashback": None,
            "gift": None,
        }
    return jsonify(
        {
            "ok": True,
            "title": _("Incentive cash"),
            "value": format_fen(balance),
            "condition": "",
            "rules": _("Balance %(balance)s, spent on what the customer pays.", balance=format_fen(balance)),
            "code": _("Payment code"),
            "shop": None,
            "valid_until": None,
            "quote": quote,
            "amount_error": amount_error,
        }
    )


@bp.route("/till/confirm", methods=["POST"])
@roles_required("merchant", "clerk")
@user_check(ensure_shop_trades)
def confirm():
    """Scan or type, the amount, 确认核销: one screen, one request. A second tap on the same screen
    finds the same receipt, never a second use."""
    form = TillForm()
    if not form.validate_on_submit():
        return _console(form, status=422)
    code, payload = _code_and_payload(form.code.data, form.qr_payload.data)
    customer_code = (form.customer_code.data or "").strip()
    if incentives.is_payment_code(payload or code):  # the payment code on its own, in the scan field
        customer_code, code, payload = payload or code, "", ""
    if not code and not payload and not customer_code and form.photo.data:
        payload = qr.decode_photo(form.photo.data.read()) or ""
        if not payload:
            form.photo.errors = [_("No QR code found in the photo. Try again closer, or type the code.")]
            return _console(form, status=422)
    if not code and not payload and not customer_code:
        form.code.errors = [_("Scan the QR code or type the code.")]
        return _console(form, status=422)
    amount_fen = form.amount_fen

    def work():
        customer_id = incentive_pay.resolve_customer(current_user, customer_code) if customer_code else None
        if not code and not payload:
            spend = incentive_pay.deduction(customer_id, amount_fen)
            done = incentive_pay.pay(current_user, customer_id, amount_fen, spend)
            return 201, {"redemption_id": done.id}
        voucher, method = services.resolve(current_user, code=code or None, qr_payload=payload or None)
        spend = 0
        if customer_id is not None:
            quote = services.check(current_user, voucher, amount_fen)
            spend = incentive_pay.deduction(customer_id, quote.payable_fen)
        done = services.redeem(
            current_user, voucher, amount_fen, method=method, incentive_fen=spend, customer_id=customer_id
        )
        return 201, {"redemption_id": done.id}

    try:
        status, body = idempotency.run_once(
            current_user.id,
            f"till:{form.nonce.data}",
            idempotency.fingerprint(
                "POST",
                request.path,
                {"code": codes.normalise(code), "qr": payload, "a": amount_fen, "c": customer_code},
            ),
            work,
        )
    except DomainError as err:
        db.session.rollback()
        return _console(form, refusal=str(err.message), status=err.status)
    if status != 201:
        return _console(form, refusal=body["error"]["message"], status=status)
    return redirect(url_for("till.receipt", redemption_id=body["redemption_id"], done=1))


def _minutes_left(redemption, now=None) -> int:
    """Whole minutes (rounded up) left to reverse `redemption`; 0 once it cannot be."""
    now = now or clock.now_utc()
    if not services.can_reverse(redemption, now):
        return 0
    seconds = (services.reversal_window() - (now - redemption.redeemed_at)).total_seconds()
    return max(1, -(-int(seconds) // 60))


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
        coupon=redemption.voucher.coupon if redemption.voucher else None,
        just_done=request.args.get("done") == "1",
        can_reverse=services.can_reverse(redemption),
        issued=services.issued_by(redemption),
        minutes_left=_minutes_left(redemption),
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
        reversible={r.id: _minutes_left(r, now) for r in items if services.can_reverse(r, now)},
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
        coupon=redemption.voucher.coupon if redemption.voucher else None,
        can_reverse=services.can_reverse(redemption),
        minutes_left=_minutes_left(redemption),
        window_minutes=int(services.reversal_window().total_seconds() // 60),
    )


def landing_for(user) -> str | None:
    """Owners and clerks of a shop that trades land on the till when they sign in."""
    if getattr(user, "role", None) not in ("merchant", "clerk") or not user.merchant_id:
        return None
    merchant = db.session.get(Merchant, user.merchant_id)
    return url_for("till.console") if rules.merchant_can_trade(merchant) else None


def register_nav(app) -> None:
    # before the figures' landing (reports), which PAGES lists later
    app.extensions.setdefault("alliance.landing", []).append(landing_for)
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

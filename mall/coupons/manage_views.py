"""Coupon pages for merchant owners (write, submit, withdraw) and branch staff (the review queue)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.accounts.forms import ConfirmForm
from alliance.audit.services import history
from alliance.core import clock
from alliance.core.csvfile import csv_response
from alliance.core.errors import DomainError, ValidationFailed
from alliance.core.extensions import db
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, form_errors_from, roles_required, user_check
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from alliance.merchants.services import ensure_shop_trades, shop_trades
from mall.coupons import rules, services, wording
from mall.coupons.forms import FORM_FIELD_FOR, CouponForm, ReviewForm, WithdrawForm
from mall.coupons.models import STATUS_LABELS, Coupon, CouponStatus

bp = Blueprint("coupon_admin", __name__)

ACTION_LABELS = {
    "coupon.create": _l("Created"),
    "coupon.update": _l("Edited"),
    "coupon.submit": _l("Submitted for review"),
    "coupon.approve": _l("Approved"),
    "coupon.reject": _l("Rejected"),
    "coupon.withdraw": _l("Withdrawn"),
}


def _partner_choices(merchant_id: int) -> list[tuple[int, str]]:
    shops = db.session.scalars(
        sa.select(Merchant)
        .where(Merchant.status == MerchantStatus.ACTIVE, Merchant.id != merchant_id)
        .order_by(Merchant.district_id, Merchant.name)
    )
    return [(m.id, f"{m.name} · {m.district.name}") for m in shops]


def _form_errors(err: DomainError, form: CouponForm) -> None:
    if isinstance(err, ValidationFailed) and err.fields:
        renamed = {FORM_FIELD_FOR.get(k, k): v for k, v in err.fields.items()}
        err = ValidationFailed(renamed, err.message)
    form_errors_from(err, form)


def _rule_errors_too(form: CouponForm, merchant_id: int) -> None:
    """A form that failed its own checks also shows the coupon rules' verdict on its other fields,
    so the merchant fixes everything in one go instead of one layer at a time."""
    if not form.is_submitted() or not form.errors:
        return
    try:
        rules.check_fields(form.to_data(), merchant_id=merchant_id, now=clock.now_utc())
    except ValidationFailed as err:
        for name, messages in (err.fields or {}).items():
            field = getattr(form, FORM_FIELD_FOR.get(name, name), None)
            if field is not None and not field.errors:
                field.errors = [str(m) for m in messages]
    except (TypeError, ValueError):
        pass  # values too malformed to judge; the form's own messages stand


def _own_coupon(coupon_id: int) -> Coupon:
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None or not services.is_owner(current_user, coupon.merchant_id):
        abort(404)
    return coupon


# ---------------------------------------------------------------------------------------------------
# Merchant owners
# ---------------------------------------------------------------------------------------------------


@bp.route("/merchant/coupons")
@roles_required("merchant")
@user_check(ensure_shop_trades)
def merchant_list():
    items = services.merchant_coupons(current_user, current_user.merchant_id)
    now = clock.now_utc()
    return render_template(
        "mall/coupons/merchant_list.html",
        items=items,
        status_of=lambda c: rules.display_status(c, now),
        labels=STATUS_LABELS,
        headline=wording.headline,
        confirm_form=ConfirmForm(),
        withdraw_form=WithdrawForm(),
    )


@bp.route("/merchant/coupons/new", methods=["GET", "POST"])
@roles_required("merchant")
@user_check(ensure_shop_trades)
def merchant_new():
    form = CouponForm()
    form.partner_merchant_ids.choices = _partner_choices(current_user.merchant_id)
    if form.validate_on_submit():
        try:
            coupon = services.create_coupon(current_user, current_user.merchant_id, form.to_data())
        except DomainError as err:
            _form_errors(err, form)
        else:
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return redirect(url_for("coupon_admin.merchant_list", _anchor=f"coupon-{coupon.id}"))
    else:
        _rule_errors_too(form, current_user.merchant_id)
    return render_template("mall/coupons/form.html", form=form, coupon=None)


@bp.route("/merchant/coupons/<int:coupon_id>/edit", methods=["GET", "POST"])
@roles_required("merchant")
@user_check(ensure_shop_trades)
def merchant_edit(coupon_id: int):
    coupon = _own_coupon(coupon_id)
    form = CouponForm()
    form.partner_merchant_ids.choices = _partner_choices(coupon.merchant_id)
    if request.method == "GET":
        form.fill_from(coupon)
    elif form.validate_on_submit():
        try:
            services.update_coupon(current_user, coupon, form.to_data())
        except DomainError as err:
            _form_errors(err, form)
        else:
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return redirect(url_for("coupon_admin.merchant_list", _anchor=f"coupon-{coupon.id}"))
    else:
        _rule_errors_too(form, coupon.merchant_id)
    return render_template("mall/coupons/form.html", form=form, coupon=coupon)


@bp.route("/merchant/coupons/<int:coupon_id>/submit", methods=["POST"])
@roles_required("merchant")
@user_check(ensure_shop_trades)
def merchant_submit(coupon_id: int):
    coupon = _own_coupon(coupon_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.submit(current_user, coupon)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Sent to the branch for review."), "success")
    return redirect(url_for("coupon_admin.merchant_list"))


@bp.route("/merchant/coupons/<int:coupon_id>/withdraw", methods=["POST"])
@roles_required("merchant")
@user_check(ensure_shop_trades)
def merchant_withdraw(coupon_id: int):
    coupon = _own_coupon(coupon_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, coupon, form.reason.data)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Withdrawn. Vouchers already claimed can still be used."), "success")
    return redirect(url_for("coupon_admin.merchant_list"))


# ---------------------------------------------------------------------------------------------------
# Branch staff
# ---------------------------------------------------------------------------------------------------


def _staff_coupon(coupon_id: int) -> Coupon:
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None or not services.can_see_always(current_user, coupon):
        abort(404)
    return coupon


@bp.route("/staff/coupons")
@roles_required("staff", "admin")
def staff_list():
    status = request.args.get("status") or None
    if status and status not in {s.value for s in CouponStatus}:
        status = None
    items = services.branch_coupons(current_user, status)
    now = clock.now_utc()
    if request.args.get("format") == "csv":
        return _csv(items, now)
    return render_template(
        "mall/coupons/staff_list.html",
        queue=services.review_queue(current_user),
        items=items,
        status=status,
        labels=STATUS_LABELS,
        status_of=lambda c: rules.display_status(c, now),
        headline=wording.headline,
    )


def _csv(items: list[Coupon], now) -> Response:
    header = [_("ID"), _("Shop"), _("Title"), _("Offer"), _("Status"), _("Stock"), _("Left"), _("Submitted")]
    rows = []
    for c in items:
        rows.append(
            [
                c.id,
                c.merchant.name,
                c.title,
                wording.headline(c),
                str(STATUS_LABELS.get(rules.display_status(c, now), c.status)),
                c.stock_total,
                c.stock_left,
                clock.to_local(c.submitted_at).strftime("%Y-%m-%d %H:%M") if c.submitted_at else "",
            ]
        )
    return csv_response("coupons.csv", header, rows)


def _budget_choices(coupon: Coupon) -> list[tuple[int, str]]:
    """Budgets of the shop's branch that run today (mall.funding); 0 = the shop gives it all."""
    from alliance.core.money import format_fen
    from mall.funding.services import budgets

    found = [(0, _("None: the shop gives the whole discount"))]
    for budget in budgets.choices_for(current_user, coupon):
        found.append(
            (
                budget.id,
                _("%(name)s (%(left)s left)", name=budget.name, left=format_fen(budget.available_fen)),
            )
        )
    return found


@bp.route("/staff/coupons/<int:coupon_id>", methods=["GET", "POST"])
@roles_required("staff", "admin")
def staff_review(coupon_id: int):
    coupon = _staff_coupon(coupon_id)
    form = ReviewForm()
    form.budget_id.choices = _budget_choices(coupon)
    if form.validate_on_submit():
        decision = "approve" if form.approve.data else "reject"
        try:
            services.review(
                current_user,
                coupon,
                decision,
                form.reason.data,
                budget_id=form.budget_id.data or None,
                bank_share_percent=form.bank_share_percent.data,
            )
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(
                _("Approved: it is live once its claim window opens.")
                if decision == "approve"
                else _("Rejected. The merchant sees your reason."),
                "success",
            )
            return redirect(url_for("coupon_admin.staff_list"))
    now = clock.now_utc()
    return render_template(
        "mall/coupons/staff_review.html",
        coupon=coupon,
        form=form,
        withdraw_form=WithdrawForm(),
        rules=wording.rules(coupon),
        claim_window=wording.claim_window_text(coupon),
        status=rules.display_status(coupon, now),
        labels=STATUS_LABELS,
        events=history(coupon),
        action_labels=ACTION_LABELS,
    )


@bp.route("/staff/coupons/<int:coupon_id>/withdraw", methods=["POST"])
@roles_required("staff", "admin")
def staff_withdraw(coupon_id: int):
    coupon = _staff_coupon(coupon_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, coupon, form.reason.data)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Withdrawn. Vouchers already claimed can still be used."), "success")
    return redirect(url_for("coupon_admin.staff_review", coupon_id=coupon.id))


def _pending(user) -> int:
    return services.pending_count(user)


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "coupon_admin.merchant_list",
            _l("Our coupons"),
            "ticket-detailed",
            frozenset({"merchant"}),
            order=30,
            place="tab",
            prefix="/merchant/coupons",
            visible=shop_trades,
        ),
    )
    add_nav(
        app,
        NavItem(
            "coupon_admin.staff_list",
            _l("Coupon review"),
            "patch-check",
            frozenset({"staff", "admin"}),
            order=30,
            badge=_pending,
            prefix="/staff/coupons",
            group=_l("Reviews"),
        ),
    )

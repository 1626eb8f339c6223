"""Staff pages: budgets with their burn-down, the month's settlement of every merchant, and one
merchant's statement to confirm and mark paid; exports for the bank's payment run."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import clock
from alliance.core.errors import DomainError, NotFound
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, form_errors_from, roles_required
from mall.funding import charts, exports
from mall.funding.forms import BudgetForm, PaidForm
from mall.funding.models import STATUS_LABELS
from mall.funding.services import budgets, settlement
from mall.funding.views import month_links

bp = Blueprint("funding_staff", __name__, url_prefix="/staff/funding")

STAFF = ("staff", "admin")


@bp.route("/budgets", methods=["GET", "POST"])
@roles_required(*STAFF)
def budget_list():
    form = BudgetForm()
    if form.validate_on_submit():
        data = {
            "branch_id": current_user.branch_id,
            "name": form.name.data,
            "total_fen": form.total.fen,
            "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data,
            "funds_incentives": form.funds_incentives.data,
        }
        try:
            budget = budgets.create_budget(current_user, data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Budget opened. Fund coupons from it when you approve them."), "success")
            return redirect(url_for("funding_staff.budget_detail", budget_id=budget.id))
    items, total = budgets.list_budgets(current_user, 1, 100)
    return render_template("mall/funding/budget_list.html", items=items, total=total, form=form)


@bp.route("/budgets/<int:budget_id>")
@roles_required(*STAFF)
def budget_detail(budget_id: int):
    try:
        budget = budgets.get_budget(current_user, budget_id)
    except NotFound:
        abort(404)
    points = budgets.burn_down(budget)
    period = (budget.ends_on - budget.starts_on).days + 1
    return render_template(
        "mall/funding/budget_detail.html",
        budget=budget,
        points=points,
        chart=charts.burn_down_chart(points, budget.total_fen, period),
        funded=budgets.funded(budget),
        today=clock.local_today(),
    )


@bp.route("/settlements")
@roles_required(*STAFF)
def month_overview():
    try:
        overview = settlement.month_overview(current_user, request.args.get("month"))
    except DomainError:
        return redirect(url_for("funding_staff.month_overview"))
    fmt = request.args.get("format")
    if fmt == "csv":
        return exports.csv_export(overview)
    if fmt == "xlsx":
        return exports.xlsx_export(overview)
    return render_template(
        "mall/funding/month_overview.html",
        overview=overview,
        months=month_links(overview.month),
        labels=STATUS_LABELS,
        first=settlement.parse_month(overview.month),
    )


def _view(merchant_id: int, month: str):
    try:
        return settlement.get_statement(current_user, merchant_id, month)
    except DomainError:
        abort(404)


@bp.route("/settlements/<int:merchant_id>/<month>")
@roles_required(*STAFF)
def statement(merchant_id: int, month: str):
    view = _view(merchant_id, month)
    first = settlement.parse_month(view.month)
    return render_template(
        "mall/funding/staff_statement.html",
        view=view,
        labels=STATUS_LABELS,
        first=first,
        can_confirm=settlement.bounds(first)[1] <= clock.now_utc(),
        paid_form=PaidForm(),
    )


@bp.route("/settlements/<int:merchant_id>/<month>/confirm", methods=["POST"])
@roles_required(*STAFF)
def confirm(merchant_id: int, month: str):
    view = _view(merchant_id, month)
    try:
        settlement.confirm(current_user, merchant_id, view.month)
    except DomainError as err:
        flash_error(err)
    else:
        flash(_("Confirmed. This month's statement no longer changes."), "success")
    return redirect(url_for("funding_staff.statement", merchant_id=merchant_id, month=view.month))


@bp.route("/settlements/<int:merchant_id>/<month>/paid", methods=["POST"])
@roles_required(*STAFF)
def mark_paid(merchant_id: int, month: str):
    view = _view(merchant_id, month)
    form = PaidForm()
    if not form.validate_on_submit():
        flash(_("Give the payment's reference."), "danger")
    else:
        try:
            settlement.mark_paid(current_user, merchant_id, view.month, form.reference.data)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Marked paid."), "success")
    return redirect(url_for("funding_staff.statement", merchant_id=merchant_id, month=view.month))


def register_nav(app) -> None:
    group = _l("Funding")
    add_nav(
        app,
        NavItem(
            "funding_staff.budget_list",
            _l("Budgets"),
            "piggy-bank",
            frozenset(STAFF),
            order=50,
            prefix="/staff/funding/budgets",
            group=group,
        ),
    )
    add_nav(
        app,
        NavItem(
            "funding_staff.month_overview",
            _l("Monthly settlement"),
            "cash-stack",
            frozenset(STAFF),
            order=51,
            prefix="/staff/funding/settlements",
            group=group,
        ),
    )

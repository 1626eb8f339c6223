"""The staff desk: the merchants table with filters, sorting and CSV; the review queue; one
merchant's page with its decisions, figures, tier history, cash-flow care and audit trail."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.audit.services import history as audit_history
from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.web import form_errors_from, roles_required
from alliance.merchants.constants import (
    CASHFLOW_DAY_LABELS,
    FIGURES,
    FORMAT_LABELS,
    INDUSTRY_LABELS,
    STATUS_LABELS,
    STORE_TYPE_LABELS,
    TIERS,
)
from alliance.merchants.forms import CareForm, FiguresForm, ReasonForm, ShopProfileForm, yuan_text
from alliance.merchants.services import access, cashflow, figures, listing, membership, profiles, tiering
from alliance.merchants.services import prospects as prospect_services
from alliance.merchants.services import whitelist as whitelist_services
from alliance.merchants.services.figures import parse_month
from alliance.merchants.views import bp
from alliance.merchants.views.common import branch_scope, choice_arg, csv_response, flash_with_fields, int_arg

PER_PAGE = 50


def _filters() -> listing.Filters:
    return listing.Filters(
        branch_id=int_arg("branch_id"),
        district_id=int_arg("district_id"),
        industry=choice_arg("industry", [str(k) for k in INDUSTRY_LABELS]),
        format=choice_arg("format", [str(k) for k in FORMAT_LABELS]),
        store_type=choice_arg("store_type", [str(k) for k in STORE_TYPE_LABELS]),
        tier=choice_arg("tier", TIERS),
        status=choice_arg("status", [str(k) for k in STATUS_LABELS]),
        q=(request.args.get("q") or "").strip()[:100] or None,
    )


def _sort() -> str:
    sort = request.args.get("sort") or "name"
    return sort if sort.lstrip("-") in listing.SORTS else "name"


@bp.route("/staff/merchants")
@roles_required("staff", "admin")
def staff_merchants():
    filters = _filters()
    sort = _sort()
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = listing.search(current_user, filters, sort=sort, page=page, per_page=PER_PAGE, managed=True)
    _, branches = branch_scope(required=False)
    first_look = page == 1 and not filters.as_args()
    return render_template(
        "alliance/merchants/staff_merchants.html",
        upcoming=cashflow.upcoming(current_user) if first_look else [],
        cashflow_labels=CASHFLOW_DAY_LABELS,
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        filters=filters,
        sort=sort,
        branches=branches,
        districts=[d for b in branches for d in b.districts],
    )


@bp.route("/staff/merchants.csv")
@roles_required("staff", "admin")
def staff_merchants_csv():
    filters = _filters()
    header = [
        _("Merchant id"),
        _("Shop name"),
        _("Branch"),
        _("Business district"),
        _("Format"),
        _("Trade"),
        _("Kind of shop"),
        _("Status"),
        _("Tier"),
        _("Service level"),
        _("Figures month"),
        *(_("%(figure)s (yuan)", figure=label) for label in _figure_labels()),
        _("Transactions in the month"),
        _("Phone"),
        _("Address"),
        _("Applied at"),
    ]

    def rows():
        for merchant, figs in listing.every(current_user, filters, sort=_sort()):
            yield [
                merchant.id,
                merchant.name,
                merchant.district.branch.name,
                merchant.district.name,
                merchant.format_label,
                merchant.industry_label,
                merchant.store_type_label,
                merchant.status_label,
                merchant.tier or "",
                merchant.service_level or "",
                figs.month.strftime("%Y-%m") if figs else "",
                *((yuan_text(getattr(figs, str(f))) if figs else "") for f in FIGURES),
                figs.transaction_count if figs else "",
                merchant.phone or "",
                merchant.address or "",
                clock.to_local(merchant.created_at).strftime("%Y-%m-%d %H:%M"),
            ]

    stamp = clock.local_today().isoformat()
    return csv_response(f"merchants-{stamp}.csv", header, list(rows()))


def _figure_labels():
    from alliance.merchants.constants import FIGURE_LABELS

    return [FIGURE_LABELS[f] for f in FIGURES]


@bp.route("/staff/merchants/review")
@roles_required("staff", "admin")
def review_queue():
    return render_template(
        "alliance/merchants/review_queue.html",
        merchants=listing.review_queue(current_user),
        form=ReasonForm(),
    )


def _detail(merchant_id: int, *, figures_form=None, care_form=None, decision_form=None, profile_form=None):
    merchant = access.get_managed(merchant_id, current_user)
    care = cashflow.care_for(merchant.id)
    staff_choices = [(0, "—")] + [
        (u.id, u.name) for u in prospect_services.branch_staff(merchant.district.branch_id)
    ]
    if care_form is None:
        care_form = CareForm(
            account_manager_id=care.account_manager_id if care and care.account_manager_id else 0,
            collection_day=care.collection_day if care else None,
            payment_day=care.payment_day if care else None,
        )
    care_form.account_manager_id.choices = staff_choices
    months = figures.figures_of(current_user, merchant.id)
    if figures_form is None:
        latest = months[0] if months else None
        figures_form = FiguresForm(
            month=clock.local_today().strftime("%Y-%m"),
            **(
                {str(f): yuan_text(getattr(latest, str(f))) for f in FIGURES}
                | {"transaction_count": latest.transaction_count}
                if latest
                else {}
            ),
        )
    people = profiles.people_of(merchant)
    return render_template(
        "alliance/merchants/staff_merchant.html",
        merchant=merchant,
        care=care,
        care_form=care_form,
        figures_form=figures_form,
        decision_form=decision_form or ReasonForm(),
        profile_form=profile_form or ShopProfileForm(obj=merchant),
        months=months,
        changes=tiering.history(current_user, merchant.id),
        events=audit_history(merchant, limit=50),
        entries=whitelist_services.entries_of(current_user, merchant.id),
        people=people,
    )


@bp.route("/staff/merchants/<int:merchant_id>")
@roles_required("staff", "admin")
def staff_merchant(merchant_id: int):
    return _detail(merchant_id)


@bp.route("/staff/merchants/<int:merchant_id>/decision", methods=["POST"])
@roles_required("staff", "admin")
def merchant_decision(merchant_id: int):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            merchant = membership.change_status(current_user, merchant_id, form.action.data, form.reason.data)
        except DomainError as err:
            if request.form.get("from") == "queue":
                flash_with_fields(err)
                return redirect(url_for("merchants.review_queue"))
            form_errors_from(err, form)
            return _detail(merchant_id, decision_form=form)
        flash(
            _("%(name)s is now: %(status)s.", name=merchant.name, status=merchant.status_label),
            "success",
        )
        if request.form.get("from") == "queue":
            return redirect(url_for("merchants.review_queue"))
    return redirect(url_for("merchants.staff_merchant", merchant_id=merchant_id))


@bp.route("/staff/merchants/<int:merchant_id>/figures", methods=["POST"])
@roles_required("staff", "admin")
def merchant_figures(merchant_id: int):
    form = FiguresForm()
    if form.validate_on_submit():
        month = parse_month(form.month.data)
        try:
            values = {str(f): getattr(form, str(f)).fen or 0 for f in FIGURES}
            values["transaction_count"] = form.transaction_count.data or 0
            figures.set_figures(current_user, merchant_id, month or date.min, values)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The figures are saved and the tier is up to date."), "success")
            return redirect(url_for("merchants.staff_merchant", merchant_id=merchant_id) + "#figures")
    return _detail(merchant_id, figures_form=form)


@bp.route("/staff/merchants/<int:merchant_id>/care", methods=["POST"])
@roles_required("staff", "admin")
def merchant_care(merchant_id: int):
    merchant = access.get_managed(merchant_id, current_user)
    form = CareForm()
    form.account_manager_id.choices = [(0, "—")] + [
        (u.id, u.name) for u in prospect_services.branch_staff(merchant.district.branch_id)
    ]
    if form.validate_on_submit():
        try:
            cashflow.set_care(
                current_user,
                merchant_id,
                account_manager_id=form.account_manager_id.data or None,
                collection_day=form.collection_day.data,
                payment_day=form.payment_day.data,
            )
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Account manager and cash-flow days are saved."), "success")
            return redirect(url_for("merchants.staff_merchant", merchant_id=merchant_id) + "#care")
    return _detail(merchant_id, care_form=form)


@bp.route("/staff/merchants/<int:merchant_id>/profile", methods=["POST"])
@roles_required("staff", "admin")
def merchant_profile(merchant_id: int):
    form = ShopProfileForm()
    if form.validate_on_submit():
        try:
            profiles.update_profile(current_user, merchant_id, form.data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The shop's details are saved."), "success")
            return redirect(url_for("merchants.staff_merchant", merchant_id=merchant_id))
    return _detail(merchant_id, profile_form=form)


@bp.route("/staff/merchants/<int:merchant_id>/whitelist", methods=["POST"])
@roles_required("staff", "admin")
def merchant_whitelist(merchant_id: int):
    form = ReasonForm()
    back = request.form.get("next") == "whitelist"
    if form.validate_on_submit():
        try:
            if form.action.data == "add":
                whitelist_services.add(current_user, merchant_id, form.reason.data)
                message = _("Added to the whitelist.")
            else:
                whitelist_services.remove(current_user, merchant_id, form.reason.data)
                message = _("Removed from the whitelist.")
        except DomainError as err:
            flash_with_fields(err)
        else:
            flash(message, "success")
    if back:
        return redirect(url_for("merchants.whitelist", branch_id=request.form.get("branch_id", type=int)))
    return redirect(url_for("merchants.staff_merchant", merchant_id=merchant_id) + "#whitelist")


@bp.route("/staff/merchants/<int:merchant_id>/licence")
@roles_required("staff", "admin")
def licence(merchant_id: int):
    """The business licence photo of an application: for the staff who manage the shop's branch only."""
    from flask import abort, send_file

    from alliance.merchants.services import applications

    merchant = access.get_managed(merchant_id, current_user)
    path = applications.licence_file(merchant)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response

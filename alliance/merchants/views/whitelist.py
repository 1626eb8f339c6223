"""The settlement whitelist (白名单): criteria, who qualifies, who joins and who drops out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.web import form_errors_from, roles_required
from alliance.merchants.forms import ReasonForm, WhitelistPolicyForm, wan_text, yuan_text
from alliance.merchants.services import whitelist as services
from alliance.merchants.views import bp
from alliance.merchants.views.common import branch_scope, csv_response

CRITERIA_FIELDS = ("min_acquiring_volume_fen", "min_avg_daily_balance_fen", "min_fee_income_fen")


def _page(branch_id, branches, form=None):
    data = services.overview(current_user, branch_id)
    policy = data["policy"]
    if form is None:
        form = WhitelistPolicyForm(
            formdata=None,
            **{name: wan_text(getattr(policy, name)) if policy else "" for name in CRITERIA_FIELDS},
            package_name=policy.package_name if policy else "",
            package_details=policy.package_details if policy else "",
        )
    return render_template(
        "alliance/merchants/whitelist.html",
        data=data,
        form=form,
        reason_form=ReasonForm(),
        branch_id=branch_id,
        branches=branches,
        view=request.args.get("view", "actions"),
    )


@bp.route("/staff/whitelist", methods=["GET", "POST"])
@roles_required("staff", "admin")
def whitelist():
    branch_id, branches = branch_scope()
    if request.method == "GET":
        return _page(branch_id, branches)
    form = WhitelistPolicyForm()
    if form.validate_on_submit():
        try:
            services.save_policy(
                current_user,
                branch_id,
                **{name: getattr(form, name).fen for name in CRITERIA_FIELDS},
                package_name=form.package_name.data,
                package_details=form.package_details.data,
            )
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The whitelist criteria are saved."), "success")
            return redirect(url_for("merchants.whitelist", branch_id=branch_id))
    return _page(branch_id, branches, form=form)


@bp.route("/staff/whitelist.csv")
@roles_required("staff", "admin")
def whitelist_csv():
    branch_id, _branches = branch_scope()
    data = services.overview(current_user, branch_id)
    view = request.args.get("view", "qualifying")
    items = {
        "listed": data["listed"],
        "actions": data["newly_qualifying"] + data["dropping_out"],
    }.get(view, data["qualifying"])
    header = [
        _("Merchant id"),
        _("Shop name"),
        _("Business district"),
        _("Tier"),
        _("%(figure)s (yuan)", figure=_("Settlement")),
        _("%(figure)s (yuan)", figure=_("Balance")),
        _("%(figure)s (yuan)", figure=_("Contribution")),
        _("Qualifying"),
        _("On the whitelist"),
        _("Reason"),
    ]
    rows = []
    for item in items:
        merchant, figs, entry = item["merchant"], item["figures"], item["entry"]
        rows.append(
            [
                merchant.id,
                merchant.name,
                merchant.district.name,
                merchant.tier or "",
                yuan_text(figs.acquiring_volume_fen) if figs else "",
                yuan_text(figs.avg_daily_balance_fen) if figs else "",
                yuan_text(figs.fee_income_fen) if figs else "",
                _("yes") if item["qualifies"] else _("no"),
                clock.to_local(entry.added_at).date().isoformat() if entry else "",
                entry.reason if entry else "",
            ]
        )
    return csv_response(f"whitelist-{view}-{clock.local_today().isoformat()}.csv", header, rows)

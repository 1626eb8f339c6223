"""The value pyramid (金字塔分层): counts per tier and district with a chart drawn on the server,
the branch's thresholds, and the service packages per level."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.web import form_errors_from, roles_required
from alliance.merchants.constants import FIGURES, SERVICE_LEVELS, TIERS
from alliance.merchants.forms import ServicePackageForm, TierPolicyForm, wan_text
from alliance.merchants.services import service_levels, tiering
from alliance.merchants.tiers import RANKED_TIERS
from alliance.merchants.views import bp
from alliance.merchants.views.common import branch_scope, csv_response, int_arg

# Fills from the head of the pyramid to its base, with a text colour that keeps WCAG AA contrast.
TIER_COLOURS = {
    "A": ("#9e0c24", "#ffffff"),
    "B": ("#c8102e", "#ffffff"),
    "C": ("#e0606f", "#1d1d1f"),
    "D": ("#f2a9b2", "#1d1d1f"),
    "E": ("#e9e9ee", "#1d1d1f"),
}


def pyramid_layers(counts: dict, total: int) -> list[dict]:
    """Five stacked trapezoids, head (A) on top: the SVG's geometry, in a 320×250 box."""
    top, bottom, centre = 10, 240, 160
    top_half, base_half = 34, 155
    height = (bottom - top) / len(TIERS)

    def half(y: float) -> float:
        return top_half + (y - top) / (bottom - top) * (base_half - top_half)

    layers = []
    for i, tier in enumerate(TIERS):
        y0, y1 = top + i * height, top + (i + 1) * height - 2
        w0, w1 = half(y0), half(y1)
        count = counts.get(tier, 0)
        layers.append(
            {
                "tier": tier,
                "count": count,
                "percent": round(100 * count / total) if total else 0,
                "points": " ".join(
                    f"{x:.1f},{y:.1f}"
                    for x, y in ((centre - w0, y0), (centre + w0, y0), (centre + w1, y1), (centre - w1, y1))
                ),
                "text_y": round((y0 + y1) / 2 + 5, 1),
                "fill": TIER_COLOURS[tier][0],
                "ink": TIER_COLOURS[tier][1],
            }
        )
    return layers


@bp.route("/staff/pyramid")
@roles_required("staff", "admin")
def pyramid():
    branch_id, branches = branch_scope(required=False)
    district_id = int_arg("district_id")
    data = tiering.pyramid(current_user, branch_id, district_id)
    policy = tiering.as_policy(tiering.policy_row(branch_id)) if branch_id else None
    return render_template(
        "alliance/merchants/pyramid.html",
        data=data,
        layers=pyramid_layers(data["tiers"], data["total"]),
        colours=TIER_COLOURS,
        branch_id=branch_id,
        branches=branches,
        district_id=district_id,
        districts=[d for b in branches if branch_id in (None, b.id) for d in b.districts],
        policy=policy,
        tiers=TIERS,
    )


@bp.route("/staff/tier-policy", methods=["GET", "POST"])
@roles_required("staff", "admin")
def tier_policy():
    branch_id, branches = branch_scope()
    row = tiering.policy_row(branch_id)
    policy = tiering.as_policy(row)
    if request.method == "GET":
        data = {"figures_required": policy.figures_required if policy else 1}
        if policy:
            for tier in RANKED_TIERS:
                for figure in FIGURES:
                    data[f"{tier}_{figure}"] = wan_text(policy.thresholds[tier][figure])
        form = TierPolicyForm(data=data)
    else:
        form = TierPolicyForm()
        if form.validate_on_submit():
            thresholds = {
                tier: {str(f): getattr(form, f"{tier}_{f}").fen for f in FIGURES} for tier in RANKED_TIERS
            }
            try:
                changed = tiering.save_policy(current_user, branch_id, thresholds, form.figures_required.data)
            except DomainError as err:
                form_errors_from(err, form)
            else:
                flash(
                    _("The thresholds are saved. %(n)s merchants changed tier.", n=changed),
                    "success",
                )
                return redirect(url_for("merchants.pyramid", branch_id=branch_id))
    return render_template(
        "alliance/merchants/tier_policy.html",
        form=form,
        row=row,
        branch_id=branch_id,
        branches=branches,
        tiers=RANKED_TIERS,
        figures=FIGURES,
    )


@bp.route("/staff/service-levels")
@roles_required("staff", "admin")
def service_level_list():
    branch_id, branches = branch_scope()
    return _levels_page(branch_id, branches)


def _levels_page(branch_id, branches, failed: tuple[str, ServicePackageForm] | None = None):
    packages = service_levels.packages(branch_id)
    forms = {}
    for level in SERVICE_LEVELS:
        if failed and failed[0] == level:
            forms[level] = failed[1]
        else:
            pkg = packages[level]
            forms[level] = ServicePackageForm(
                formdata=None, name=pkg.name, rights="\n".join(pkg.rights), prefix=f"level-{level}"
            )
    return render_template(
        "alliance/merchants/service_levels.html",
        packages=packages,
        forms=forms,
        counts=service_levels.level_counts(branch_id),
        branch_id=branch_id,
        branches=branches,
        levels=SERVICE_LEVELS,
        failed=failed[0] if failed else None,
    )


@bp.route("/staff/service-levels/<level>", methods=["POST"])
@roles_required("staff", "admin")
def service_level_save(level: str):
    if level not in SERVICE_LEVELS:
        abort(404)
    branch_id, branches = branch_scope()
    form = ServicePackageForm(prefix=f"level-{level}")
    if form.validate_on_submit():
        try:
            service_levels.save_package(current_user, branch_id, level, form.name.data, form.rights.data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The package of level %(level)s is saved.", level=level), "success")
            return redirect(url_for("merchants.service_level_list", branch_id=branch_id) + f"#level-{level}")
    return _levels_page(branch_id, branches, failed=(level, form))


@bp.route("/staff/pyramid.csv")
@roles_required("staff", "admin")
def pyramid_csv():
    branch_id, _branches = branch_scope(required=False)
    data = tiering.pyramid(current_user, branch_id, int_arg("district_id"))
    header = [_("Branch"), _("Business district"), *TIERS, _("not tiered"), _("Total")]
    rows = [
        [
            row["district"].branch.name,
            row["district"].name,
            *(row["counts"][t] for t in TIERS),
            row["counts"][None],
            row["total"],
        ]
        for row in data["districts"]
    ]
    rows.append(["", _("Total"), *(data["tiers"][t] for t in TIERS), data["tiers"][None], data["total"]])
    return csv_response(f"pyramid-{clock.local_today().isoformat()}.csv", header, rows)

"""Precise acquisition (精准获客): the coverage grid, the prospect list, visits and invitations."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.web import flash_error, form_errors_from, roles_required
from alliance.merchants.constants import (
    EIGHT_SHOPS,
    INDUSTRY_LABELS,
    PROSPECT_STAGE_LABELS,
    STORE_TYPE_LABELS,
    VISIT_STEP_LABELS,
    VISIT_STEPS,
    Industry,
    ProspectStage,
    StoreType,
)
from alliance.merchants.forms import ProspectForm, StageForm, VisitForm
from alliance.merchants.services import prospects as services
from alliance.merchants.views import bp
from alliance.merchants.views.common import branch_scope, choice_arg, csv_response, district_choices, int_arg


@bp.route("/staff/coverage")
@roles_required("staff", "admin")
def coverage():
    branch_id, branches = branch_scope()
    districts = [d for b in branches if b.id == branch_id for d in b.districts]
    district_id = int_arg("district_id")
    if district_id not in {d.id for d in districts}:
        district_id = None
    grid = services.coverage(current_user, branch_id, district_id)
    return render_template(
        "alliance/merchants/coverage.html",
        grid=grid,
        branch_id=branch_id,
        branches=branches,
        districts=districts,
        district_id=district_id,
        industry_labels=INDUSTRY_LABELS,
        store_labels=STORE_TYPE_LABELS,
        # Not `other`: base.html sets that name for the language switch, and it would win.
        other_shop=StoreType.OTHER.value,
        eight_shops=EIGHT_SHOPS,
    )


def _prospect_form(branch_id: int, form=None, **defaults) -> ProspectForm:
    form = form or ProspectForm(**defaults)
    form.district_id.choices = district_choices(current_user, branch_id)
    form.assigned_to_id.choices = [(0, "—")] + [(u.id, u.name) for u in services.branch_staff(branch_id)]
    return form


def _values(form: ProspectForm) -> dict:
    return {
        "name": form.name.data,
        "district_id": form.district_id.data,
        "industry": form.industry.data,
        "store_type": form.store_type.data or None,
        "format": form.format.data or None,
        "contact_name": form.contact_name.data,
        "contact_phone": form.contact_phone.data,
        "address": form.address.data,
        "assigned_to_id": form.assigned_to_id.data or None,
        "notes": form.notes.data,
    }


@bp.route("/staff/prospects", methods=["GET", "POST"])
@roles_required("staff", "admin")
def prospect_list():
    branch_id, branches = branch_scope()
    if request.method == "POST":
        form = _prospect_form(branch_id)
        if form.validate_on_submit():
            try:
                prospect = services.create(current_user, _values(form))
            except DomainError as err:
                form_errors_from(err, form)
            else:
                flash(_("%(name)s is on the prospect list.", name=prospect.name), "success")
                return redirect(url_for("merchants.prospect_detail", prospect_id=prospect.id))
    else:
        form = _prospect_form(
            branch_id,
            formdata=None,
            industry=choice_arg("industry", [i.value for i in Industry]) or Industry.CATERING.value,
            store_type=choice_arg("store_type", [s.value for s in StoreType]) or "",
            district_id=int_arg("district_id"),
            assigned_to_id=current_user.id if current_user.role == "staff" else 0,
        )
    stage = choice_arg("stage", [s.value for s in ProspectStage])
    mine = request.args.get("mine") == "1"
    items = services.listing(
        current_user,
        branch_id=branch_id,
        stage=stage,
        district_id=int_arg("district_id"),
        assigned_to_id=current_user.id if mine else None,
    )
    return render_template(
        "alliance/merchants/prospects.html",
        prospects=items,
        form=form,
        counts=services.stage_counts(current_user, branch_id),
        stage=stage,
        mine=mine,
        stage_labels=PROSPECT_STAGE_LABELS,
        branch_id=branch_id,
        branches=branches,
        open_form=request.method == "POST" or bool(request.args.get("industry")),
    )


def _detail(prospect_id: int, *, form=None, visit_form=None, stage_form=None, invite_link=None):
    prospect = services.get(current_user, prospect_id)
    branch_id = prospect.district.branch_id
    if form is None:
        form = _prospect_form(
            branch_id,
            formdata=None,
            obj=prospect,
            store_type=prospect.store_type or "",
            format=prospect.format or "",
            assigned_to_id=prospect.assigned_to_id or 0,
        )
    else:
        _prospect_form(branch_id, form=form)
    return render_template(
        "alliance/merchants/prospect.html",
        prospect=prospect,
        form=form,
        visit_form=visit_form or VisitForm(formdata=None, visited_on=clock.local_today()),
        stage_form=stage_form or StageForm(formdata=None, stage=prospect.stage),
        visits=services.visits(prospect),
        steps=[(s, VISIT_STEP_LABELS[s]) for s in VISIT_STEPS],
        stage_labels=PROSPECT_STAGE_LABELS,
        invite_link=invite_link,
    )


@bp.route("/staff/prospects/<int:prospect_id>", methods=["GET", "POST"])
@roles_required("staff", "admin")
def prospect_detail(prospect_id: int):
    if request.method == "GET":
        return _detail(prospect_id)
    prospect = services.get(current_user, prospect_id)
    form = _prospect_form(prospect.district.branch_id)
    if form.validate_on_submit():
        try:
            services.update(current_user, prospect_id, _values(form))
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The prospect is saved."), "success")
            return redirect(url_for("merchants.prospect_detail", prospect_id=prospect_id))
    return _detail(prospect_id, form=form)


@bp.route("/staff/prospects/<int:prospect_id>/visits", methods=["POST"])
@roles_required("staff", "admin")
def prospect_visit(prospect_id: int):
    form = VisitForm()
    if form.validate_on_submit():
        try:
            services.add_visit(
                current_user,
                prospect_id,
                form.visited_on.data,
                {s: getattr(form, s).data for s in VISIT_STEPS},
            )
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The visit is noted."), "success")
            return redirect(url_for("merchants.prospect_detail", prospect_id=prospect_id) + "#visits")
    return _detail(prospect_id, visit_form=form)


@bp.route("/staff/prospects/<int:prospect_id>/stage", methods=["POST"])
@roles_required("staff", "admin")
def prospect_stage(prospect_id: int):
    form = StageForm()
    if form.validate_on_submit():
        try:
            services.set_stage(current_user, prospect_id, form.stage.data, form.note.data)
        except DomainError as err:
            form_errors_from(err, form)
            return _detail(prospect_id, stage_form=form)
        flash(_("The stage is changed."), "success")
    return redirect(url_for("merchants.prospect_detail", prospect_id=prospect_id))


@bp.route("/staff/prospects/<int:prospect_id>/invite", methods=["POST"])
@roles_required("staff", "admin")
def prospect_invite(prospect_id: int):
    from alliance.accounts.forms import ConfirmForm

    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("merchants.prospect_detail", prospect_id=prospect_id))
    try:
        token = services.invite_token(current_user, prospect_id)
    except DomainError as err:
        flash_error(err)
        return redirect(url_for("merchants.prospect_detail", prospect_id=prospect_id))
    link = url_for("merchants.apply", invite=token, _external=True)
    return _detail(prospect_id, invite_link=link)


@bp.route("/staff/prospects.csv")
@roles_required("staff", "admin")
def prospect_csv():
    branch_id, _branches = branch_scope()
    stage = choice_arg("stage", [s.value for s in ProspectStage])
    items = services.listing(
        current_user, branch_id=branch_id, stage=stage, district_id=int_arg("district_id")
    )
    header = [
        _("Shop name"),
        _("Business district"),
        _("Trade"),
        _("Kind of shop"),
        _("Contact person"),
        _("Contact phone"),
        _("Address"),
        _("Stage"),
        _("Account manager"),
        _("Notes"),
    ]
    rows = [
        [
            p.name,
            p.district.name,
            p.industry_label,
            p.store_type_label,
            p.contact_name,
            p.contact_phone,
            p.address,
            PROSPECT_STAGE_LABELS.get(p.stage, p.stage),
            p.assigned_to.name if p.assigned_to else "",
            p.notes,
        ]
        for p in items
    ]
    return csv_response(f"prospects-{clock.local_today().isoformat()}.csv", header, rows)

"""Importing figures from the bank's CSV export: upload, preview every bad row, then confirm."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alliance.accounts.forms import ConfirmForm
from alliance.core.errors import DomainError
from alliance.core.web import flash_error, form_errors_from, roles_required
from alliance.merchants.forms import ImportForm
from alliance.merchants.services import imports as services
from alliance.merchants.views import bp

PREVIEW_ROWS = 20


@bp.route("/staff/figures/import", methods=["GET", "POST"])
@roles_required("staff", "admin")
def import_upload():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = services.create_preview(current_user, upload.read(), upload.filename)
        except DomainError as err:
            form_errors_from(err, form)
            if err.fields and "file" in err.fields:
                form.file.errors = [str(m) for m in err.fields["file"]]
        else:
            return redirect(url_for("merchants.import_preview", import_id=batch.id))
    return render_template("alliance/merchants/import_upload.html", form=form)


@bp.route("/staff/figures/import/<import_id>")
@roles_required("staff", "admin")
def import_preview(import_id: str):
    batch = services.get_preview(current_user, import_id)
    return render_template(
        "alliance/merchants/import_preview.html",
        batch=batch,
        summary=services.summary(batch),
        problems=[(p, [services.reason_text(r) for r in p["reasons"]]) for p in batch.problems],
        sample=batch.rows[:PREVIEW_ROWS],
        tier_changes=services.tier_changes(batch) if batch.status == "preview" else [],
        confirm_form=ConfirmForm(),
    )


@bp.route("/staff/figures/import/<import_id>/confirm", methods=["POST"])
@roles_required("staff", "admin")
def import_confirm(import_id: str):
    if ConfirmForm().validate_on_submit():
        try:
            result = services.apply(current_user, import_id, valid_only=request.form.get("valid_only") == "1")
        except DomainError as err:
            flash_error(err)
        else:
            flash(
                _(
                    "%(rows)s rows imported for %(merchants)s merchants; %(changes)s changed tier.",
                    rows=result["rows"],
                    merchants=result["merchants"],
                    changes=result["tier_changes"],
                ),
                "success",
            )
    return redirect(url_for("merchants.import_preview", import_id=import_id))


@bp.route("/staff/figures/import/<import_id>/discard", methods=["POST"])
@roles_required("staff", "admin")
def import_discard(import_id: str):
    if ConfirmForm().validate_on_submit():
        try:
            services.discard(current_user, import_id)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("The file was set aside; nothing was written."), "info")
            return redirect(url_for("merchants.import_upload"))
    return redirect(url_for("merchants.import_preview", import_id=import_id))


@bp.route("/staff/figures/template.csv")
@roles_required("staff", "admin")
def import_template():
    chinese = str(get_locale() or "zh").startswith("zh")
    response = Response(
        services.template_csv(current_user, chinese=chinese), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = "attachment; filename=figures-template.csv"
    return response

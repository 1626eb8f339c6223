"""Public pages: the application to join, a shop's page, and its logo."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from alliance.core.errors import Conflict, DomainError
from alliance.core.extensions import db
from alliance.core.web import form_errors_from
from alliance.merchants.forms import ApplicationForm
from alliance.merchants.services import access, membership, profiles
from alliance.merchants.services import prospects as prospect_services
from alliance.merchants.views import bp
from alliance.merchants.views.common import current_actor, district_choices


def add_shop_section(app, template: str, context) -> None:
    """Other features add a block to the public shop page: `context(merchant)` returns the
    template's variables, or None to leave the block out."""
    app.extensions.setdefault("alliance.shop_sections", []).append((template, context))


@bp.route("/join", methods=["GET", "POST"])
def apply():
    actor = current_actor()
    if actor is not None and actor.role in access.SHOP_ROLES:
        return redirect(url_for("merchants.my_shop"))
    staff_filling = access.is_staff(actor)
    invite = request.values.get("invite") or ""
    prospect = prospect_services.from_invite(invite)
    if invite and prospect is None and request.method == "GET":
        flash(_("This invitation has expired or was already used. You can still apply below."), "warning")
    form = ApplicationForm(
        data=prospect_services.prefill(prospect) | {"invite": invite}
        if prospect and request.method == "GET"
        else None
    )
    form.district_id.choices = [("", _("Choose…")), *district_choices(with_branch=True)]
    if request.method == "GET" and request.args.get("ref"):
        form.referral_code.data = request.args["ref"][:16]
    if form.validate_on_submit():
        try:
            merchant, owner = membership.apply_for_membership(
                username=form.username.data,
                password=form.password.data,
                name=form.name.data,
                district_id=form.district_id.data,
                format=form.format.data,
                industry=form.industry.data,
                store_type=form.store_type.data,
                address=form.address.data,
                phone=form.phone.data,
                opening_hours=form.opening_hours.data,
                description=form.description.data,
                display_name=form.display_name.data,
                prospect=prospect,
                actor=actor if staff_filling else None,
                referral_code=form.referral_code.data,
                legal_name=form.legal_name.data,
                credit_code=form.credit_code.data,
                contact_name=form.contact_name.data,
                contact_mobile=form.contact_mobile.data,
                licence=form.licence.data.stream if form.licence.data else None,
                complete=True,
            )
            if form.logo.data:
                profiles.save_logo(owner, merchant.id, form.logo.data.stream, form.logo.data.filename)
        except Conflict as err:
            db.session.rollback()
            form.username.errors = [str(err.message)]
        except DomainError as err:
            form_errors_from(err, form)
        else:
            if staff_filling:
                flash(
                    _(
                        "The application of %(name)s is in. The owner signs in as %(username)s.",
                        name=merchant.name,
                        username=owner.username,
                    ),
                    "success",
                )
                return redirect(url_for("merchants.staff_merchant", merchant_id=merchant.id))
            login_user(owner)
            flash(_("Thank you! Your application is in."), "success")
            return redirect(url_for("merchants.my_shop"))
    return render_template(
        "alliance/merchants/apply.html", form=form, prospect=prospect, staff_filling=staff_filling
    ), (422 if form.referral_code.errors else 200)  # a refused referral code answers 422, as the API does


@bp.route("/shops/<int:merchant_id>")
def shop(merchant_id: int):
    merchant = access.get_visible(merchant_id, current_actor())
    sections = []
    for template, context in current_app.extensions.get("alliance.shop_sections", []):
        values = context(merchant)
        if values is not None:
            sections.append((template, values))
    return render_template(
        "alliance/merchants/shop.html",
        merchant=merchant,
        sections=sections,
        can_edit=profiles.can_edit(current_actor(), merchant),
    )


@bp.route("/shops/<int:merchant_id>/logo")
def logo(merchant_id: int):
    merchant = access.get_visible(merchant_id, current_actor())
    path = profiles.logo_file(merchant)
    if path is None:
        abort(404)
    fresh = request.args.get("v") == profiles.logo_version(merchant)
    response = send_file(path, mimetype="image/webp", max_age=31536000 if fresh else 300)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    if current_user.is_authenticated or merchant.status != "active":
        response.cache_control.public = False
        response.cache_control.private = True
    return response

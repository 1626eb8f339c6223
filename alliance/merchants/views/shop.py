"""The shop's own pages: status and what happens next, the profile and logo, the clerks, leaving."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.accounts.forms import ConfirmForm
from alliance.core.errors import Conflict, DomainError
from alliance.core.extensions import db
from alliance.core.web import flash_error, form_errors_from, roles_required
from alliance.merchants.constants import SERVICE_LEVEL_LABELS, TIER_LABELS
from alliance.merchants.forms import ClerkForm, LogoForm, ReasonForm, ShopProfileForm
from alliance.merchants.services import access, membership, profiles, service_levels, whitelist
from alliance.merchants.views import bp


@bp.route("/my-shop")
@roles_required("merchant", "clerk")
def my_shop():
    merchant = access.get_own(current_user)
    package = service_levels.package_for(merchant) if merchant.status == "active" else None
    settlement = whitelist.recommended_package(merchant) if merchant.status == "active" else None
    return render_template(
        "alliance/merchants/my_shop.html",
        merchant=merchant,
        package=package,
        settlement=settlement,
        is_owner=current_user.role == "merchant",
        tier_labels=TIER_LABELS,
        service_level_labels=SERVICE_LEVEL_LABELS,
        leave_form=ReasonForm(action="leave"),
        confirm_form=ConfirmForm(),
    )


def _profile_page(form=None, logo_form=None):
    merchant = access.get_own(current_user)
    form = form or ShopProfileForm(obj=merchant)
    return render_template(
        "alliance/merchants/my_profile.html",
        merchant=merchant,
        form=form,
        logo_form=logo_form or LogoForm(),
    )


@bp.route("/my-shop/profile", methods=["GET", "POST"])
@roles_required("merchant")
def my_profile():
    form = ShopProfileForm()
    if request.method == "GET":
        return _profile_page()
    if form.validate_on_submit():
        try:
            profiles.update_profile(current_user, current_user.merchant_id, form.data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Your shop's details are saved."), "success")
            return redirect(url_for("merchants.my_profile"))
    return _profile_page(form=form)


@bp.route("/my-shop/logo", methods=["POST"])
@roles_required("merchant")
def my_logo():
    form = LogoForm()
    if form.validate_on_submit():
        try:
            profiles.save_logo(
                current_user, current_user.merchant_id, form.logo.data.stream, form.logo.data.filename
            )
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("The new logo is in place."), "success")
            return redirect(url_for("merchants.my_profile"))
    return _profile_page(logo_form=form)


@bp.route("/my-shop/clerks", methods=["GET", "POST"])
@roles_required("merchant")
def my_clerks():
    form = ClerkForm()
    if form.validate_on_submit():
        try:
            clerk = profiles.create_clerk(
                current_user, form.username.data, form.password.data, form.display_name.data, form.phone.data
            )
        except Conflict as err:
            db.session.rollback()
            form.username.errors = [str(err.message)]
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Clerk %(name)s can now sign in and redeem vouchers.", name=clerk.username), "success")
            return redirect(url_for("merchants.my_clerks"))
    return render_template(
        "alliance/merchants/my_clerks.html",
        form=form,
        clerks=profiles.clerks(current_user),
        merchant=access.get_own(current_user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/my-shop/clerks/<int:clerk_id>/active", methods=["POST"])
@roles_required("merchant")
def my_clerk_active(clerk_id: int):
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            clerk = profiles.set_clerk_active(current_user, clerk_id, active)
        except DomainError as err:
            flash_error(err)
        else:
            if active:
                flash(_("%(name)s can sign in again.", name=clerk.username), "success")
            else:
                flash(_("%(name)s can no longer sign in.", name=clerk.username), "success")
    return redirect(url_for("merchants.my_clerks"))


@bp.route("/my-shop/leave", methods=["POST"])
@roles_required("merchant")
def my_leave():
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            membership.leave(current_user, form.reason.data)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Your shop has left the alliance."), "info")
    return redirect(url_for("merchants.my_shop"))


@bp.route("/my-shop/resubmit", methods=["POST"])
@roles_required("merchant")
def my_resubmit():
    if ConfirmForm().validate_on_submit():
        try:
            membership.resubmit(current_user)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Your application is sent again. The branch will review it."), "success")
    return redirect(url_for("merchants.my_shop"))

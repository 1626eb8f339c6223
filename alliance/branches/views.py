"""Pages: branches (admin) and business districts (admin and staff, scoped to their branch)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.branches import services
from alliance.branches.forms import BranchForm, DistrictForm
from alliance.core.errors import Conflict, DomainError
from alliance.core.extensions import db
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import form_errors_from, roles_required

bp = Blueprint("branches", __name__)


@bp.route("/admin/branches", methods=["GET", "POST"])
@roles_required("admin")
def admin_branches():
    form = BranchForm()
    if form.validate_on_submit():
        try:
            branch = services.create_branch(current_user, form.name.data, form.address.data)
        except Conflict as err:
            db.session.rollback()
            form.name.errors = [str(err.message)]
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Branch %(name)s added.", name=branch.name), "success")
            return redirect(url_for("branches.admin_branches"))
    return render_template(
        "alliance/branches/branches.html", form=form, branches=services.list_branches(current_user)
    )


@bp.route("/admin/districts", methods=["GET", "POST"])
@roles_required("admin", "staff")
def admin_districts():
    form = DistrictForm()
    branches = services.list_branches(current_user)
    form.branch_id.choices = [(b.id, b.name) for b in branches]
    if form.validate_on_submit():
        try:
            district = services.create_district(
                current_user, form.name.data, form.branch_id.data, form.description.data
            )
        except Conflict as err:
            db.session.rollback()
            form.name.errors = [str(err.message)]
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("District %(name)s added.", name=district.name), "success")
            return redirect(url_for("branches.admin_districts"))
    return render_template(
        "alliance/branches/districts.html", form=form, districts=services.list_districts(current_user)
    )


ADMIN = _l("Administration")


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "branches.admin_branches", _l("Branches"), "bank", frozenset({"admin"}), order=70, group=ADMIN
        ),
    )
    add_nav(
        app,
        NavItem(
            "branches.admin_districts",
            _l("Districts"),
            "geo-alt",
            frozenset({"admin", "staff"}),
            order=71,
            group=ADMIN,
        ),
    )

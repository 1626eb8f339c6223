"""Pages: sign in and out, registration, the account page, the language switch, user admin."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from alliance.accounts import services
from alliance.accounts.forms import (
    ConfirmForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    UserCreateForm,
)
from alliance.accounts.models import Role, User
from alliance.branches.services import list_branches
from alliance.core.errors import Conflict, DomainError, RateLimited
from alliance.core.extensions import db, login_manager
from alliance.core.i18n import LANG_COOKIE
from alliance.core.nav import NavItem, add_nav, items_for
from alliance.core.web import flash_error, form_errors_from, roles_required, safe_next
from alliance.referrals import views as referral_views

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    """The session's user, while the session's version is still the user's (see end_sessions)."""
    ident, _, version = (user_id or "").partition(":")
    if not (
        ident.isascii() and ident.isdigit() and len(ident) <= 10 and version.isascii() and version.isdigit()
    ):
        return None
    user = db.session.get(User, int(ident))
    if user is None or (user.session_version or 0) != int(version):
        return None
    return user


def home_for(user) -> str:
    """Where a person lands after signing in: the first feature that names a page for them (see
    `app.extensions["alliance.landing"]`), else the home page."""
    for landing in current_app.extensions.get("alliance.landing", []):
        target = landing(user)
        if target:
            return target
    return url_for("site.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, request.remote_addr)
        except RateLimited as err:
            flash_error(err)
            status = 429
        except DomainError:
            db.session.rollback()
            form.password.errors = [_("Wrong username or password.")]
        else:
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data, home_for(user)))
    return render_template("alliance/accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.end_sessions(current_user)  # every device's session and remember-me cookie
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("site.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("site.index"))
    form = RegisterForm(referral_code=request.args.get("ref", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.register_customer(
                form.username.data,
                form.password.data,
                display_name=form.display_name.data,
                phone=form.phone.data,
                referral_code=form.referral_code.data,
                signup_from=request.remote_addr or "-",
            )
        except RateLimited as err:
            flash_error(err)
            status = 429
        except Conflict as err:
            db.session.rollback()
            form.username.errors = [str(err.message)]
        except DomainError as err:
            form_errors_from(err, form)
        else:
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("site.index"))
    if status == 200 and form.referral_code.errors:
        status = 422  # a refused referral code answers 422, as the API does
    return render_template("alliance/accounts/register.html", form=form), status


@bp.route("/account")
@login_required
def account():
    return render_template(
        "alliance/accounts/account.html",
        profile_form=ProfileForm(obj=current_user),
        password_form=PasswordForm(),
        tokens=services.list_tokens(current_user),
        confirm_form=ConfirmForm(),
        shortcuts=items_for(current_user, "account"),
        referral_card=referral_views.account_card(current_user),
    )


@bp.route("/account/profile", methods=["POST"])
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.display_name.data, form.phone.data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.account"))
    return render_template(
        "alliance/accounts/account.html",
        profile_form=form,
        password_form=PasswordForm(),
        tokens=services.list_tokens(current_user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            # Every other session ended with the old password; this one carries on, renewed.
            login_user(
                current_user._get_current_object(), remember=bool(request.cookies.get("remember_token"))
            )
            flash(_("Your password is changed."), "success")
            return redirect(url_for("accounts.account"))
    return render_template(
        "alliance/accounts/account.html",
        profile_form=ProfileForm(obj=current_user),
        password_form=form,
        tokens=services.list_tokens(current_user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            services.revoke_token(current_user, token_id)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("The API token is revoked."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/lang", methods=["POST"])
def set_language():
    """The language switch on every page; the choice is remembered in a cookie for a year."""
    form = ConfirmForm()
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), url_for("site.index"))
    response = make_response(redirect(target))
    if form.validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


def _user_form() -> UserCreateForm:
    from alliance.merchants.models import Merchant

    form = UserCreateForm()
    form.branch_id.choices = [(0, "—")] + [(b.id, b.name) for b in list_branches()]
    merchants = db.session.execute(sa.select(Merchant.id, Merchant.name).order_by(Merchant.name)).all()
    form.merchant_id.choices = [(0, "—")] + [(m.id, m.name) for m in merchants]
    return form


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required("admin")
def admin_users():
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user,
                form.username.data,
                form.password.data,
                form.role.data,
                branch_id=form.branch_id.data or None,
                merchant_id=form.merchant_id.data or None,
                display_name=form.display_name.data,
            )
        except Conflict as err:
            db.session.rollback()
            form.username.errors = [str(err.message)]
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("accounts.admin_users"))
    role = request.args.get("role") or None
    if role and role not in {r.value for r in Role}:
        abort(404)
    users = services.list_users(current_user, role=role)
    return render_template(
        "alliance/accounts/admin_users.html",
        form=form,
        users=users,
        role=role,
        confirm_form=ConfirmForm(),
        roles=Role,
    )


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def admin_set_active(user_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            user = services.get_user(user_id)
            services.set_active(current_user, user, request.form.get("active") == "1")
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Account %(name)s updated.", name=user.username), "success")
    return redirect(url_for("accounts.admin_users"))


def register_nav(app) -> None:
    everyone = frozenset({"anonymous", "customer", "merchant", "clerk", "staff", "admin"})
    add_nav(
        app, NavItem("accounts.account", _l("Me"), "person", everyone - {"anonymous"}, order=90, place="tab")
    )
    add_nav(
        app,
        NavItem("accounts.login", _l("Sign in"), "person", frozenset({"anonymous"}), order=90, place="tab"),
    )
    add_nav(
        app,
        NavItem(
            "accounts.admin_users",
            _l("Users"),
            "people",
            frozenset({"admin"}),
            order=80,
            group=_l("Administration"),
        ),
    )

"""Pages: the notification inbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from alliance.accounts.forms import ConfirmForm
from alliance.core.nav import NavItem, add_nav
from alliance.notifications import services

bp = Blueprint("notifications", __name__)


@bp.route("/inbox")
@login_required
def inbox():
    notes = services.inbox(current_user.id)
    rendered = [(n, *services.render(n)) for n in notes]
    return render_template("alliance/notifications/inbox.html", notes=rendered, confirm_form=ConfirmForm())


@bp.route("/inbox/read", methods=["POST"])
@login_required
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        services.mark_read(current_user.id)
        flash(_("All messages are marked as read."), "success")
    return redirect(url_for("notifications.inbox"))


def _unread(user) -> int:
    return services.unread_count(user.id)


def register_nav(app) -> None:
    signed_in = frozenset({"customer", "merchant", "clerk", "staff", "admin"})
    add_nav(app, NavItem("notifications.inbox", _l("Inbox"), "bell", signed_in, order=95, badge=_unread))

"""The home page: what each kind of user does next."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from alliance.core.nav import NavItem, add_nav

bp = Blueprint("site", __name__)


@bp.route("/")
def index():
    return render_template("mall/home/index.html")


def register_nav(app) -> None:
    everyone = frozenset({"anonymous", "customer", "merchant", "clerk", "staff", "admin"})
    add_nav(app, NavItem("site.index", _l("Home"), "house", everyone, order=0, place="tab", prefix="/"))

"""The merchant's pages: the monthly statement (月结单), phone first."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import roles_required
from mall.funding.models import STATUS_LABELS
from mall.funding.services import settlement

bp = Blueprint("funding", __name__)


def month_links(month: str) -> dict[str, str | None]:
    """The month before and after `month`, the latter only up to the current month."""
    first = settlement.parse_month(month)
    following = settlement.next_month(first)
    current = clock.local_today().replace(day=1)
    return {
        "previous": settlement.month_key(settlement.previous_month(first)),
        "next": settlement.month_key(following) if following <= current else None,
    }


@bp.route("/merchant/statements")
@roles_required("merchant")
def merchant_statement():
    try:
        view = settlement.get_statement(current_user, current_user.merchant_id, request.args.get("month"))
    except DomainError:
        abort(404)
    return render_template(
        "mall/funding/merchant_statement.html",
        view=view,
        months=month_links(view.month),
        labels=STATUS_LABELS,
        first=settlement.parse_month(view.month),
    )


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "funding.merchant_statement",
            _l("Statements"),
            "journal-text",
            frozenset({"merchant"}),
            order=40,
            place="top",  # a header icon: the owner's tab bar keeps five tabs
            prefix="/merchant/statements",
        ),
    )

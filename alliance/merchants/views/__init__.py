"""Pages of the alliance: joining, the shop's own pages, and the branch staff's desk.

One blueprint, `merchants`, split by audience: public.py (apply, shop page, logo), shop.py (the
owner's and clerks' pages), staff.py (merchant tables, review, one merchant), tiers.py (pyramid,
thresholds, service levels), whitelist.py, prospects.py (coverage, prospects, visits), imports.py.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from alliance.core.nav import NavItem, add_nav
from alliance.merchants.services.membership import shop_trades

bp = Blueprint("merchants", __name__)

from alliance.merchants.views import (  # noqa: E402 - the modules add their routes to `bp`
    imports,
    prospects,
    public,
    shop,
    staff,
    tiers,
    whitelist,
)

STAFF = frozenset({"staff", "admin"})


@bp.context_processor
def vocabularies() -> dict:
    """The alliance's vocabularies for filters and labels on every page of the blueprint."""
    from alliance.merchants import constants as c

    return {
        "industry_choices": c.choices(c.INDUSTRY_LABELS),
        "store_choices": c.choices(c.STORE_TYPE_LABELS),
        "format_choices": c.choices(c.FORMAT_LABELS),
        "status_choices": c.choices(c.STATUS_LABELS),
        "tiers": c.TIERS,
        "tier_labels": c.TIER_LABELS,
        "tier_groups": c.TIER_GROUP_LABELS,
        "figure_labels": c.FIGURE_LABELS,
        "figures": c.FIGURES,
        "service_level_labels": c.SERVICE_LEVEL_LABELS,
        "tier_change_labels": c.TIER_CHANGE_REASON_LABELS,
        "audit_labels": c.AUDIT_ACTION_LABELS,
    }


__all__ = ["bp", "imports", "prospects", "public", "register_nav", "shop", "staff", "tiers", "whitelist"]


def _pending(user) -> int:
    from alliance.merchants.services.listing import pending_count

    return pending_count(user)


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "merchants.review_queue",
            _l("Applications"),
            "inbox-fill",
            STAFF,
            order=20,
            badge=_pending,
            group=_l("Reviews"),
        ),
    )
    desk = _l("Merchant management")
    add_nav(app, NavItem("merchants.staff_merchants", _l("Merchants"), "shop", STAFF, order=21, group=desk))
    add_nav(app, NavItem("merchants.pyramid", _l("Pyramid"), "triangle", STAFF, order=22, group=desk))
    add_nav(app, NavItem("merchants.coverage", _l("Coverage"), "grid-3x3", STAFF, order=23, group=desk))
    add_nav(
        app, NavItem("merchants.prospect_list", _l("Prospects"), "person-plus", STAFF, order=24, group=desk)
    )
    add_nav(app, NavItem("merchants.whitelist", _l("Whitelist"), "patch-check", STAFF, order=25, group=desk))
    add_nav(
        app, NavItem("merchants.import_upload", _l("Import figures"), "upload", STAFF, order=26, group=desk)
    )
    # The shop's page is the tab of a shop under review (its till and coupons are not open yet); a
    # trading shop's tab bar is kept to five (till, figures, coupons, joint offers, me) for a phone,
    # and its page moves to an icon in the header.
    for place, shown in (("tab", lambda u: not shop_trades(u)), ("top", shop_trades)):
        add_nav(
            app,
            NavItem(
                "merchants.my_shop",
                _l("My shop"),
                "shop",
                frozenset({"merchant", "clerk"}),
                order=10,
                place=place,
                visible=shown,
            ),
        )
    add_nav(
        app,
        NavItem(
            "merchants.apply", _l("Join"), "shop-window", frozenset({"anonymous"}), order=85, place="tab"
        ),
    )

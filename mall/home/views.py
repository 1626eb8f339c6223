"""The home page (首页): today's offers district by district, last chances, and each role's next step.

Other features add their own blocks (the programme's theme of the month and deal of the day) with
`add_section`, without this module knowing them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from alliance.branches.services import list_districts
from alliance.core import clock
from alliance.core.nav import NavItem, add_nav
from alliance.merchants.services import listing as merchant_listing
from alliance.merchants.services import shop_trades
from mall.coupons import cards
from mall.coupons import services as coupons

bp = Blueprint("site", __name__)


@dataclass(frozen=True)
class Section:
    order: int
    render: Callable[[object], Markup | str | None]  # (viewer) -> HTML, or None to show nothing


def add_section(app, order: int, render: Callable[[object], Markup | str | None]) -> None:
    """Put a block on the home page; blocks below 50 come before today's offers, the others after."""
    sections = app.extensions.setdefault("alliance.home_sections", [])
    sections.append(Section(order, render))
    sections.sort(key=lambda s: s.order)


def _render_sections(viewer, before: bool) -> list[Markup]:
    shown = []
    for section in current_app.extensions.get("alliance.home_sections", []):
        if (section.order < 50) != before:
            continue
        html = section.render(viewer)
        if html:
            shown.append(Markup(html))  # noqa: S704 - a rendered (autoescaped) template, not user input
    return shown


@bp.route("/")
def index():
    now = clock.now_utc()
    district_id = request.args.get("district", "")
    district_id = int(district_id) if district_id.isdigit() and len(district_id) < 10 else None
    viewer = current_user if current_user.is_authenticated else None
    groups = coupons.live_by_district(now)
    if district_id:
        groups = [(d, items) for d, items in groups if d.id == district_id]
    every = [c for _, items in groups for c in items]
    soon = coupons.ending_soon(now, limit=4)
    card_of = {card.id: card for card in cards.cards_for(current_user, every + soon, now)}
    is_staff = viewer is not None and viewer.role in ("staff", "admin")
    pending = coupons.pending_count(viewer) if is_staff else 0
    pending_applications = merchant_listing.pending_count(viewer) if is_staff else 0
    return render_template(
        "mall/home/index.html",
        groups=[(d, [card_of[c.id] for c in items]) for d, items in groups],
        soon=[card_of[c.id] for c in soon],
        districts=list_districts(),
        district_id=district_id,
        pending=pending,
        pending_applications=pending_applications,
        shop_open=viewer is not None and viewer.role in ("merchant", "clerk") and shop_trades(viewer),
        claim_token=uuid.uuid4().hex,
        sections_before=_render_sections(viewer, True),
        sections_after=_render_sections(viewer, False),
    )


def register_nav(app) -> None:
    # Shop owners land on their figures and reach the public home from the header's brand link.
    readers = frozenset({"anonymous", "customer", "clerk", "staff", "admin"})
    add_nav(app, NavItem("site.index", _l("Home"), "house", readers, order=0, place="tab", prefix="/"))

"""The mall's pages for customers: search and filters, the coupon page, the shop page, claiming."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.accounts.forms import ConfirmForm
from alliance.branches.services import list_districts
from alliance.core import clock, idempotency
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, roles_required, safe_next
from alliance.merchants.constants import INDUSTRY_LABELS, Industry
from alliance.merchants.models import Merchant
from mall.coupons import cards, rules, services, wording
from mall.coupons.models import KIND_LABELS, STATUS_LABELS, CouponKind

bp = Blueprint("mall", __name__)

PER_PAGE = 20


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _choice_arg(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in {str(a) for a in allowed} else None


@bp.route("/mall")
def index():
    """领券: every live coupon, with search and filters; newest first."""
    filters = services.MallFilters(
        district_id=_int_arg("district_id"),
        industry=_choice_arg("industry", Industry),
        kind=_choice_arg("kind", CouponKind),
        q=(request.args.get("q") or "").strip()[:100] or None,
        sort=request.args.get("sort") if request.args.get("sort") in services.SORTS else "newest",
    )
    page = max(1, min(_int_arg("page") or 1, 100000))
    items, total = services.mall_list(filters, page, PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "mall/coupons/index.html",
        cards=cards.cards_for(current_user, items),
        total=total,
        page=page,
        pages=max(1, (total + PER_PAGE - 1) // PER_PAGE),
        filters=filters,
        args=args,
        districts=list_districts(),
        industries=INDUSTRY_LABELS,
        kinds=KIND_LABELS,
        sorts={"newest": _("Newest"), "popular": _("Most claimed"), "ending": _("Ending soon")},
        claim_token=uuid.uuid4().hex,
    )


@bp.route("/mall/coupons/<int:coupon_id>")
def coupon(coupon_id: int):
    """A coupon's page: its rules in plain words, its shop, and the claim button."""
    found = services.get_published(current_user if current_user.is_authenticated else None, coupon_id)
    [card] = cards.cards_for(current_user, [found])
    now = clock.now_utc()
    return render_template(
        "mall/coupons/coupon.html",
        card=card,
        coupon=found,
        rules=wording.rules(found),
        claim_window=wording.claim_window_text(found),
        status=rules.display_status(found, now),
        status_label=STATUS_LABELS.get(rules.display_status(found, now), ""),
        claim_token=uuid.uuid4().hex,
        owner_view=services.can_see_always(current_user if current_user.is_authenticated else None, found),
    )


@bp.route("/mall/shops/<int:merchant_id>")
def shop(merchant_id: int):
    """A shop's page with its live offers."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or not rules.merchant_can_trade(merchant):
        abort(404)
    items, _total = services.mall_list(services.MallFilters(merchant_id=merchant.id), 1, 100)
    return render_template(
        "mall/coupons/shop.html",
        merchant=merchant,
        cards=cards.cards_for(current_user, items),
        industry_label=INDUSTRY_LABELS.get(merchant.industry, merchant.industry),
        claim_token=uuid.uuid4().hex,
    )


@bp.route("/mall/coupons/<int:coupon_id>/claim", methods=["POST"])
@roles_required("customer")
def claim(coupon_id: int):
    """Claim from a page. The form's one-time token makes a double tap claim once."""
    from mall.vouchers import services as vouchers

    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = safe_next(request.form.get("next"), url_for("mall.coupon", coupon_id=coupon_id))
    token = (request.form.get("token") or "")[:64] or None

    def work():
        return 201, {"id": vouchers.claim(current_user, coupon_id).id}

    try:
        status, body = idempotency.run_once(
            current_user.id,
            f"page-claim:{coupon_id}:{token}" if token else None,
            idempotency.fingerprint("POST", request.path),
            work,
        )
    except DomainError as err:
        flash_error(err)
        return redirect(back)
    if status == 201:
        flash(_("Claimed."), "success")
    else:
        flash(body["error"]["message"], "warning")
    return redirect(back)


def register_nav(app) -> None:
    shoppers = frozenset({"anonymous", "customer"})
    add_nav(app, NavItem("mall.index", _l("Coupons"), "ticket-perforated", shoppers, order=10, place="tab"))

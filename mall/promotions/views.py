"""Customer pages of cross-industry promotions: the mall's packs and chains, a promotion's page, the
pack's claim."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.accounts.forms import ConfirmForm
from alliance.core import idempotency
from alliance.core.errors import DomainError
from alliance.core.web import flash_error, roles_required
from mall.coupons import wording
from mall.promotions import packs, services
from mall.promotions.models import PromotionStatus, Shape

bp = Blueprint("promotions", __name__)


def _viewer():
    return current_user if current_user.is_authenticated else None


def card_for(promotion) -> dict:
    """What a promotion's card shows: the pack's whole value and its shops, or the chain's reward."""
    members = (
        services.member_coupons(promotion)
        if promotion.shape == Shape.PACK
        else services.reward_coupons(promotion)
    )
    return {
        "promotion": promotion,
        "value_fen": sum(c.amount_fen or c.cut_fen or c.cap_fen or 0 for c in members),
        "shops": [promotion.merchant.name, *(p.merchant.name for p in promotion.accepted)],
        "coupons": members,
    }


def live_cards(limit: int = 6) -> list[dict]:
    items, _total = services.mall_list(1, limit)
    return [card_for(p) for p in items]


@bp.route("/mall/promotions")
def index():
    """异业联盟: coupon packs and chains across trades that customers can use now."""
    items, total = services.mall_list(1, 100)
    return render_template(
        "mall/promotions/index.html",
        cards=[card_for(p) for p in items],
        total=total,
        headline=wording.headline,
    )


@bp.route("/mall/promotions/<int:promotion_id>")
def page(promotion_id: int):
    try:
        promotion = services.get_visible(_viewer(), promotion_id)
    except DomainError:
        abort(404)
    return render_template(
        "mall/promotions/page.html",
        promotion=promotion,
        card=card_for(promotion),
        live=services.is_live(promotion),
        approved=promotion.status == PromotionStatus.APPROVED,
        claim_token=uuid.uuid4().hex,
        headline=wording.headline,
        rules=wording.rules,
    )


@bp.route("/mall/promotions/<int:promotion_id>/claim", methods=["POST"])
@roles_required("customer")
def claim(promotion_id: int):
    """Claim a pack from its page. The form's one-time token makes a double tap claim once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = (request.form.get("token") or "")[:64] or None

    def work():
        return 201, {"ids": [v.id for v in packs.claim_pack(current_user, promotion_id)]}

    try:
        status, body = idempotency.run_once(
            current_user.id,
            f"page-pack:{promotion_id}:{token}" if token else None,
            idempotency.fingerprint("POST", request.path),
            work,
        )
    except DomainError as err:
        flash_error(err)
        return redirect(url_for("promotions.page", promotion_id=promotion_id))
    if status != 201:
        flash(body["error"]["message"], "warning")
        return redirect(url_for("promotions.page", promotion_id=promotion_id))
    flash(_("Claimed: the whole pack is in your wallet."), "success")
    return redirect(url_for("wallet.index"))


def register_nav(app) -> None:
    # The mall's first page shows live packs and chains above the coupons (templates call it).
    app.jinja_env.globals["promotion_cards"] = live_cards

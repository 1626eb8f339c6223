"""Pages for merchants (set-up, invitations, figures) and staff (review) of cross-industry promotions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.branches.services import list_districts
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, form_errors_from, roles_required
from alliance.merchants.constants import INDUSTRY_LABELS, Industry
from alliance.merchants.models import Merchant
from mall.coupons import wording
from mall.promotions import services, shared
from mall.promotions.forms import DecisionForm, PromotionForm, ReviewForm
from mall.promotions.models import PARTNER_STATUS_LABELS, STATUS_LABELS, PartnerStatus, PromotionStatus

bp = Blueprint("promotion_admin", __name__)


def _shop() -> Merchant:
    merchant = db.session.get(Merchant, current_user.merchant_id)
    if merchant is None:
        abort(404)
    return merchant


def _coupon_label(coupon) -> str:
    big, small = wording.card_value(coupon)
    return f"{coupon.title} · {big} {small}".strip()


@bp.route("/merchant/promotions")
@roles_required("merchant")
def merchant_list():
    """The shop's joint promotions: invitations waiting first, then those it leads or joined."""
    shop = _shop()
    invitations = services.invitations_for(shop.id)
    waiting = [
        p
        for p in invitations
        if p.status == PromotionStatus.INVITING
        and any(x.merchant_id == shop.id and x.status == PartnerStatus.INVITED for x in p.partners)
    ]
    return render_template(
        "mall/promotions/merchant_list.html",
        shop=shop,
        waiting=waiting,
        led=services.led_by(shop.id),
        joined=[p for p in invitations if p not in waiting],
        labels=STATUS_LABELS,
        shared=shared.shared_with(shop.id),
    )


@bp.route("/merchant/shared-coupons/<int:coupon_id>/leave", methods=["POST"])
@roles_required("merchant")
def leave_shared(coupon_id: int):
    """A partner stops accepting another shop's shared coupon at its till."""
    try:
        shared.leave(current_user, coupon_id, current_user.merchant_id)
    except DomainError as err:
        flash_error(err)
    else:
        flash(_("Your till no longer accepts this coupon."), "success")
    return redirect(url_for("promotion_admin.merchant_list"))


@bp.route("/staff/shared-coupons")
@roles_required("staff", "admin")
def staff_shared():
    """Shared coupons of the branch: which partners accept each, and the redemptions each till made."""
    items = shared.branch_shared_coupons(current_user)
    return render_template(
        "mall/promotions/staff_shared.html",
        items=items,
        counts=shared.redemptions_by_merchant([c.id for c in items]),
    )


@bp.route("/merchant/promotions/new", methods=["GET", "POST"])
@roles_required("merchant")
def new():
    """The lead's set-up: shape, its own coupon, partners of other trades found by district and trade."""
    shop = _shop()
    form = PromotionForm()
    form.coupon_id.choices = [(c.id, _coupon_label(c)) for c in services.own_coupons(shop.id)]
    district_id = request.args.get("district_id", type=int)
    industry = request.args.get("industry") if request.args.get("industry") in set(Industry) else None
    candidates = services.partner_candidates(shop, district_id=district_id, industry=industry)
    chosen = set(form.partner_merchant_ids.data or []) if request.method == "POST" else set()
    extra = [
        m for m in (db.session.get(Merchant, i) for i in chosen) if m is not None and m not in candidates
    ]
    candidates = [*extra, *candidates]
    form.partner_merchant_ids.choices = [(m.id, m.name) for m in candidates]
    if form.validate_on_submit():
        try:
            promotion = services.create_promotion(current_user, form.to_data(shop.id))
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(_("Invitations sent. You can submit once every partner has answered."), "success")
            return redirect(url_for("promotion_admin.detail", promotion_id=promotion.id))
    return render_template(
        "mall/promotions/form.html",
        form=form,
        shop=shop,
        candidates=candidates,
        districts=list_districts(),
        industries=INDUSTRY_LABELS,
        district_id=district_id,
        industry=industry,
        gaps=services.missing_trades(shop),
    ), (422 if form.errors else 200)


def _involved(promotion_id: int):
    try:
        promotion = services.get(promotion_id)
    except DomainError:
        abort(404)
    if not services.is_involved(current_user, promotion):
        abort(404)
    return promotion


@bp.route("/merchant/promotions/<int:promotion_id>")
@roles_required("merchant", "clerk")
def detail(promotion_id: int):
    """The lead's view (partners' answers, submit, figures) or a partner's invitation: exactly what it
    is asked for, and one of its own coupons to accept with, or a reason to decline."""
    promotion = _involved(promotion_id)
    invitation = services.partner_of(current_user, promotion)
    form = None
    if invitation is not None and current_user.role == "merchant":
        form = DecisionForm()
        form.coupon_id.choices = [
            (c.id, _coupon_label(c)) for c in services.own_coupons(invitation.merchant_id)
        ]
    return render_template(
        "mall/promotions/detail.html",
        promotion=promotion,
        invitation=invitation,
        is_lead=services.is_lead(current_user, promotion),
        form=form,
        figures=services.figures(promotion),
        names={p.merchant_id: p.merchant.name for p in promotion.partners}
        | {promotion.merchant_id: promotion.merchant.name},
        labels=STATUS_LABELS,
        partner_labels=PARTNER_STATUS_LABELS,
        headline=wording.headline,
    )


@bp.route("/merchant/promotions/<int:promotion_id>/decision", methods=["POST"])
@roles_required("merchant")
def decide(promotion_id: int):
    promotion = _involved(promotion_id)
    form = DecisionForm()
    form.coupon_id.choices = []
    if form.validate_on_submit():
        decision = "accept" if form.accept.data else "decline"
        try:
            services.decide(
                current_user,
                promotion,
                current_user.merchant_id,
                decision,
                form.coupon_id.data,
                form.reason.data,
            )
        except DomainError as err:
            flash_error(err)
        else:
            flash(
                _("Accepted. The lead shop has been told.") if decision == "accept" else _("Declined."),
                "success",
            )
    return redirect(url_for("promotion_admin.detail", promotion_id=promotion_id))


@bp.route("/merchant/promotions/<int:promotion_id>/submit", methods=["POST"])
@roles_required("merchant")
def submit(promotion_id: int):
    promotion = _involved(promotion_id)
    try:
        services.submit(current_user, promotion)
    except DomainError as err:
        flash_error(err)
    else:
        flash(_("Sent to the branch for review."), "success")
    return redirect(url_for("promotion_admin.detail", promotion_id=promotion_id))


@bp.route("/staff/promotions")
@roles_required("staff", "admin")
def staff_list():
    items = services.review_queue(current_user)
    return render_template(
        "mall/promotions/staff_list.html",
        items=items,
        pending=sum(1 for p in items if p.status == PromotionStatus.PENDING_REVIEW),
        labels=STATUS_LABELS,
    )


@bp.route("/staff/promotions/<int:promotion_id>", methods=["GET", "POST"])
@roles_required("staff", "admin")
def staff_review(promotion_id: int):
    promotion = _involved(promotion_id)
    form = ReviewForm()
    if form.validate_on_submit():
        decision = "approve" if form.approve.data else "reject"
        try:
            services.review(current_user, promotion, decision, form.reason.data)
        except DomainError as err:
            form_errors_from(err, form)
        else:
            flash(
                _("Approved.") if decision == "approve" else _("Rejected; the merchants are told why."),
                "success",
            )
            return redirect(url_for("promotion_admin.staff_list"))
    return render_template(
        "mall/promotions/staff_review.html",
        promotion=promotion,
        form=form,
        figures=services.figures(promotion),
        names={p.merchant_id: p.merchant.name for p in promotion.partners}
        | {promotion.merchant_id: promotion.merchant.name},
        labels=STATUS_LABELS,
        partner_labels=PARTNER_STATUS_LABELS,
        headline=wording.headline,
    )


def _home_block(viewer):
    """On the home page: staff see the promotions waiting for review, owners the invitations."""
    if viewer is None:
        return None
    if viewer.role in ("staff", "admin"):
        return render_template("mall/promotions/_home.html", staff_count=services.pending_count(viewer))
    waiting = services.waiting_invitations(viewer)
    if waiting:
        return render_template("mall/promotions/_home.html", invitations=waiting)
    return None


def register_nav(app) -> None:
    from mall.home.views import add_section

    add_section(app, 5, _home_block)
    add_nav(
        app,
        NavItem(
            "promotion_admin.merchant_list",
            _l("Joint offers"),
            "people",
            frozenset({"merchant"}),
            order=35,
            place="tab",
            badge=services.waiting_invitations,
            prefix="/merchant/promotions",
        ),
    )
    add_nav(
        app,
        NavItem(
            "promotion_admin.staff_list",
            _l("Promotion review"),
            "people",
            frozenset({"staff", "admin"}),
            order=31,
            badge=services.pending_count,
            prefix="/staff/promotions",
            group=_l("Reviews"),
        ),
    )
    add_nav(
        app,
        NavItem(
            "promotion_admin.staff_shared",
            _l("Shared coupons"),
            "share",
            frozenset({"staff", "admin"}),
            order=32,
            prefix="/staff/shared-coupons",
            group=_l("Reviews"),
        ),
    )

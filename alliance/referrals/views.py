"""Referral pages for customers and shop owners: the share page a link opens, my referrals, the
link's QR; and the account page's card (code, link, QR, incentive balance)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.accounts.forms import RegisterForm
from alliance.core import qr
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import roles_required
from alliance.incentives import services as incentives
from alliance.merchants.views.public import add_shop_section
from alliance.referrals import services
from alliance.referrals.models import KIND_LABELS, STATUS_LABELS

bp = Blueprint("referrals", __name__)


def share_url(code: str) -> str:
    return url_for("referrals.share", code=code, _external=True)


def account_card(user) -> dict | None:
    """What the account page shows a customer or shop owner: code, link, QR, balance."""
    if user.role not in ("customer", "merchant"):
        return None
    return {
        "summary": services.summary(user, share_url),
        "balance": incentives.balance(user.id),
        "can_pay": user.role == "customer",
    }


@bp.route("/r/<code>")
def share(code: str):
    """The page a shared link opens: the referrer's words, registration with the code filled in, and
    the shop application with it."""
    referrer = services.user_by_code(code)
    if referrer is None or not referrer.active:
        return render_template("alliance/referrals/share.html", referrer=None, code=None), 404
    code = referrer.referral_code
    form = RegisterForm(referral_code=code, formdata=None)
    return render_template(
        "alliance/referrals/share.html",
        referrer=referrer,
        words=services.share_words(referrer),
        code=code,
        form=form,
        signed_in=current_user.is_authenticated,
    )


@bp.route("/r/<code>/qr.svg")
def code_qr(code: str):
    """The QR of a share link, for the shop page's invitation."""
    referrer = services.user_by_code(code)
    if referrer is None or not referrer.active:
        abort(404)
    response = Response(qr.svg(share_url(referrer.referral_code)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def shop_invitation(merchant) -> dict | None:
    """The public shop page's block: the owner's invitation, for visitors who are new to the alliance."""
    if merchant.status != "active":
        return None
    owner = services.owner_of(merchant.id)
    if owner is None:
        return None
    code = services.code_for(owner)
    return {"code": code, "url": share_url(code), "words": services.share_words(owner)}


@bp.route("/referrals")
@roles_required("customer", "merchant")
def mine():
    return render_template(
        "alliance/referrals/mine.html",
        summary=services.summary(current_user, share_url),
        referrals=services.referrals_of(current_user),
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.route("/referrals/qr.svg")
@roles_required("customer", "merchant")
def share_qr():
    """The QR of the caller's share link, for a friend's phone camera."""
    response = Response(qr.svg(share_url(services.code_for(current_user))), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def register_nav(app) -> None:
    add_shop_section(app, "alliance/referrals/_shop_invitation.html", shop_invitation)
    add_nav(
        app,
        NavItem(
            "referrals.mine",
            _l("Invite friends"),
            "people",
            frozenset({"customer", "merchant"}),
            order=45,
            place="account",
        ),
    )

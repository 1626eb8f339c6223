"""Joining and leaving the alliance: applications, review, suspension, removal, leaving.

Every decision is a single conditional UPDATE on the merchant's status (so two reviewers clicking
at once cannot both decide), is audited with who, when and why, and tells the people concerned.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.accounts import services as accounts
from alliance.accounts.models import Role, User
from alliance.audit.services import record
from alliance.core import clock
from alliance.core.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import MEMBER_STATUSES, MerchantStatus, ProspectStage, TierChangeReason
from alliance.merchants.models import Merchant, MerchantCare, Prospect
from alliance.merchants.services import access, applications, tiering
from alliance.merchants.services.links import path_for
from alliance.merchants.services.validation import clean_profile, optional_reason, require_reason
from alliance.notifications.services import notify, register_kind
from alliance.referrals import services as referrals

register_kind(
    "merchant_application",
    title=_l("New application: %(merchant)s"),
    body=_l("%(merchant)s applied to join the alliance. Please review it."),
)
register_kind(
    "merchant_approved",
    title=_l("Welcome to the alliance"),
    body=_l("%(merchant)s is now a member. You can publish offers and redeem vouchers."),
)
register_kind(
    "merchant_rejected",
    title=_l("Your application was not approved"),
    body=_l("Reason: %(reason)s"),
)
register_kind(
    "merchant_suspended",
    title=_l("Your membership is suspended"),
    body=_l("Reason: %(reason)s"),
)
register_kind(
    "merchant_reinstated",
    title=_l("Your membership is active again"),
    body=_l("%(merchant)s can publish offers and redeem vouchers again."),
)
register_kind(
    "merchant_removed",
    title=_l("Your shop was removed from the alliance"),
    body=_l("Reason: %(reason)s"),
)


class MerchantCannotTrade(InvalidState):
    """Only an active member may publish offers or redeem vouchers."""


CANNOT_TRADE_MESSAGES = {
    MerchantStatus.PENDING: _l(
        "This shop's application is still being reviewed: it cannot publish offers or redeem vouchers yet."
    ),
    MerchantStatus.REJECTED: _l(
        "This shop's application was not approved: it cannot publish offers or redeem vouchers."
    ),
    MerchantStatus.SUSPENDED: _l(
        "This shop's membership is suspended: it cannot publish offers or redeem vouchers."
    ),
    MerchantStatus.REMOVED: _l(
        "This shop was removed from the alliance: it cannot publish offers or redeem vouchers."
    ),
    MerchantStatus.LEFT: _l("This shop has left the alliance: it cannot publish offers or redeem vouchers."),
}


def ensure_can_trade(merchant: Merchant) -> None:
    """Raise MerchantCannotTrade (409 invalid_state) unless the merchant is an active member.

    The mall calls this before a merchant publishes an offer or redeems a voucher.
    """
    if merchant is None:
        raise MerchantCannotTrade(_l("This shop is not a member of the alliance."))
    if merchant.status != MerchantStatus.ACTIVE:
        raise MerchantCannotTrade(CANNOT_TRADE_MESSAGES.get(merchant.status))


def can_trade(merchant: Merchant | None) -> bool:
    return merchant is not None and merchant.status == MerchantStatus.ACTIVE


def shop_trades(user) -> bool:
    """Whether the shop an owner or clerk works for is an active member (its till and coupons open)."""
    merchant_id = getattr(user, "merchant_id", None)
    return can_trade(db.session.get(Merchant, merchant_id) if merchant_id else None)


def ensure_shop_trades(user) -> None:
    """403 for the owner or clerk of a shop that is not an active member (pending, rejected, ...)."""
    merchant_id = getattr(user, "merchant_id", None)
    merchant = db.session.get(Merchant, merchant_id) if merchant_id else None
    if not can_trade(merchant):
        message = CANNOT_TRADE_MESSAGES.get(getattr(merchant, "status", None))
        raise Forbidden(message or _l("This shop is not a member of the alliance."))


def _shop_users(merchant_id: int, roles=(Role.MERCHANT,)) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.merchant_id == merchant_id, User.role.in_(roles), User.active.is_(True)
            )
        )
    )


def _branch_staff(branch_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.branch_id == branch_id, User.role == Role.STAFF, User.active.is_(True))
        )
    )


def _tell_owners(merchant: Merchant, kind: str, **params: Any) -> None:
    for owner in _shop_users(merchant.id):
        notify(owner.id, kind, {"merchant": merchant.name, **params}, link=path_for("merchants.my_shop"))


def apply_for_membership(
    *,
    username: str,
    password: str,
    name: str,
    district_id: int,
    format: str,
    industry: str,
    store_type: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    opening_hours: str | None = None,
    description: str | None = None,
    display_name: str | None = None,
    prospect: Prospect | None = None,
    actor=None,
    referral_code: str | None = None,
    legal_name: str | None = None,
    credit_code: str | None = None,
    contact_name: str | None = None,
    contact_mobile: str | None = None,
    licence=None,
    complete: bool = False,
) -> tuple[Merchant, User]:
    """A shop applies to join: a pending merchant and its owner account (role merchant).

    `actor` is the staff member filling the form in for a prospect, or None when the owner applies.
    The application's fields (legal name, credit code, contact, `licence`: a stream of the business
    licence photo) are optional for the API; `complete` (the web form) requires them, and the address.
    """
    fields: dict[str, list] = {}
    try:
        profile = clean_profile(
            {
                "name": name,
                "district_id": district_id,
                "format": format,
                "industry": industry,
                "store_type": store_type,
                "address": address,
                "phone": phone,
                "opening_hours": opening_hours,
                "description": description,
            }
        )
    except ValidationFailed as err:
        fields.update(err.fields or {})
        profile = {}
    try:
        application = applications.clean_application(
            {
                "legal_name": legal_name,
                "credit_code": credit_code,
                "contact_name": contact_name,
                "contact_mobile": contact_mobile,
            },
            required=complete,
        )
    except ValidationFailed as err:
        fields.update(err.fields or {})
        application = {}
    licence_image = None
    if licence is not None or complete:
        try:
            licence_image = applications.read_licence(licence)
        except ValidationFailed as err:
            fields.update(err.fields or {})
    if complete and not (address or "").strip():
        fields.setdefault("address", [_l("This field is required.")])
    username = (username or "").strip()
    if errs := accounts.username_errors(username):
        fields["username"] = errs
    if errs := accounts.password_errors(password):
        fields["password"] = errs
    if fields:
        raise ValidationFailed(fields)
    referrer = referrals.check_code(referral_code, profile.get("phone"))
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(_l("This username is already taken."))

    now = clock.now_utc()
    merchant = Merchant(status=MerchantStatus.PENDING, status_changed_at=now, **profile, **application)
    db.session.add(merchant)
    db.session.flush()
    if licence_image is not None:
        applications.store_licence(merchant, licence_image)
    owner = accounts.create_user(
        None,
        username,
        password,
        Role.MERCHANT,
        merchant_id=merchant.id,
        display_name=display_name,
        phone=profile.get("phone"),
    )
    if prospect is not None and prospect.merchant_id is None:
        prospect.merchant_id = merchant.id
        if prospect.stage not in (ProspectStage.JOINED,):
            prospect.stage = ProspectStage.APPLYING
        if prospect.assigned_to_id:
            db.session.add(MerchantCare(merchant_id=merchant.id, account_manager_id=prospect.assigned_to_id))
    db.session.flush()
    referrals.record_referral(referrer, owner, merchant=merchant)
    record(
        actor or owner,
        "merchant.apply",
        merchant,
        data={"owner": owner.username, "prospect_id": prospect.id if prospect else None},
    )
    for staff in _branch_staff(merchant.district.branch_id):
        notify(
            staff.id,
            "merchant_application",
            {"merchant": merchant.name},
            link=path_for("merchants.staff_merchant", merchant_id=merchant.id),
        )
    return merchant, owner


def _move(
    merchant: Merchant, from_statuses: tuple[str, ...], to_status: str, reason: str | None, message
) -> None:
    """One conditional UPDATE: only a merchant still in `from_statuses` moves."""
    now = clock.now_utc()
    result = db.session.execute(
        sa.update(Merchant)
        .where(Merchant.id == merchant.id, Merchant.status.in_([str(s) for s in from_statuses]))
        .values(status=str(to_status), status_reason=reason, status_changed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(merchant)
        raise InvalidState(message)
    db.session.refresh(merchant)


def review(actor, merchant_id: int, decision: str, reason: str | None = None) -> Merchant:
    """Staff of the merchant's branch approve or reject a pending application."""
    merchant = access.get_managed(merchant_id, actor)
    if decision not in ("approve", "reject"):
        raise ValidationFailed({"decision": [_l("Must be one of: %(choices)s.", choices="approve, reject")]})
    if decision == "reject":
        reason = require_reason(reason)
        _move(
            merchant,
            (MerchantStatus.PENDING,),
            MerchantStatus.REJECTED,
            reason,
            _l("This application has already been decided."),
        )
        record(actor, "merchant.reject", merchant, reason=reason)
        _tell_owners(merchant, "merchant_rejected", reason=reason)
        return merchant
    reason = optional_reason(reason)
    _move(
        merchant,
        (MerchantStatus.PENDING,),
        MerchantStatus.ACTIVE,
        None,
        _l("This application has already been decided."),
    )
    care = db.session.get(MerchantCare, merchant.id)
    if care is None:
        db.session.add(
            MerchantCare(
                merchant_id=merchant.id, account_manager_id=actor.id if actor.role == Role.STAFF else None
            )
        )
    elif care.account_manager_id is None and actor.role == Role.STAFF:
        care.account_manager_id = actor.id
    for prospect in db.session.scalars(sa.select(Prospect).where(Prospect.merchant_id == merchant.id)):
        prospect.stage = ProspectStage.JOINED
    db.session.flush()
    record(actor, "merchant.approve", merchant, reason=reason)
    referrals.convert_merchant(merchant)
    tiering.retier(actor, merchant_ids=[merchant.id], reason=TierChangeReason.APPROVED)
    _tell_owners(merchant, "merchant_approved")
    return merchant


def suspend(actor, merchant_id: int, reason: str | None) -> Merchant:
    merchant = access.get_managed(merchant_id, actor)
    reason = require_reason(reason)
    _move(
        merchant,
        (MerchantStatus.ACTIVE,),
        MerchantStatus.SUSPENDED,
        reason,
        _l("Only an active member can be suspended."),
    )
    record(actor, "merchant.suspend", merchant, reason=reason)
    _tell_owners(merchant, "merchant_suspended", reason=reason)
    return merchant


def reinstate(actor, merchant_id: int, reason: str | None = None) -> Merchant:
    merchant = access.get_managed(merchant_id, actor)
    reason = optional_reason(reason)
    _move(
        merchant,
        (MerchantStatus.SUSPENDED,),
        MerchantStatus.ACTIVE,
        None,
        _l("Only a suspended member can be reinstated."),
    )
    record(actor, "merchant.reinstate", merchant, reason=reason)
    _tell_owners(merchant, "merchant_reinstated")
    return merchant


def remove(actor, merchant_id: int, reason: str | None) -> Merchant:
    merchant = access.get_managed(merchant_id, actor)
    reason = require_reason(reason)
    _move(
        merchant,
        MEMBER_STATUSES,
        MerchantStatus.REMOVED,
        reason,
        _l("Only a member can be removed."),
    )
    record(actor, "merchant.remove", merchant, reason=reason)
    _tell_owners(merchant, "merchant_removed", reason=reason)
    return merchant


def leave(actor, reason: str | None = None) -> Merchant:
    """The owner takes the shop out of the alliance."""
    merchant = access.get_own(actor)
    access.require_owner(actor, merchant)
    reason = optional_reason(reason)
    _move(merchant, MEMBER_STATUSES, MerchantStatus.LEFT, reason, _l("Only a member can leave the alliance."))
    record(actor, "merchant.leave", merchant, reason=reason)
    return merchant


def resubmit(actor) -> Merchant:
    """After a rejection the owner corrects the profile and sends the application again."""
    merchant = access.get_own(actor)
    access.require_owner(actor, merchant)
    _move(
        merchant,
        (MerchantStatus.REJECTED,),
        MerchantStatus.PENDING,
        None,
        _l("Only a rejected application can be sent again."),
    )
    record(actor, "merchant.resubmit", merchant)
    for staff in _branch_staff(merchant.district.branch_id):
        notify(
            staff.id,
            "merchant_application",
            {"merchant": merchant.name},
            link=path_for("merchants.staff_merchant", merchant_id=merchant.id),
        )
    return merchant


def change_status(actor, merchant_id: int, action: str, reason: str | None) -> Merchant:
    """One entry for the staff page's decision buttons."""
    if action in ("approve", "reject"):
        return review(actor, merchant_id, action, reason)
    handlers = {"suspend": suspend, "reinstate": reinstate, "remove": remove}
    if action not in handlers:
        raise Forbidden()
    return handlers[action](actor, merchant_id, reason)

"""Promotions through their life: the lead proposes, partners decide, the lead submits, staff review;
who may see what; the mall's list of live promotions; partner search for the set-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.accounts.models import User
from alliance.audit.services import record
from alliance.branches.models import District
from alliance.branches.services import can_manage_branch, visible_branch_ids
from alliance.core import clock
from alliance.core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from alliance.merchants.services import ensure_can_trade
from alliance.notifications.services import notify, register_kind
from mall.coupons import rules
from mall.coupons.models import Coupon, CouponStatus
from mall.promotions.channel import claiming_inside_promotion
from mall.promotions.models import PartnerStatus, Promotion, PromotionPartner, PromotionStatus, Shape

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
REASON_MAX = 500
PARTNERS_MAX = 10
# Coupons that can no longer be part of anything.
FINISHED = (CouponStatus.WITHDRAWN, CouponStatus.ENDED, CouponStatus.REJECTED)

register_kind(
    "promotion_invited",
    title=_l("Invitation to a joint promotion"),
    body=_l("%(lead)s invites your shop to “%(title)s”. Accept with one of your coupons, or decline."),
)
register_kind(
    "promotion_accepted",
    title=_l("A partner accepted"),
    body=_l("%(partner)s joins “%(title)s” with “%(coupon)s”."),
)
register_kind(
    "promotion_declined",
    title=_l("A partner declined"),
    body=_l("%(partner)s declined “%(title)s”: %(reason)s"),
)
register_kind(
    "promotion_approved",
    title=_l("Joint promotion approved"),
    body=_l("“%(title)s” is approved and goes live with its coupons."),
)
register_kind(
    "promotion_rejected",
    title=_l("Joint promotion not approved"),
    body=_l("“%(title)s” was not approved: %(reason)s"),
)


def manage_link(promotion_id: int) -> str:
    return f"/merchant/promotions/{promotion_id}"


def staff_link(promotion_id: int) -> str:
    return f"/staff/promotions/{promotion_id}"


# ---------------------------------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------------------------------


def _owns(user, merchant_id: int) -> bool:
    return user is not None and user.role == "merchant" and user.merchant_id == merchant_id


def is_lead(user, promotion: Promotion) -> bool:
    return _owns(user, promotion.merchant_id)


def partner_of(user, promotion: Promotion) -> PromotionPartner | None:
    """The invitation of the user's shop (owner or clerk), if it was invited."""
    if user is None or user.role not in ("merchant", "clerk") or not user.merchant_id:
        return None
    return next((p for p in promotion.partners if p.merchant_id == user.merchant_id), None)


def is_reviewer(user, promotion: Promotion) -> bool:
    return (
        user is not None
        and user.role in ("staff", "admin")
        and can_manage_branch(user, promotion.merchant.district.branch_id)
    )


def is_involved(user, promotion: Promotion) -> bool:
    """The lead's people, the invited partners' people and the branch's staff see it in any state."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role in ("merchant", "clerk") and user.merchant_id == promotion.merchant_id:
        return True
    return partner_of(user, promotion) is not None or is_reviewer(user, promotion)


def get(promotion_id: int) -> Promotion:
    promotion = db.session.get(Promotion, promotion_id)
    if promotion is None:
        raise NotFound()
    return promotion


def get_visible(viewer, promotion_id: int) -> Promotion:
    """API.md: anyone when approved; the lead, partners and staff always; otherwise 404."""
    promotion = get(promotion_id)
    if promotion.status == PromotionStatus.APPROVED or is_involved(viewer, promotion):
        return promotion
    raise NotFound()


# ---------------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------------


def _owners(merchant_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(User.id).where(
                User.merchant_id == merchant_id, User.role == "merchant", User.active.is_(True)
            )
        )
    )


def _tell_owners(merchant_id: int, kind: str, params: dict, link: str, dedupe: str) -> None:
    for user_id in _owners(merchant_id):
        notify(user_id, kind, params, link=link, dedupe_key=f"{dedupe}:{user_id}")


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def create_promotion(actor, data: dict[str, Any]) -> Promotion:
    """The lead merchant's owner proposes a promotion and invites partners of other trades."""
    lead = db.session.get(Merchant, data.get("merchant_id"))
    if lead is None:
        raise NotFound()
    if not _owns(actor, lead.id):
        raise Forbidden(_l("Only the shop's owner proposes its promotions."))
    ensure_can_trade(lead)
    errors: dict[str, list] = {}

    def err(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    title = _text(data.get("title"))
    if not title:
        err("title", _l("Please give the promotion a title."))
    elif len(title) > TITLE_MAX:
        err("title", _l("At most %(n)s characters.", n=TITLE_MAX))
    description = _text(data.get("description"))
    if len(description) > DESCRIPTION_MAX:
        err("description", _l("At most %(n)s characters.", n=DESCRIPTION_MAX))
    shape = data.get("shape")
    if shape not in {s.value for s in Shape}:
        err("shape", _l("A chain or a coupon pack."))
    coupon = db.session.get(Coupon, data.get("coupon_id")) if data.get("coupon_id") else None
    if coupon is None or coupon.merchant_id != lead.id:
        err("coupon_id", _l("Choose one of your own coupons."))
    elif coupon.status in FINISHED:
        err("coupon_id", _l("This coupon has ended; choose a current one."))
    min_order = data.get("min_order_fen")
    if min_order is not None and shape == Shape.PACK:
        err("min_order_fen", _l("Only a chain has a minimum order."))
    elif min_order is not None and min_order < 0:
        err("min_order_fen", _l("An amount in fen of at least %(n)s.", n=0))

    partner_ids = list(data.get("partner_merchant_ids") or [])
    partners: list[Merchant] = []
    if not partner_ids:
        err("partner_merchant_ids", _l("Invite at least one partner shop."))
    elif len(set(partner_ids)) != len(partner_ids):
        err("partner_merchant_ids", _l("Each partner once."))
    elif len(partner_ids) > PARTNERS_MAX:
        err("partner_merchant_ids", _l("At most %(n)s partner shops.", n=PARTNERS_MAX))
    else:
        found = {m.id: m for m in db.session.scalars(sa.select(Merchant).where(Merchant.id.in_(partner_ids)))}
        for merchant_id in sorted(partner_ids):
            merchant = found.get(merchant_id)
            if merchant_id == lead.id:
                err("partner_merchant_ids", _l("Your own shop is not a partner of itself."))
            elif merchant is None or merchant.status != MerchantStatus.ACTIVE:
                err(
                    "partner_merchant_ids",
                    _l("Not an active alliance merchant: %(ids)s.", ids=str(merchant_id)),
                )
            elif merchant.industry == lead.industry:
                err(
                    "partner_merchant_ids",
                    _l(
                        "%(shop)s is of your own trade; partners come from other trades.",
                        shop=merchant.name,
                    ),
                )
            else:
                partners.append(merchant)
    if errors:
        raise ValidationFailed(errors)

    promotion = Promotion(
        merchant_id=lead.id,
        title=title,
        description=description or None,
        shape=shape,
        coupon_id=coupon.id,
        min_order_fen=min_order if shape == Shape.CHAIN else None,
        status=PromotionStatus.INVITING,
        created_by_id=actor.id,
    )
    promotion.merchant = lead
    promotion.coupon = coupon
    promotion.partners = [PromotionPartner(merchant_id=m.id, status=PartnerStatus.INVITED) for m in partners]
    db.session.add(promotion)
    db.session.flush()
    for merchant in partners:
        _tell_owners(
            merchant.id,
            "promotion_invited",
            {"lead": lead.name, "title": promotion.title},
            manage_link(promotion.id),
            f"promotion-invited:{promotion.id}",
        )
    record(actor, "promotion.create", promotion, data={"shape": shape, "partners": [m.id for m in partners]})
    return promotion


def decide(
    actor,
    promotion: Promotion,
    merchant_id: int,
    decision: str,
    coupon_id: int | None = None,
    reason: str | None = None,
) -> Promotion:
    """An invited partner's owner accepts with one of its own coupons, or declines with a reason."""
    invitation = next((p for p in promotion.partners if p.merchant_id == merchant_id), None)
    if invitation is None or not _owns(actor, merchant_id):
        raise Forbidden(_l("Only an invited partner's owner decides on its invitation."))
    if decision not in ("accept", "decline"):
        raise ValidationFailed({"decision": [_l("Accept or decline.")]})
    reason = _text(reason) or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=REASON_MAX)]})
    if promotion.status != PromotionStatus.INVITING or invitation.status != PartnerStatus.INVITED:
        raise InvalidState(_l("This invitation has been decided already."))
    coupon = None
    if decision == "accept":
        ensure_can_trade(invitation.merchant)
        coupon = db.session.get(Coupon, coupon_id) if coupon_id else None
        if coupon is None or coupon.merchant_id != merchant_id:
            raise ValidationFailed({"coupon_id": [_l("Choose one of your own coupons.")]})
        if coupon.status in FINISHED:
            raise ValidationFailed({"coupon_id": [_l("This coupon has ended; choose a current one.")]})
    now = clock.now_utc()
    done = db.session.execute(
        sa.update(PromotionPartner)
        .where(
            PromotionPartner.promotion_id == promotion.id,
            PromotionPartner.merchant_id == merchant_id,
            PromotionPartner.status == PartnerStatus.INVITED,
        )
        .values(
            status=PartnerStatus.ACCEPTED if coupon else PartnerStatus.DECLINED,
            coupon_id=coupon.id if coupon else None,
            reason=reason,
            decided_at=now,
            decided_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise InvalidState(_l("This invitation has been decided already."))
    db.session.expire(invitation)
    db.session.expire(promotion, ["partners"])
    if coupon is not None:
        kind, params = "promotion_accepted", {"coupon": coupon.title}
    else:
        kind, params = "promotion_declined", {"reason": reason or "—"}
    params.update(partner=invitation.merchant.name, title=promotion.title)
    _tell_owners(
        promotion.merchant_id, kind, params, manage_link(promotion.id), f"{kind}:{promotion.id}:{merchant_id}"
    )
    record(actor, f"promotion.{decision}", promotion, reason=reason, data={"merchant_id": merchant_id})
    return promotion


def _set_status(promotion: Promotion, expected: str, **values) -> bool:
    done = db.session.execute(
        sa.update(Promotion)
        .where(Promotion.id == promotion.id, Promotion.status == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(promotion)
    return bool(done)


def submit(actor, promotion: Promotion) -> Promotion:
    """The lead sends the promotion to staff once every partner decided and one accepted."""
    if not is_lead(actor, promotion):
        if is_involved(actor, promotion):
            raise Forbidden()
        raise NotFound()
    if promotion.status != PromotionStatus.INVITING:
        raise InvalidState(_l("Only a promotion still inviting partners can be submitted."))
    if any(p.status == PartnerStatus.INVITED for p in promotion.partners):
        raise InvalidState(_l("Wait until every partner has decided."))
    if not promotion.accepted:
        raise InvalidState(_l("No partner accepted: invite others with a new promotion."))
    ensure_can_trade(promotion.merchant)
    if not _set_status(
        promotion,
        PromotionStatus.INVITING,
        status=PromotionStatus.PENDING_REVIEW,
        submitted_at=clock.now_utc(),
        review_reason=None,
    ):
        raise InvalidState(_l("Only a promotion still inviting partners can be submitted."))
    record(actor, "promotion.submit", promotion)
    return promotion


def review(actor, promotion: Promotion, decision: str, reason: str | None = None) -> Promotion:
    """Staff of the lead's branch approve or reject (with a reason); the lead and partners are told."""
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()
    if not is_reviewer(actor, promotion):
        raise NotFound()
    if decision not in ("approve", "reject"):
        raise ValidationFailed({"decision": [_l("Approve or reject.")]})
    reason = _text(reason) or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=REASON_MAX)]})
    if decision == "reject" and not reason:
        raise ValidationFailed({"reason": [_l("Tell the merchants why, so they can fix it.")]})
    now = clock.now_utc()
    values: dict[str, Any] = {"review_reason": reason, "reviewed_at": now, "reviewed_by_id": actor.id}
    if decision == "approve":
        values.update(status=PromotionStatus.APPROVED, approved_at=now)
    else:
        values.update(status=PromotionStatus.REJECTED)
    if promotion.status != PromotionStatus.PENDING_REVIEW or not _set_status(
        promotion, PromotionStatus.PENDING_REVIEW, **values
    ):
        raise InvalidState(_l("Only promotions pending review can be reviewed."))
    kind = "promotion_approved" if decision == "approve" else "promotion_rejected"
    params = {"title": promotion.title, "reason": reason or ""}
    for merchant_id in [promotion.merchant_id, *(p.merchant_id for p in promotion.accepted)]:
        _tell_owners(merchant_id, kind, params, manage_link(promotion.id), f"{kind}:{promotion.id}")
    record(actor, f"promotion.{decision}", promotion, reason=reason)
    return promotion


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


def member_coupons(promotion: Promotion) -> list[Coupon]:
    """A pack's members (the lead's coupon and each accepting partner's), in id order."""
    coupons = {promotion.coupon.id: promotion.coupon}
    for partner in promotion.accepted:
        if partner.coupon is not None:
            coupons[partner.coupon.id] = partner.coupon
    return [coupons[i] for i in sorted(coupons)]


def reward_coupons(promotion: Promotion) -> list[Coupon]:
    """A chain's rewards: each accepting partner's coupon, in id order."""
    return sorted((p.coupon for p in promotion.accepted if p.coupon is not None), key=lambda c: c.id)


def is_live(promotion: Promotion, now: datetime | None = None) -> bool:
    """Approved, and its coupons live: every member of a pack; the lead's coupon of a chain."""
    now = now or clock.now_utc()
    if promotion.status != PromotionStatus.APPROVED:
        return False
    with claiming_inside_promotion():
        if promotion.shape == Shape.PACK:
            return all(rules.is_live(c, now) for c in member_coupons(promotion))
        return rules.is_live(promotion.coupon, now)


def mall_list(page: int = 1, per_page: int = 20, shape: str | None = None, now: datetime | None = None):
    """Approved promotions whose coupons are live, newest approval first: (page, total)."""
    now = now or clock.now_utc()
    stmt = sa.select(Promotion).where(Promotion.status == PromotionStatus.APPROVED)
    if shape:
        stmt = stmt.where(Promotion.shape == shape)
    candidates = db.session.scalars(stmt.order_by(Promotion.approved_at.desc(), Promotion.id.desc())).all()
    live = [p for p in candidates if is_live(p, now)]
    start = (page - 1) * per_page
    return live[start : start + per_page], len(live)


def pack_value_fen(promotion: Promotion) -> int:
    """The face value of a whole pack: its cash and cut amounts added up (percentages count nothing)."""
    total = 0
    for coupon in member_coupons(promotion):
        total += coupon.amount_fen or coupon.cut_fen or coupon.cap_fen or 0
    return total


def led_by(merchant_id: int) -> list[Promotion]:
    return list(
        db.session.scalars(
            sa.select(Promotion).where(Promotion.merchant_id == merchant_id).order_by(Promotion.id.desc())
        )
    )


def invitations_for(merchant_id: int) -> list[Promotion]:
    return list(
        db.session.scalars(
            sa.select(Promotion)
            .join(PromotionPartner, PromotionPartner.promotion_id == Promotion.id)
            .where(PromotionPartner.merchant_id == merchant_id)
            .order_by(Promotion.id.desc())
        )
    )


def waiting_invitations(user) -> int:
    """Invitations the user's shop has still to decide (the owner's navigation badge)."""
    if user is None or user.role != "merchant" or not user.merchant_id:
        return 0
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PromotionPartner)
            .join(Promotion, Promotion.id == PromotionPartner.promotion_id)
            .where(
                PromotionPartner.merchant_id == user.merchant_id,
                PromotionPartner.status == PartnerStatus.INVITED,
                Promotion.status == PromotionStatus.INVITING,
            )
        )
        or 0
    )


def _review_scope(actor) -> sa.Select:
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()
    stmt = (
        sa.select(Promotion)
        .join(Merchant, Merchant.id == Promotion.merchant_id)
        .join(District, District.id == Merchant.district_id)
    )
    ids = visible_branch_ids(actor)
    if ids is not None:
        stmt = stmt.where(District.branch_id.in_(ids))
    return stmt


def review_queue(actor) -> list[Promotion]:
    """Promotions pending this staff member's decision first (oldest submission first), then the rest."""
    stmt = _review_scope(actor)
    pending = db.session.scalars(
        stmt.where(Promotion.status == PromotionStatus.PENDING_REVIEW).order_by(Promotion.submitted_at)
    ).all()
    others = db.session.scalars(
        stmt.where(Promotion.status != PromotionStatus.PENDING_REVIEW)
        .order_by(Promotion.id.desc())
        .limit(200)
    ).all()
    return [*pending, *others]


def pending_count(actor) -> int:
    if actor is None or actor.role not in ("staff", "admin"):
        return 0
    stmt = _review_scope(actor).where(Promotion.status == PromotionStatus.PENDING_REVIEW)
    return int(db.session.scalar(stmt.with_only_columns(sa.func.count(Promotion.id))) or 0)


def partner_candidates(
    lead: Merchant, *, district_id: int | None = None, industry: str | None = None, limit: int = 100
) -> list[Merchant]:
    """Active merchants of other trades, for the set-up's partner search (same branch first)."""
    stmt = (
        sa.select(Merchant)
        .join(District, District.id == Merchant.district_id)
        .where(
            Merchant.status == MerchantStatus.ACTIVE,
            Merchant.id != lead.id,
            Merchant.industry != lead.industry,
        )
    )
    if district_id:
        stmt = stmt.where(Merchant.district_id == district_id)
    if industry:
        stmt = stmt.where(Merchant.industry == industry)
    stmt = stmt.order_by(
        (District.branch_id != lead.district.branch_id),
        (Merchant.district_id != lead.district_id),
        Merchant.name,
    )
    return list(db.session.scalars(stmt.limit(limit)))


def missing_trades(lead: Merchant) -> list[str]:
    """Trades with no active member in the lead's district (the coverage grid's gaps): good partners
    to look for nearby."""
    from alliance.merchants.constants import Industry

    present = set(
        db.session.scalars(
            sa.select(Merchant.industry).where(
                Merchant.district_id == lead.district_id, Merchant.status == MerchantStatus.ACTIVE
            )
        )
    )
    return [i.value for i in Industry if i.value not in present and i.value != lead.industry]


def own_coupons(merchant_id: int) -> list[Coupon]:
    """Coupons a shop can bring to a promotion (not finished), newest first."""
    return list(
        db.session.scalars(
            sa.select(Coupon)
            .where(Coupon.merchant_id == merchant_id, Coupon.status.not_in(FINISHED))
            .order_by(Coupon.channel != "mall", Coupon.id.desc())
        )
    )


# ---------------------------------------------------------------------------------------------------
# Attribution
# ---------------------------------------------------------------------------------------------------


def figures(promotion: Promotion) -> dict[str, Any]:
    """Vouchers the promotion issued (revoked ones not counted), those redeemed (standing redemptions,
    counted for the merchant that redeemed them), and per merchant the customers it was sent: those
    whose first redemption there came after they got the promotion's voucher."""
    from mall.redemption.models import Redemption
    from mall.vouchers.models import Voucher, VoucherStatus

    vouchers = db.session.execute(
        sa.select(Voucher.id, Voucher.merchant_id, Voucher.claimed_at).where(
            Voucher.promotion_id == promotion.id, Voucher.status != VoucherStatus.REVOKED
        )
    ).all()
    claimed_at = {v.id: v.claimed_at for v in vouchers}
    redemptions = (
        db.session.execute(
            sa.select(Redemption.voucher_id, Redemption.merchant_id, Redemption.customer_id).where(
                Redemption.voucher_id.in_(list(claimed_at)), Redemption.reversed_at.is_(None)
            )
        ).all()
        if claimed_at
        else []
    )
    first_visit: dict[tuple[int, int], datetime] = {}
    if redemptions:
        rows = db.session.execute(
            sa.select(Redemption.merchant_id, Redemption.customer_id, sa.func.min(Redemption.redeemed_at))
            .where(
                Redemption.merchant_id.in_({r.merchant_id for r in redemptions}),
                Redemption.customer_id.in_({r.customer_id for r in redemptions}),
                Redemption.reversed_at.is_(None),
            )
            .group_by(Redemption.merchant_id, Redemption.customer_id)
        ).all()
        first_visit = {(m, c): _aware(at) for m, c, at in rows}

    merchant_ids = [p.merchant_id for p in promotion.accepted]
    if promotion.shape == Shape.PACK:
        merchant_ids.insert(0, promotion.merchant_id)
    for merchant_id in sorted({v.merchant_id for v in vouchers} | {r.merchant_id for r in redemptions}):
        if merchant_id not in merchant_ids:
            merchant_ids.append(merchant_id)
    rows_by = {m: {"merchant_id": m, "issued": 0, "redeemed": 0, "customers": 0} for m in merchant_ids}
    sent: dict[int, set[int]] = {m: set() for m in merchant_ids}
    for v in vouchers:
        rows_by[v.merchant_id]["issued"] += 1
    for r in redemptions:
        rows_by[r.merchant_id]["redeemed"] += 1
        first = first_visit.get((r.merchant_id, r.customer_id))
        if first is not None and first >= claimed_at[r.voucher_id]:
            sent[r.merchant_id].add(r.customer_id)
    for merchant_id, customers in sent.items():
        rows_by[merchant_id]["customers"] = len(customers)
    return {
        "issued": len(vouchers),
        "redeemed": len(redemptions),
        "by_merchant": [rows_by[m] for m in merchant_ids],
    }


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

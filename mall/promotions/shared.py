"""Shared coupons: a coupon also accepted at partner merchants' tills (`partner_merchant_ids`). A partner
can leave; staff see which partners take part and how many redemptions each made (a redemption counts
for the merchant whose till redeemed it)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.branches.models import District
from alliance.branches.services import visible_branch_ids
from alliance.core.errors import Forbidden, InvalidState, NotFound
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from alliance.notifications.services import notify, register_kind
from mall.coupons.models import Coupon, coupon_partners
from mall.redemption.models import Redemption

register_kind(
    "shared_coupon_left",
    title=_l("A partner stopped accepting your coupon"),
    body=_l("%(partner)s no longer accepts “%(title)s” at its till."),
)


def shared_with(merchant_id: int) -> list[Coupon]:
    """Coupons of other merchants that this merchant's till accepts."""
    return list(
        db.session.scalars(
            sa.select(Coupon)
            .join(coupon_partners, coupon_partners.c.coupon_id == Coupon.id)
            .where(coupon_partners.c.merchant_id == merchant_id)
            .order_by(Coupon.id.desc())
        )
    )


def leave(actor, coupon_id: int, merchant_id: int) -> Coupon:
    """The partner's owner stops accepting the coupon; vouchers already claimed are then used at the
    coupon's own shop (and its remaining partners)."""
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None:
        raise NotFound()
    if actor is None or actor.role != "merchant" or actor.merchant_id != merchant_id:
        raise Forbidden(_l("Only the partner's owner can leave a shared coupon."))
    removed = db.session.execute(
        sa.delete(coupon_partners).where(
            coupon_partners.c.coupon_id == coupon_id, coupon_partners.c.merchant_id == merchant_id
        )
    ).rowcount
    if not removed:
        raise InvalidState(_l("Your shop does not accept this coupon."))
    db.session.expire(coupon, ["partners"])
    partner = db.session.get(Merchant, merchant_id)
    from mall.promotions.services import _owners

    for user_id in _owners(coupon.merchant_id):
        notify(
            user_id,
            "shared_coupon_left",
            {"partner": partner.name, "title": coupon.title},
            link=f"/merchant/coupons/{coupon.id}",
            dedupe_key=f"shared-left:{coupon.id}:{merchant_id}:{user_id}",
        )
    record(actor, "coupon.partner_leave", coupon, data={"merchant_id": merchant_id})
    return coupon


def redemptions_by_merchant(coupon_ids: list[int]) -> dict[tuple[int, int], int]:
    """(coupon, redeeming merchant) -> standing redemptions of the coupon's vouchers at that till."""
    if not coupon_ids:
        return {}
    from mall.vouchers.models import Voucher

    rows = db.session.execute(
        sa.select(Voucher.coupon_id, Redemption.merchant_id, sa.func.count(Redemption.id))
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(Voucher.coupon_id.in_(coupon_ids), Redemption.reversed_at.is_(None))
        .group_by(Voucher.coupon_id, Redemption.merchant_id)
    ).all()
    return {(c, m): n for c, m, n in rows}


def branch_shared_coupons(actor, limit: int = 200) -> list[Coupon]:
    """Coupons with partners, of the staff member's branch, newest first."""
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()
    stmt = (
        sa.select(Coupon)
        .join(Merchant, Merchant.id == Coupon.merchant_id)
        .join(District, District.id == Merchant.district_id)
        .where(Coupon.id.in_(sa.select(coupon_partners.c.coupon_id)))
    )
    ids = visible_branch_ids(actor)
    if ids is not None:
        stmt = stmt.where(District.branch_id.in_(ids))
    return list(db.session.scalars(stmt.order_by(Coupon.id.desc()).limit(limit)))

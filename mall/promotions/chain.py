"""Chains (连环券): redeeming a voucher of a chain's lead coupon issues the customer a voucher of each
accepting partner's coupon, inside the redemption's own transaction (an after-redeem hook); reversing
the redemption revokes the issued vouchers still unused (an after-reverse hook).

Once per redemption: the hook runs with the redemption, which happens once however often the till
retries, and a unique (redemption, coupon) pair on vouchers holds it even so. Never fails the till: a
reward out of stock, ended or of a shop no longer trading issues nothing, in its own savepoint.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from alliance.accounts.models import User
from alliance.core.extensions import db
from alliance.notifications.services import notify, register_kind
from mall.coupons import rules
from mall.coupons.models import Coupon
from mall.promotions import claiming
from mall.promotions.models import Promotion, PromotionStatus, Shape
from mall.promotions.services import reward_coupons
from mall.redemption.hooks import RedemptionEvent, RedemptionHook
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher, VoucherStatus

log = logging.getLogger(__name__)

register_kind(
    "chain_reward",
    title=_l("A gift from your visit"),
    body=_l("For your visit to %(lead)s you received: %(rewards)s. They are in your wallet."),
)


def chains_for(coupon_id: int) -> list[Promotion]:
    return list(
        db.session.scalars(
            sa.select(Promotion)
            .where(
                Promotion.coupon_id == coupon_id,
                Promotion.status == PromotionStatus.APPROVED,
                Promotion.shape == Shape.CHAIN,
            )
            .order_by(Promotion.id)
        )
    )


def _can_issue(coupon: Coupon, now) -> bool:
    """A reward is issued while its coupon is approved, inside its claim window and its shop trades."""
    if coupon.claim_starts_at is not None and now < coupon.claim_starts_at:
        return False
    if coupon.claim_ends_at is not None and now >= coupon.claim_ends_at:
        return False
    if coupon.valid_until is not None and now >= coupon.valid_until:
        return False
    return rules.merchant_can_trade(coupon.merchant)


def issue_chain_rewards(event: RedemptionEvent) -> None:
    voucher = event.voucher
    if voucher is None:
        return
    redemption = event.redemption
    issued: list[Voucher] = []
    lead_name = None
    customer = None
    for promotion in chains_for(voucher.coupon_id):
        if promotion.min_order_fen and redemption.order_amount_fen < promotion.min_order_fen:
            continue
        for coupon in reward_coupons(promotion):
            if any(v.coupon_id == coupon.id for v in issued) or not _can_issue(coupon, event.now):
                continue
            try:
                with db.session.begin_nested():
                    if not claiming.take_one(coupon):
                        continue  # out of stock: the till carries on, the customer gets nothing here
                    customer = customer or db.session.get(User, redemption.customer_id)
                    [reward] = vouchers.issue_vouchers(
                        customer,
                        [coupon],
                        event.now,
                        promotion_id=promotion.id,
                        issued_by_redemption_id=redemption.id,
                    )
            except (IntegrityError, RuntimeError):
                log.warning(
                    "chain reward of coupon %s for redemption %s not issued", coupon.id, redemption.id
                )
                continue
            issued.append(reward)
            lead_name = promotion.merchant.name
    event.extras["issued_vouchers"] = [
        {"id": v.id, "coupon_id": v.coupon_id, "merchant_id": v.merchant_id} for v in issued
    ]
    if issued:
        notify(
            redemption.customer_id,
            "chain_reward",
            {
                "lead": lead_name,
                "rewards": "、".join(f"{v.coupon.merchant.name} {v.coupon.title}" for v in issued),
            },
            link="/wallet",
            dedupe_key=f"chain-reward:{redemption.id}",
        )


def revoke_chain_rewards(event: RedemptionEvent) -> None:
    """Vouchers the reversed redemption issued and still unused become `revoked`; their stock returns."""
    redemption = event.redemption
    candidates = db.session.execute(
        sa.select(Voucher.id, Voucher.coupon_id)
        .where(Voucher.issued_by_redemption_id == redemption.id, Voucher.status == VoucherStatus.ACTIVE)
        .order_by(Voucher.coupon_id)
    ).all()
    revoked = []
    for voucher_id, coupon_id in candidates:
        done = db.session.execute(
            sa.update(Voucher)
            .where(Voucher.id == voucher_id, Voucher.status == VoucherStatus.ACTIVE)
            .values(status=VoucherStatus.REVOKED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            claiming.give_back_one(coupon_id)
            revoked.append(voucher_id)
    event.extras["revoked_vouchers"] = revoked


# Registered from create_app, after cashback.
HOOK = RedemptionHook("promotions", after_redeem=issue_chain_rewards, after_reverse=revoke_chain_rewards)

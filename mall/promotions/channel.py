"""Reward-only coupons: never listed or claimable in the mall; a chain issues them and a coupon pack's
claim takes them. The condition joins the mall's claimability as one more `ClaimRule`, so the direct
claim, the mall's lists and its search all leave them out."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.core.errors import DomainError, NotClaimable
from mall.coupons import rules
from mall.coupons.models import Channel, Coupon

# Set while a promotion (a pack's claim) claims its members: then reward coupons are claimable.
_inside_promotion: contextvars.ContextVar[bool] = contextvars.ContextVar("inside_promotion", default=False)


@contextlib.contextmanager
def claiming_inside_promotion() -> Iterator[None]:
    token = _inside_promotion.set(True)
    try:
        yield
    finally:
        _inside_promotion.reset(token)


def refusal(coupon: Coupon, now: datetime) -> DomainError | None:
    if coupon.channel == Channel.REWARD and not _inside_promotion.get():
        return NotClaimable(_l("This coupon comes only with a promotion."))
    return None


def clause(now: datetime) -> sa.ColumnElement[bool]:
    """Not a reward coupon. A subquery on the small `ix_coupons_channel` set, so counting the mall's
    live coupons still reads `ix_coupons_live` alone."""
    reward = Coupon.__table__.alias("reward_coupons")
    return Coupon.id.not_in(sa.select(reward.c.id).where(reward.c.channel == Channel.REWARD))


CLAIM_RULE = rules.ClaimRule("promotions.channel", refusal, clause)

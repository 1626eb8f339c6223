"""The funding hook on redemptions: each redemption records the bank's share of its discount
(`bank_fen`) and the merchant's (`merchant_fen`), spent from the coupon's reservation; incentive cash
spent is charged to the branch's incentive budget. A reversal gives both back."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.funding.services import budgets
from mall.redemption.hooks import RedemptionEvent, RedemptionHook
from mall.redemption.models import Redemption


def _write(redemption, bank: int) -> None:
    db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption.id)
        .values(bank_fen=bank, merchant_fen=redemption.discount_fen - bank)
        .execution_options(synchronize_session=False)
    )
    redemption.bank_fen = bank
    redemption.merchant_fen = redemption.discount_fen - bank
    db.session.expire(redemption, ["bank_fen", "merchant_fen"])


def _branch_id(redemption) -> int:
    return db.session.get(Merchant, redemption.merchant_id).district.branch_id


def record_shares(event: RedemptionEvent) -> None:
    redemption = event.redemption
    coupon = event.voucher.coupon if event.voucher is not None else None
    bank = 0
    if coupon is not None and coupon.budget_id and coupon.bank_share_percent:
        wanted = budgets.bank_part(redemption.discount_fen, coupon.bank_share_percent)
        bank = budgets.spend(coupon.id, coupon.budget_id, wanted)
    _write(redemption, bank)
    if redemption.incentive_fen:
        budgets.charge_incentive(redemption.id, _branch_id(redemption), redemption.incentive_fen, event.now)
    event.extras["bank_fen"] = bank
    event.extras["merchant_fen"] = redemption.discount_fen - bank


def give_back_shares(event: RedemptionEvent) -> None:
    """The reversed redemption keeps its figures (a correction of a confirmed month needs them);
    the money goes back to the coupon's reservation and the statements leave it out."""
    redemption = event.redemption
    db.session.refresh(redemption)
    coupon = event.voucher.coupon if event.voucher is not None else None
    if coupon is not None and coupon.budget_id and redemption.bank_fen:
        budgets.give_back(coupon.id, coupon.budget_id, redemption.bank_fen)
    budgets.refund_incentive(redemption.id)


HOOK = RedemptionHook("funding", after_redeem=record_shares, after_reverse=give_back_shares)

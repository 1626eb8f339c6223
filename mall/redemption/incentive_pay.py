"""Paying with incentive cash at the till: the customer's payment code (typed or scanned) names them,
and an order can be paid in part with incentive cash alone, without a voucher."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from alliance.accounts.models import User
from alliance.core import clock
from alliance.core.errors import ValidationFailed
from alliance.core.extensions import attempts, db
from alliance.incentives import services as incentives
from mall.redemption import hooks, services, spending
from mall.redemption.models import Redemption


def resolve_customer(actor, customer_code: str | None, now: datetime | None = None) -> int:
    """The customer a payment code names. Codes that name nobody and forged payloads count against
    the till's failed attempts, as a voucher's do."""
    services._till_merchant(actor)
    attempt = attempts.attempt("redeem", services._attempt_key(actor))  # counted first, forgiven if genuine
    try:
        customer_id = incentives.customer_for_code(customer_code, now)
    except incentives.ForgedPaymentCode:
        raise
    except Exception:
        attempt.forgive()  # an expired code: a real customer, not a guess
        raise
    attempt.forgive()
    return customer_id


def deduction(customer_id: int, payable_fen: int) -> int:
    """What the till takes off when the customer shows the payment code: as much of the balance as
    the amount to pay allows. Nothing to spend is `insufficient_balance`."""
    spend = min(incentives.balance(customer_id), payable_fen)
    if spend <= 0 < payable_fen:
        raise incentives.InsufficientBalance(_l("The customer has no incentive cash to spend."))
    return max(spend, 0)


def pay(
    actor,
    customer_id: int,
    order_amount_fen: int,
    incentive_fen: int,
    *,
    method: str = "code",
    now: datetime | None = None,
) -> Redemption:
    """An order paid in part with incentive cash, no voucher: a redemption without a voucher whose
    `payable_fen` is reduced by the cash spent. The balance decides in one conditional UPDATE."""
    now = now or clock.now_utc()
    services._till_merchant(actor)
    if incentive_fen <= 0:
        raise ValidationFailed({"incentive_fen": [_l("Enter the incentive cash to spend.")]})
    spending.check_spend(None, customer_id, incentive_fen, order_amount_fen)
    customer = db.session.get(User, customer_id)
    if customer is None or customer.role != "customer" or not customer.active:
        raise incentives.ForgedPaymentCode()
    redemption = Redemption(
        voucher_id=None,
        merchant_id=actor.merchant_id,
        clerk_id=actor.id,
        customer_id=customer_id,
        order_amount_fen=order_amount_fen,
        discount_fen=0,
        payable_fen=order_amount_fen - incentive_fen,
        cashback_fen=0,
        incentive_fen=incentive_fen,
        method=method,
        redeemed_at=now,
    )
    db.session.add(redemption)
    db.session.flush()
    spending.spend(redemption)
    event = hooks.after_redeem(hooks.RedemptionEvent(redemption, None, actor, now))
    redemption.extras = event.extras
    return redemption

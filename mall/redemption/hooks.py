"""After-redeem and after-reverse hooks: how other features act on a redemption without redemption
importing them (cashback, chain rewards, referral conversions, the bank's share of a discount).

Hooks are registered from `create_app`, in order, and run inside the redemption's own write
transaction, after the voucher row was won and the redemption row written: what they write commits or
rolls back with the redemption, so a retried redemption (same Idempotency-Key) runs them once. A hook
that must not fail the till (a reward out of stock) handles its own refusal; a hook that raises a
`DomainError` refuses the whole redemption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class RedemptionEvent:
    """What a hook is told. `extras` is added to the redemption's answer (API and receipt): a hook puts
    what the till should show there, e.g. `extras["issued_vouchers"]`."""

    redemption: Any  # mall.redemption.models.Redemption
    voucher: Any | None  # mall.vouchers.models.Voucher; None when only incentive cash is spent
    actor: Any  # the clerk or owner at the till
    now: datetime
    reason: str | None = None  # the reversal's reason (after_reverse only)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RedemptionHook:
    name: str
    after_redeem: Callable[[RedemptionEvent], None] | None = None
    after_reverse: Callable[[RedemptionEvent], None] | None = None


_hooks: list[RedemptionHook] = []


def register(hook: RedemptionHook) -> None:
    """Add `hook` (or replace the one of the same name, so that creating a second app is harmless)."""
    for i, existing in enumerate(_hooks):
        if existing.name == hook.name:
            _hooks[i] = hook
            return
    _hooks.append(hook)


def registered() -> list[str]:
    return [hook.name for hook in _hooks]


def after_redeem(event: RedemptionEvent) -> RedemptionEvent:
    for hook in _hooks:
        if hook.after_redeem is not None:
            hook.after_redeem(event)
    return event


def after_reverse(event: RedemptionEvent) -> RedemptionEvent:
    for hook in _hooks:
        if hook.after_reverse is not None:
            hook.after_reverse(event)
    return event

"""The alliance's rules, one module per concern; the names other features use are listed here.

`ensure_can_trade(merchant)` is the one check the mall makes before a merchant publishes an offer or
redeems a voucher.
"""

from alliance.merchants.services.access import can_manage, can_see, get_managed, get_own, get_visible
from alliance.merchants.services.membership import (
    MerchantCannotTrade,
    apply_for_membership,
    can_trade,
    ensure_can_trade,
    ensure_shop_trades,
    review,
    shop_trades,
)

__all__ = [
    "MerchantCannotTrade",
    "apply_for_membership",
    "can_manage",
    "can_see",
    "can_trade",
    "ensure_can_trade",
    "ensure_shop_trades",
    "get_managed",
    "get_own",
    "get_visible",
    "review",
    "shop_trades",
]

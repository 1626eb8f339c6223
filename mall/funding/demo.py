"""Demo data: a quarter's subsidy budget of 城东支行, a coupon of 万达永辉超市 half paid by the bank,
redemptions of it over last month and this one, and last month's statement confirmed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.core import clock
from alliance.core.extensions import db
from mall.coupons import services as coupons
from mall.funding.models import Budget
from mall.funding.services import budgets, settlement
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers

BUDGET_NAME = "城东支行 季度营销补贴"
COUPON = {
    "title": "满100减30 · 银行补贴一半",
    "description": "本券优惠由银行与商户各承担一半。",
    "kind": "threshold_cut",
    "threshold_fen": 10000,
    "cut_fen": 3000,
    "stock_total": 200,
    "per_customer_limit": 20,
}
# (day of the month, local hour, order amount in fen): last month's and this month's redemptions.
LAST_MONTH = [
    (3, 12, 12800),
    (3, 18, 25600),
    (7, 11, 10500),
    (12, 19, 31800),
    (18, 13, 15000),
    (26, 20, 22900),
]
THIS_MONTH = [(1, 10, 18800), (1, 17, 11000), (3, 12, 16800), (5, 19, 27300), (8, 12, 12000)]


def _user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _at(day, hour: int) -> datetime:
    return clock.local_datetime_utc(day, time(hour, 0))


class _TimeTravel:
    """Moves the clock for the demo's past events, and back to where it was."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def go(self, moment: datetime) -> None:
        delta = moment - clock.now_utc()
        clock.advance(delta)
        self.shift += delta

    def back(self) -> None:
        clock.advance(-self.shift)
        self.shift = timedelta(0)


def seed() -> list[tuple[str, str, str]]:
    staff, owner = _user("staff"), _user("owner1")
    customers = [u for u in (_user("alice"), _user("bob")) if u is not None]
    if staff is None or owner is None or not customers or not owner.merchant_id:
        return []
    if db.session.scalar(sa.select(Budget.id).where(Budget.name == BUDGET_NAME)):
        return []
    now = clock.now_utc()
    this_month = clock.local_today().replace(day=1)
    last_month = settlement.previous_month(this_month)
    quarter_end = settlement.next_month(settlement.next_month(this_month)) - timedelta(days=1)

    travel = _TimeTravel()
    travel.go(_at(last_month.replace(day=2), 9))
    try:
        budget = budgets.create_budget(
            staff,
            {
                "branch_id": staff.branch_id,
                "name": BUDGET_NAME,
                "total_fen": 500000,
                "starts_on": last_month,
                "ends_on": quarter_end,
            },
        )
        coupon = coupons.create_coupon(owner, owner.merchant_id, dict(COUPON))
        coupons.submit(owner, coupon)
        coupons.review(staff, coupon, "approve", budget_id=budget.id, bank_share_percent=50)
        plan = [(last_month.replace(day=d), h, amount) for d, h, amount in LAST_MONTH]
        plan += [(this_month.replace(day=d), h, amount) for d, h, amount in THIS_MONTH]
        for i, (day, hour, amount) in enumerate(plan):
            moment = _at(day, hour)
            if moment >= now:
                continue
            travel.go(moment - timedelta(minutes=20))
            voucher = vouchers.claim(customers[i % len(customers)], coupon.id)
            travel.go(moment)
            redemption.redeem(owner, voucher, amount)
    finally:
        travel.back()
    settlement.open_statements()
    settlement.confirm(staff, owner.merchant_id, settlement.month_key(last_month))
    db.session.flush()
    return []

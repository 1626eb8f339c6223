"""Builders for funding tests: budgets, and coupons approved with a bank share from one."""

from __future__ import annotations

from datetime import date

from mall.coupons import services as coupons
from mall.funding.services import budgets
from tests.mall import factories as mf


def budget(staff, total_fen: int = 10000, *, starts_on=date(2026, 10, 1), ends_on=date(2027, 3, 31), **kw):
    return budgets.create_budget(
        staff,
        {
            "branch_id": staff.branch_id,
            "name": kw.pop("name", "Q4 subsidies"),
            "total_fen": total_fen,
            "starts_on": starts_on,
            "ends_on": ends_on,
            **kw,
        },
    )


def pending(shop, **fields):
    coupon = mf.draft(shop, **fields)
    coupons.submit(mf._owner_of(shop), coupon)
    return coupon


def funded_coupon(shop, staff, budget_obj, share: int, **fields):
    coupon = pending(shop, **fields)
    coupons.review(staff, coupon, "approve", budget_id=budget_obj.id, bank_share_percent=share)
    return coupon

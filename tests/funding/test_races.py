"""Ten staff approving ten funded coupons at once against one budget, through a real server on SQLite
and PostgreSQL: the budget never reserves more than it holds."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from alliance.core import clock
from mall.coupons.models import Coupon
from mall.funding.models import Budget, Reservation
from tests.funding import factories as ff
from tests.mall import factories as mf
from tests.mall.test_races import fire_at_once, fresh

pytestmark = pytest.mark.slow


def test_ten_approvals_racing_for_one_budget_never_reserve_more_than_it_holds(app, db, live_server):
    clock.reset()
    shop = mf.merchant()
    mf.owner(shop)
    reviewers = [mf.staff_for(shop) for _ in range(10)]
    budget = ff.budget(reviewers[0], 10000, starts_on=clock.local_today(), ends_on=clock.local_today())
    # Each needs 3 vouchers × 50% of ¥20.00 = ¥30.00: three fit in ¥100.00, seven do not.
    pending = [ff.pending(shop, stock_total=3) for _ in range(10)]
    tokens = [mf.token_for(user) for user in reviewers]
    ids = [c.id for c in pending]
    budget_id = budget.id
    db.session.commit()
    body = {"decision": "approve", "budget_id": budget_id, "bank_share_percent": 50}

    def approve(coupon_id, token):
        url = live_server.api(f"/coupons/{coupon_id}/review")

        def call():
            r = requests.post(url, json=body, headers=mf.bearer(token), timeout=120)
            payload = r.json()
            return r.status_code, payload.get("error", {}).get("code", payload.get("status"))

        return call

    results = fire_at_once([approve(c, t) for c, t in zip(ids, tokens, strict=True)])
    assert Counter(results) == {(200, "approved"): 3, (409, "budget_exhausted"): 7}, live_server.log()[-3000:]
    after = fresh(Budget, budget_id)
    assert (after.reserved_fen, after.spent_fen, after.available_fen) == (9000, 0, 1000)
    held = db.session.scalar(
        sa.select(sa.func.sum(Reservation.held_fen)).where(Reservation.budget_id == budget_id)
    )
    assert held == 9000
    approved = db.session.scalar(
        sa.select(sa.func.count(Coupon.id)).where(Coupon.budget_id == budget_id, Coupon.status == "approved")
    )
    assert approved == 3


def test_five_staff_approving_one_funded_coupon_at_once_reserve_once(app, db, live_server):
    clock.reset()
    shop = mf.merchant()
    mf.owner(shop)
    reviewers = [mf.staff_for(shop) for _ in range(5)]
    budget = ff.budget(reviewers[0], 100000, starts_on=clock.local_today(), ends_on=clock.local_today())
    coupon = ff.pending(shop, stock_total=10)  # 10 × ¥10.00
    tokens = [mf.token_for(user) for user in reviewers]
    coupon_id, budget_id = coupon.id, budget.id
    db.session.commit()
    url = live_server.api(f"/coupons/{coupon_id}/review")
    body = {"decision": "approve", "budget_id": budget_id, "bank_share_percent": 50}

    def approve(token):
        return lambda: requests.post(url, json=body, headers=mf.bearer(token), timeout=120).status_code

    results = fire_at_once([approve(t) for t in tokens])
    assert sorted(results) == [200, 409, 409, 409, 409], (results, live_server.log()[-3000:])
    after = fresh(Budget, budget_id)
    assert (after.reserved_fen, after.available_fen) == (10000, 90000)
    assert fresh(Reservation, coupon_id).held_fen == 10000

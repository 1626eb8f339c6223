"""Workflows change state once: coupon submit, review, withdraw and update are conditional
transitions, raced with real threads against a real server on SQLite and PostgreSQL. A pending
merchant writes no coupons and sees no till; the till's day summary counts every redemption."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.extensions import db as _db
from mall.coupons import services as coupons
from mall.coupons.models import Coupon
from mall.redemption.models import Redemption
from tests import factories
from tests.mall import factories as mf
from tests.races import fire_at_once


def status_of(coupon_id: int) -> str:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(Coupon.status).where(Coupon.id == coupon_id))


@pytest.fixture
def shop(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    db.session.commit()
    return shop, owner, staff


def post(url, token, json=None):
    return lambda: requests.post(url, json=json or {}, headers=mf.bearer(token), timeout=60).status_code


@pytest.mark.slow
def test_a_withdrawn_coupon_is_never_approved_afterwards(app, db, live_server, shop):
    merchant, owner, staff = shop
    pending = []
    for _ in range(8):
        coupon = mf.draft(merchant, owner)
        coupons.submit(owner, coupon)
        pending.append(coupon.id)
    owner_token, staff_token = mf.token_for(owner), mf.token_for(staff)
    db.session.commit()
    calls, kinds = [], []
    for cid in pending:
        calls.append(post(live_server.api(f"/coupons/{cid}/withdraw"), owner_token))
        calls.append(post(live_server.api(f"/coupons/{cid}/review"), staff_token, {"decision": "approve"}))
        kinds += [("withdraw", cid), ("approve", cid)]
    results = fire_at_once(calls)
    assert set(results) <= {200, 409}, (results, live_server.log()[-3000:])
    for cid in pending:
        withdrew = results[kinds.index(("withdraw", cid))] == 200
        approved = results[kinds.index(("approve", cid))] == 200
        # Either order is fine; what never happens is a withdrawal that a later approval undoes.
        assert status_of(cid) == ("withdrawn" if withdrew else "approved")
        assert withdrew or approved


@pytest.mark.slow
def test_concurrent_submits_and_reviews_each_happen_once(app, db, live_server, shop):
    merchant, owner, staff = shop
    draft = mf.draft(merchant, owner)
    owner_token, staff_token = mf.token_for(owner), mf.token_for(staff)
    db.session.commit()
    submits = fire_at_once([post(live_server.api(f"/coupons/{draft.id}/submit"), owner_token)] * 8)
    assert Counter(submits) == {200: 1, 409: 7}, live_server.log()[-3000:]
    review_url = live_server.api(f"/coupons/{draft.id}/review")
    decisions = [{"decision": "approve"}] * 4 + [{"decision": "reject", "reason": "标题不清楚"}] * 4
    reviews = fire_at_once([post(review_url, staff_token, d) for d in decisions])
    assert Counter(reviews) == {200: 1, 409: 7}
    won = decisions[reviews.index(200)]["decision"]
    assert status_of(draft.id) == ("approved" if won == "approve" else "rejected")


@pytest.mark.slow
def test_an_edit_racing_a_submission_never_changes_a_submitted_coupon(app, db, live_server, shop):
    merchant, owner, _staff = shop
    draft = mf.draft(merchant, owner, title="原来的标题")
    token = mf.token_for(owner)
    db.session.commit()
    url = live_server.api(f"/coupons/{draft.id}")

    def edit(i):
        return lambda: (
            requests.patch(
                url, json={"title": f"改过的标题 {i}"}, headers=mf.bearer(token), timeout=60
            ).status_code
        )

    calls = [edit(i) for i in range(6)] + [post(live_server.api(f"/coupons/{draft.id}/submit"), token)] * 6
    results = fire_at_once(calls)
    assert set(results) <= {200, 409}, live_server.log()[-3000:]
    assert Counter(results[6:])[200] == 1  # submitted once
    _db.session.expire_all()
    coupon = _db.session.get(Coupon, draft.id)
    # Whatever title it was submitted with, it is the one it holds: no edit landed after submission.
    assert coupon.status in ("pending_review", "draft")
    if coupon.status == "pending_review":
        actions = db.session.execute(sa.text("SELECT action FROM audit_events ORDER BY id")).scalars()
        assert list(actions)[-1] == "coupon.submit"


def test_a_pending_merchant_cannot_create_coupons_nor_open_the_till(client, db):
    shop = mf.merchant(status="pending")
    owner = mf.owner(shop)
    db.session.commit()
    body = {"title": "开业大吉", "kind": "gift", "gift_name": "茶", "stock_total": 5}
    response = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=body, headers=factories.auth(owner))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    factories.login(client, owner)
    for path in ("/till", "/till/today", "/merchant/coupons", "/merchant/coupons/new"):
        assert client.get(path).status_code == 403, path
    home = client.get("/").get_data(as_text=True)
    assert 'href="/till"' not in home and 'href="/merchant/coupons"' not in home


def test_an_active_merchant_sees_the_till_and_coupons(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    db.session.commit()
    factories.login(client, owner)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/till"' in home and 'href="/merchant/coupons"' in home
    assert client.get("/merchant/coupons").status_code == 200


def test_the_tills_day_summary_counts_every_redemption_of_a_busy_day(client, db):
    from mall.redemption import services as redemption
    from mall.vouchers.models import Voucher

    shop = mf.merchant()
    owner = mf.owner(shop)
    coupon = mf.live_coupon(shop, owner)
    customer = mf.customer()
    now = clock.now_utc()
    issued = [
        Voucher(
            coupon_id=coupon.id,
            user_id=customer.id,
            merchant_id=shop.id,
            code=f"T{i:07d}",
            status="redeemed",
            claimed_at=now,
            valid_from=now,
        )
        for i in range(250)
    ]
    db.session.add_all(issued)
    db.session.flush()
    rows = [
        Redemption(
            voucher_id=issued[i].id,
            merchant_id=shop.id,
            clerk_id=owner.id,
            customer_id=customer.id,
            order_amount_fen=1000,
            discount_fen=100,
            payable_fen=900,
            cashback_fen=0,
            method="code",
            redeemed_at=now - timedelta(seconds=i),
            reversed_at=now if i % 10 == 0 else None,
        )
        for i in range(250)
    ]
    db.session.add_all(rows)
    db.session.commit()
    summary = redemption.day_summary(owner, shop.id, clock.local_today())
    assert summary == {"count": 225, "discount_fen": 22500, "cashback_fen": 0, "order_fen": 225000}

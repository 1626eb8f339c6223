"""API.md, Coupons and Mall: paths, fields, statuses and error codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from mall.coupons import totals
from mall.coupons.models import Coupon
from tests import factories
from tests.mall import factories as mf

BODY = {
    "title": "午市满100减20",
    "kind": "threshold_cut",
    "threshold_fen": 10000,
    "cut_fen": 2000,
    "stock_total": 50,
    "per_customer_limit": 2,
    "usable_weekdays": [3],
    "valid_days_after_claim": 7,
}


def test_owner_creates_submits_and_staff_approve(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=BODY, headers=factories.auth(owner))
    assert r.status_code == 201, r.get_json()
    coupon = r.get_json()
    assert coupon["status"] == "draft" and coupon["remaining"] == 50 and coupon["live"] is False
    assert coupon["per_customer_limit"] == 2 and coupon["usable_weekdays"] == [3]
    assert coupon["merchant_id"] == shop.id
    cid = coupon["id"]
    assert client.get(f"/api/v1/coupons/{cid}").status_code == 404  # not live: hidden from the public
    assert client.get(f"/api/v1/coupons/{cid}", headers=factories.auth(owner)).status_code == 200
    r = client.post(f"/api/v1/coupons/{cid}/submit", headers=factories.auth(owner))
    assert r.status_code == 200 and r.get_json()["status"] == "pending_review"
    approve = {"decision": "approve"}
    r = client.post(f"/api/v1/coupons/{cid}/review", json=approve, headers=factories.auth(owner))
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    r = client.post(f"/api/v1/coupons/{cid}/review", json=approve, headers=factories.auth(staff))
    assert r.status_code == 200
    assert r.get_json()["status"] == "approved" and r.get_json()["live"] is True
    public = client.get(f"/api/v1/coupons/{cid}")
    assert public.status_code == 200 and public.get_json()["remaining"] == 50
    assert public.get_json()["rules"][0] == "满100减20"


def test_rejected_with_a_reason(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    coupon = mf.draft(shop, owner)
    from mall.coupons import services

    services.submit(owner, coupon)
    headers = factories.auth(mf.staff_for(shop))
    r = client.post(f"/api/v1/coupons/{coupon.id}/review", json={"decision": "reject"}, headers=headers)
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = client.post(
        f"/api/v1/coupons/{coupon.id}/review",
        json={"decision": "reject", "reason": "图片模糊"},
        headers=headers,
    )
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert r.get_json()["review_reason"] == "图片模糊"
    r = client.post(f"/api/v1/coupons/{coupon.id}/review", json={"decision": "approve"}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"


def test_validation_errors_name_their_fields(client, db):
    shop = mf.merchant()
    headers = factories.auth(mf.owner(shop))
    bad = {**BODY, "kind": "cash", "amount_fen": 1000, "cap_fen": 500, "cut_fen": None, "threshold_fen": None}
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=bad, headers=headers)
    assert r.status_code == 422
    body = r.get_json()["error"]
    assert body["code"] == "validation_error" and "cap_fen" in body["fields"]
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json={**BODY, "cut_fen": "20"}, headers=headers)
    assert r.status_code == 422 and "cut_fen" in r.get_json()["error"]["fields"]
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json={**BODY, "percent": 3}, headers=headers)
    assert r.status_code == 422 and "percent" in r.get_json()["error"]["fields"]
    now = clock.now_utc()
    window = {
        **BODY,
        "claim_starts_at": (now + timedelta(days=2)).isoformat(),
        "claim_ends_at": (now + timedelta(days=1)).isoformat(),
    }
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=window, headers=headers)
    assert r.status_code == 422 and "claim_ends_at" in r.get_json()["error"]["fields"]
    r = client.post(
        f"/api/v1/merchants/{shop.id}/coupons",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"


def test_only_the_owner_may_create(client, db):
    shop = mf.merchant()
    for user in (mf.customer(), mf.clerk(shop), mf.owner(mf.merchant()), mf.staff_for(shop)):
        r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=BODY, headers=factories.auth(user))
        assert r.status_code == 403, user.role
    assert client.post(f"/api/v1/merchants/{shop.id}/coupons", json=BODY).status_code == 401
    r = client.post("/api/v1/merchants/999999/coupons", json=BODY, headers=factories.auth(mf.customer()))
    assert r.status_code == 404


def test_times_without_offset_are_local_and_come_back_with_offset(client, db):
    shop = mf.merchant()
    body = {**BODY, "claim_starts_at": "2030-01-02T10:00:00", "claim_ends_at": "2030-01-03T10:00:00+08:00"}
    r = client.post(f"/api/v1/merchants/{shop.id}/coupons", json=body, headers=factories.auth(mf.owner(shop)))
    assert r.status_code == 201
    assert r.get_json()["claim_starts_at"] == "2030-01-02T10:00:00+08:00"


def test_patch_edits_a_draft_only(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    headers = factories.auth(owner)
    coupon = mf.draft(shop, owner)
    change = {"stock_total": 5, "title": "新标题"}
    r = client.patch(f"/api/v1/coupons/{coupon.id}", json=change, headers=headers)
    assert r.status_code == 200 and r.get_json()["remaining"] == 5 and r.get_json()["title"] == "新标题"
    client.post(f"/api/v1/coupons/{coupon.id}/submit", headers=headers)
    r = client.patch(f"/api/v1/coupons/{coupon.id}", json={"stock_total": 6}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"


def test_withdraw(client, db):
    coupon = mf.live_coupon()
    url, reason = f"/api/v1/coupons/{coupon.id}/withdraw", {"reason": "停业装修"}
    r = client.post(url, json=reason, headers=factories.auth(mf.customer()))
    assert r.status_code == 404
    r = client.post(url, json=reason, headers=factories.auth(mf.staff_for(coupon.merchant)))
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn" and r.get_json()["live"] is False


def test_status_says_ended_when_the_window_is_over_without_any_job(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(claim_ends_at=mf.at("2026-12-02 11:00"))
    headers = factories.auth(mf.owner(coupon.merchant, "owner-ended"))
    assert client.get(f"/api/v1/coupons/{coupon.id}").get_json()["live"] is True
    clock.freeze(mf.at("2026-12-02 11:00"))
    assert client.get(f"/api/v1/coupons/{coupon.id}").status_code == 404
    body = client.get(f"/api/v1/coupons/{coupon.id}", headers=headers).get_json()
    assert (body["status"], body["live"]) == ("ended", False)


# --- the mall list ---------------------------------------------------------------------------------


@pytest.fixture(params=["sorted", "walked"])
def plan(request, monkeypatch):
    """Both ways of finding a page (sorting few matches, walking the index for many) give one answer."""
    from mall.coupons import services

    if request.param == "walked":
        monkeypatch.setattr(services, "WALK_FROM", 1)
    return request.param


def test_mall_lists_live_coupons_with_filters_and_paging(client, db, plan):
    east, west = factories.district(), factories.district()
    noodles = mf.merchant(east, name="兰州拉面", industry="catering")
    salon = mf.merchant(west, name="Lily Hair Salon", industry="entertainment")
    base = mf.at("2026-01-01 00:00")
    for i in range(5):
        mf.live_coupon(noodles, title=f"拉面满减{i}", approved_at=base + timedelta(hours=i))
    mf.live_coupon(
        salon, kind="discount", percent_off=20, title="Haircut 8折", approved_at=base + timedelta(days=1)
    )
    mf.draft(noodles, title="草稿不显示")
    mf.live_coupon(noodles, title="还没开始", claim_starts_at=clock.now_utc() + timedelta(days=1))
    sold = mf.live_coupon(noodles, title="抢光了", stock_total=1)
    from mall.vouchers import services as vouchers

    vouchers.claim(mf.customer(), sold.id)

    page = client.get("/api/v1/mall/coupons?per_page=4").get_json()
    assert (page["total"], page["page"], page["per_page"]) == (6, 1, 4)
    assert [c["title"] for c in page["items"]] == ["Haircut 8折", "拉面满减4", "拉面满减3", "拉面满减2"]
    assert all(c["live"] for c in page["items"])
    page2 = client.get("/api/v1/mall/coupons?per_page=4&page=2").get_json()
    assert [c["title"] for c in page2["items"]] == ["拉面满减1", "拉面满减0"]

    def titles(query):
        return sorted(c["title"] for c in client.get(f"/api/v1/mall/coupons?{query}").get_json()["items"])

    assert titles(f"district_id={west.id}") == ["Haircut 8折"]
    assert titles("industry=entertainment") == ["Haircut 8折"]
    assert titles("kind=discount") == ["Haircut 8折"]
    assert titles("q=haircut") == ["Haircut 8折"]
    assert titles("q=拉面 4") == ["拉面满减4"]
    assert len(titles("q=餐饮")) == 5  # the trade's Chinese name
    assert len(titles("q=catering")) == 5  # and its English name
    assert titles("q=折扣") == ["Haircut 8折"]  # the kind's Chinese name
    assert titles("q=salon") == ["Haircut 8折"]  # the shop's name
    assert titles("q=100%25") == []  # LIKE wildcards are literal
    r = client.get("/api/v1/mall/coupons?per_page=101")
    assert r.status_code == 422 and "per_page" in r.get_json()["error"]["fields"]
    assert client.get("/api/v1/mall/coupons?kind=bogus").status_code == 422


def test_mall_list_runs_a_fixed_number_of_statements(client, db, app):
    import sqlalchemy as sa
    from sqlalchemy import event

    shop = mf.merchant()
    partner = mf.merchant()

    def count_for(n_coupons):
        for _ in range(n_coupons):
            mf.live_coupon(shop, partner_merchant_ids=[partner.id])
        with app.app_context():
            totals.forget()  # each size counts afresh (a recent count would save one statement)
        statements = []

        def listen(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", listen)
        try:
            r = client.get("/api/v1/mall/coupons?per_page=100")
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        assert r.status_code == 200
        return len([s for s in statements if not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))])

    few = count_for(3)
    many = count_for(40)
    assert few == many, (few, many)
    assert many <= 5
    assert sa is not None


def test_the_total_is_counted_at_most_every_few_seconds_and_always_right_on_a_short_page(client, db, app):
    from sqlalchemy import event

    shop = mf.merchant()
    for _ in range(25):
        mf.live_coupon(shop)
    db.session.commit()
    statements = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    def listed(path):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            r = client.get(path)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert r.status_code == 200
        return r.get_json()["total"], sum("count(" in s for s in statements)

    assert listed("/api/v1/mall/coupons?per_page=10") == (25, 1)
    assert listed("/api/v1/mall/coupons?per_page=10&page=2") == (25, 0)  # the recent count
    # A short last page knows the total without a count, and corrects the copy.
    mf.live_coupon(shop)
    db.session.commit()
    assert listed("/api/v1/mall/coupons?per_page=10&page=3") == (26, 0)
    assert listed("/api/v1/mall/coupons?per_page=10") == (26, 0)
    # Another filter has a count of its own.
    assert listed("/api/v1/mall/coupons?per_page=10&kind=threshold_cut")[1] == 1
    # A write request served by this process drops every copy.
    client.post("/api/v1/auth/tokens", json={"username": "nobody", "password": "wrong password"})
    assert listed("/api/v1/mall/coupons?per_page=10") == (26, 1)
    # Past the end by an older count (coupons ended elsewhere): counted again, pages as they are.
    db.session.execute(
        sa.update(Coupon).where(Coupon.id.in_(sa.select(Coupon.id).limit(12))).values(status="ended")
    )
    db.session.commit()
    assert listed("/api/v1/mall/coupons?per_page=10")[0] == 26  # a full page: the recent count
    assert listed("/api/v1/mall/coupons?per_page=10&page=3") == (14, 1)
    # Switched off, every list counts.
    app.config["MALL_TOTAL_CACHE_SECONDS"] = 0
    assert listed("/api/v1/mall/coupons?per_page=10")[1] == 1
    assert listed("/api/v1/mall/coupons?per_page=10")[1] == 1

"""The demo grows: live coupons of every kind across the active merchants, and the demo customers
holding vouchers in every state; running it again changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

import wsgi
from alliance.core import clock
from mall.coupons import demo as coupons_demo
from mall.coupons import rules
from mall.coupons.models import Coupon, CouponStatus
from mall.vouchers.models import Voucher
from tests.mall import factories as mf


def run_demo(db):
    """Every demo step but the alliance's own merchants: each test makes the merchants it counts on."""
    from alliance.merchants import demo as merchants_demo

    logins = []
    for step in wsgi.DEMO:
        if step is merchants_demo.seed:
            continue
        logins.extend(step() or [])
        db.session.commit()
    return logins


def snapshot(db):
    coupons = db.session.scalar(sa.select(sa.func.count(Coupon.id)))
    rows = db.session.execute(
        sa.select(Voucher.user_id, Voucher.status, sa.func.count(Voucher.id)).group_by(
            Voucher.user_id, Voucher.status
        )
    ).all()
    return coupons, sorted(rows)


def test_without_active_merchants_the_mall_demo_does_nothing(app, db):
    mf.merchant(status="pending")
    run_demo(db)
    assert db.session.scalar(sa.select(sa.func.count(Coupon.id))) == 0


def test_the_demo_fills_the_mall_and_is_idempotent(app, db):
    shops = [mf.merchant() for _ in range(3)]
    mf.owner(shops[0])
    db.session.commit()
    run_demo(db)
    now = clock.now_utc()
    live = [c for c in db.session.scalars(sa.select(Coupon)) if rules.is_live(c, now)]
    assert {c.kind for c in live} == {"threshold_cut", "discount", "cash", "gift", "cashback"}
    assert {c.merchant_id for c in live} == {s.id for s in shops}
    from alliance.accounts.models import User

    for name in ("alice", "bob"):
        user = db.session.scalar(sa.select(User).where(User.username == name))
        states = {v.status for v in db.session.scalars(sa.select(Voucher).where(Voucher.user_id == user.id))}
        assert states == {"active", "redeemed", "expired"}, name
    before = snapshot(db)
    run_demo(db)
    assert snapshot(db) == before


def test_the_demo_leaves_new_offers_for_staff_to_review(app, db):
    for _ in range(3):
        mf.merchant()
    db.session.commit()
    run_demo(db)
    waiting = db.session.scalars(sa.select(Coupon).where(Coupon.status == CouponStatus.PENDING_REVIEW)).all()
    assert 1 <= len(waiting) <= 2
    assert all(c.submitted_at is not None and c.reviewed_at is None for c in waiting)
    run_demo(db)
    again = db.session.scalars(sa.select(Coupon.id).where(Coupon.status == CouponStatus.PENDING_REVIEW)).all()
    assert sorted(again) == sorted(c.id for c in waiting)


def test_every_shop_gets_offers_of_its_own_trade(app, db):
    restaurant = mf.merchant(industry="catering")
    salon = mf.merchant(industry="entertainment")
    salon.store_type = "beauty"
    courier = mf.merchant(industry="logistics")
    courier.store_type = "franchise"
    db.session.commit()
    run_demo(db)

    def titles(shop, trade):
        mine = set(db.session.scalars(sa.select(Coupon.title).where(Coupon.merchant_id == shop.id)))
        allowed = {o["title"] for o in coupons_demo.OFFERS[trade]} | {coupons_demo.NEW_OFFERS[trade]["title"]}
        assert mine and mine <= allowed, (shop.name, mine - allowed)
        return mine

    assert "到店送饮品一杯" in titles(restaurant, "food")
    assert not {"到店送饮品一杯", "周三午市半价"} & (titles(salon, "beauty") | titles(courier, "courier"))

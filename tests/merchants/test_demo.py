"""The demo: every format, most trades and shops, all five tiers, applications waiting, prospects;
and running it again changes nothing."""

import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.branches import demo as branches_demo
from alliance.merchants import demo
from alliance.merchants.models import Merchant, MerchantFigures, Prospect, TierChange
from alliance.notifications.models import Notification


def test_the_demo_fills_the_alliance_and_can_run_again(app, db):
    branches_demo.seed()
    logins = demo.seed()
    db.session.commit()
    assert ("merchant", "owner1", "demo12345") in logins and ("clerk", "clerk1", "demo12345") in logins

    merchants = db.session.scalars(sa.select(Merchant)).all()
    active = [m for m in merchants if m.status == "active"]
    assert {m.format for m in merchants} == {
        "supermarket",
        "shopping_district",
        "specialised_market",
        "street_shop",
    }
    assert len({m.industry for m in active}) == 10
    assert len({m.store_type for m in active} - {"other"}) >= 7
    assert {m.tier for m in active} == {"A", "B", "C", "D", "E"}
    assert {m.district.name for m in active} == {"万达广场商圈", "老街商圈", "大学城商圈", "西湖商圈"}
    assert sum(m.status == "pending" for m in merchants) == 3
    assert {"rejected", "suspended"} <= {m.status for m in merchants}
    owners = db.session.scalars(sa.select(User).where(User.role == "merchant")).all()
    assert {o.merchant_id for o in owners} == {m.id for m in merchants}
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "clerk")) == 3
    assert db.session.scalar(sa.select(sa.func.count(Prospect.id))) == 5

    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in (Merchant, MerchantFigures, TierChange, Prospect, User)
    ]
    assert demo.seed() == logins
    db.session.commit()
    again = [
        db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in (Merchant, MerchantFigures, TierChange, Prospect, User)
    ]
    assert again == counts


def test_staff_are_asked_to_review_only_the_applications_still_pending(app, db):
    branches_demo.seed()
    demo.seed()
    db.session.commit()
    unread = db.session.scalars(
        sa.select(Notification).where(
            Notification.kind == "merchant_application", Notification.read_at.is_(None)
        )
    ).all()
    pending = db.session.scalars(sa.select(Merchant).where(Merchant.status == "pending")).all()
    assert sorted(n.params["merchant"] for n in unread) == sorted(m.name for m in pending)
    staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
    assert sum(n.user_id == staff.id for n in unread) == 2  # 甜心烘焙 and 万达数码, in 城东支行
    ids = {m.name: m.id for m in pending}
    assert all(n.link == f"/staff/merchants/{ids[n.params['merchant']]}" for n in unread)

    demo.seed()
    db.session.commit()
    again = db.session.scalars(
        sa.select(Notification.id).where(
            Notification.kind == "merchant_application", Notification.read_at.is_(None)
        )
    ).all()
    assert sorted(again) == sorted(n.id for n in unread)

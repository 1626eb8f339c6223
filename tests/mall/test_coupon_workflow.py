"""Draft -> pending review -> approved / rejected -> withdrawn / ended: who may take each step, and
that every step is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.audit.models import AuditEvent
from alliance.core import clock
from alliance.core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from mall.coupons import rules
from mall.coupons import services as coupons
from tests import factories
from tests.mall import factories as mf


def actions(coupon) -> list[str]:
    from alliance.core.extensions import db

    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_type == "coupons", AuditEvent.subject_id == coupon.id)
            .order_by(AuditEvent.id)
        )
    )


def test_the_whole_workflow_is_audited(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    coupon = mf.draft(shop, owner)
    assert coupon.status == "draft" and coupon.stock_remaining == 100
    coupons.submit(owner, coupon)
    assert coupon.status == "pending_review"
    coupons.review(staff, coupon, "reject", "标题不清楚")
    assert coupon.status == "rejected" and coupon.review_reason == "标题不清楚"
    coupons.update_coupon(owner, coupon, {**mf.DEFAULTS, "title": "满100减20 午市"})
    assert coupon.status == "draft"
    coupons.submit(owner, coupon)
    coupons.review(staff, coupon, "approve")
    assert coupon.status == "approved" and rules.is_live(coupon, clock.now_utc())
    coupons.withdraw(owner, coupon, "活动取消")
    assert coupon.status == "withdrawn" and not rules.is_live(coupon, clock.now_utc())
    assert actions(coupon) == [
        "coupon.create",
        "coupon.submit",
        "coupon.reject",
        "coupon.update",
        "coupon.submit",
        "coupon.approve",
        "coupon.withdraw",
    ]


def test_a_merchant_cannot_approve_itself(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    coupon = mf.draft(shop, owner)
    coupons.submit(owner, coupon)
    with pytest.raises(Forbidden):
        coupons.review(owner, coupon, "approve")
    with pytest.raises(Forbidden):
        coupons.review(mf.clerk(shop), coupon, "approve")
    assert coupon.status == "pending_review"


def test_only_staff_of_the_merchants_branch_review(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    coupon = mf.draft(shop, owner)
    coupons.submit(owner, coupon)
    other_staff = factories.user("staff")
    with pytest.raises(NotFound):
        coupons.review(other_staff, coupon, "approve")
    coupons.review(factories.user("admin"), coupon, "approve")
    assert coupon.status == "approved"


def test_rejecting_needs_a_reason(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    coupon = mf.draft(shop, owner)
    coupons.submit(owner, coupon)
    with pytest.raises(ValidationFailed) as info:
        coupons.review(mf.staff_for(shop), coupon, "reject", "  ")
    assert "reason" in info.value.fields


def test_steps_out_of_order_are_invalid_state(db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    coupon = mf.draft(shop, owner)
    with pytest.raises(InvalidState):
        coupons.review(staff, coupon, "approve")
    with pytest.raises(InvalidState):
        coupons.withdraw(owner, coupon)
    coupons.submit(owner, coupon)
    with pytest.raises(InvalidState):
        coupons.submit(owner, coupon)
    with pytest.raises(InvalidState):
        coupons.update_coupon(owner, coupon, mf.DEFAULTS)
    coupons.review(staff, coupon, "approve")
    with pytest.raises(InvalidState):
        coupons.update_coupon(owner, coupon, mf.DEFAULTS)
    with pytest.raises(InvalidState):
        coupons.review(staff, coupon, "approve")


def test_only_the_owner_creates_and_edits(db):
    shop = mf.merchant()
    other_owner = mf.owner(mf.merchant())
    with pytest.raises(Forbidden):
        coupons.create_coupon(other_owner, shop.id, mf.DEFAULTS)
    with pytest.raises(Forbidden):
        coupons.create_coupon(mf.clerk(shop), shop.id, mf.DEFAULTS)
    coupon = mf.draft(shop)
    with pytest.raises(NotFound):
        coupons.update_coupon(other_owner, coupon, mf.DEFAULTS)
    with pytest.raises(NotFound):
        coupons.create_coupon(other_owner, 999999, mf.DEFAULTS)


def test_an_inactive_merchant_cannot_submit_and_its_live_coupons_stop(db):
    shop = mf.merchant(status="pending")
    owner = mf.owner(shop)
    with pytest.raises(Forbidden):  # a pending application writes no coupons at all (API.md)
        mf.draft(shop, owner)
    shop.status = "active"
    coupon = mf.draft(shop, owner)
    shop.status = "suspended"
    with pytest.raises(InvalidState):
        coupons.submit(owner, coupon)
    live = mf.live_coupon(mf.merchant())
    assert rules.is_live(live, clock.now_utc())
    live.merchant.status = "suspended"
    assert not rules.is_live(live, clock.now_utc())


def test_staff_withdraw_an_approved_coupon(db):
    coupon = mf.live_coupon()
    coupons.withdraw(mf.staff_for(coupon.merchant), coupon, "投诉")
    assert coupon.status == "withdrawn"


def test_partners_must_be_active_merchants(db):
    shop = mf.merchant()
    partner = mf.merchant()
    inactive = mf.merchant(status="pending")
    coupon = mf.draft(shop, partner_merchant_ids=[partner.id])
    assert coupon.partner_merchant_ids == [partner.id]
    with pytest.raises(ValidationFailed) as info:
        mf.draft(shop, partner_merchant_ids=[inactive.id])
    assert "partner_merchant_ids" in info.value.fields


def test_the_end_job_materialises_what_the_clock_already_says(db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(claim_ends_at=mf.at("2026-12-02 12:00"))
    assert rules.display_status(coupon, clock.now_utc()) == "approved"
    clock.advance(timedelta(hours=2))
    assert rules.display_status(coupon, clock.now_utc()) == "ended"
    assert not rules.is_live(coupon, clock.now_utc())
    assert coupons.end_finished() == 1
    assert coupons.end_finished() == 0
    db.session.refresh(coupon)
    assert coupon.status == "ended"


def test_visibility_of_a_coupon(db):
    coupon = mf.draft()
    customer = mf.customer()
    with pytest.raises(NotFound):
        coupons.get_visible(customer, coupon.id)
    with pytest.raises(NotFound):
        coupons.get_visible(None, coupon.id)
    assert coupons.get_visible(mf.staff_for(coupon.merchant), coupon.id) is coupon
    assert coupons.get_visible(mf.clerk(coupon.merchant), coupon.id) is coupon
    live = mf.live_coupon()
    assert coupons.get_visible(None, live.id) is live

"""Joining and leaving: every decision audited, the people concerned told, and only active
members may trade (publish offers, redeem vouchers)."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from alliance.audit.models import AuditEvent
from alliance.core.errors import DomainError, Forbidden, InvalidState, NotFound, ValidationFailed
from alliance.merchants import services
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.services import membership
from alliance.notifications.models import Notification
from tests import factories
from tests.merchants import factories as mf


@pytest.fixture
def branch_staff(db):
    branch = factories.branch()
    district = factories.district(branch)
    staff = factories.user("staff", branch_id=branch.id)
    return branch, district, staff


def actions(db, merchant):
    return [
        (e.action, e.actor_id, e.reason)
        for e in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject_type == "merchants", AuditEvent.subject_id == merchant.id)
            .order_by(AuditEvent.id)
        )
    ]


@pytest.mark.parametrize(
    "status",
    [
        MerchantStatus.PENDING,
        MerchantStatus.REJECTED,
        MerchantStatus.SUSPENDED,
        MerchantStatus.REMOVED,
        "left",
    ],
)
def test_only_active_members_can_trade(db, branch_staff, status):
    _, district, _ = branch_staff
    merchant = mf.merchant(district, status if status != "left" else MerchantStatus.ACTIVE)
    if status == "left":
        membership.leave(mf.owner_of(merchant), "closing down")
    with pytest.raises(services.MerchantCannotTrade) as caught:
        services.ensure_can_trade(merchant)
    assert isinstance(caught.value, InvalidState) and caught.value.code == "invalid_state"
    with force_locale("en"):
        assert "cannot publish offers or redeem vouchers" in str(caught.value.message)
    assert not services.can_trade(merchant)


def test_an_active_member_can_trade(db, branch_staff):
    merchant = mf.merchant(branch_staff[1])
    services.ensure_can_trade(merchant)
    assert services.can_trade(merchant)
    with pytest.raises(services.MerchantCannotTrade):
        services.ensure_can_trade(None)


def test_the_pending_message_says_why_in_chinese_by_default(app, db, branch_staff):
    merchant = mf.merchant(branch_staff[1], MerchantStatus.PENDING)
    with app.test_request_context("/"), pytest.raises(DomainError) as caught:
        services.ensure_can_trade(merchant)
    with app.test_request_context("/"):
        assert "审核" in str(caught.value.message)


def test_applying_tells_the_branch_staff_and_is_audited(db, branch_staff):
    _, district, staff = branch_staff
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    owner = mf.owner_of(merchant)
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == staff.id)).all()
    assert [n.kind for n in notes] == ["merchant_application"] and notes[0].params[
        "merchant"
    ] == merchant.name
    assert actions(db, merchant) == [("merchant.apply", owner.id, None)]


def test_approval_records_who_and_tells_the_owner_and_makes_them_account_manager(db, branch_staff):
    _, district, staff = branch_staff
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    membership.review(staff, merchant.id, "approve")
    assert merchant.status == "active" and merchant.status_changed_at is not None
    assert actions(db, merchant)[-1] == ("merchant.approve", staff.id, None)
    owner = mf.owner_of(merchant)
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == owner.id)).all()
    assert kinds == ["merchant_approved"]
    from alliance.merchants.services import cashflow

    assert cashflow.care_for(merchant.id).account_manager_id == staff.id


def test_rejection_needs_a_reason_that_the_owner_is_told(db, branch_staff):
    _, district, staff = branch_staff
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    with pytest.raises(ValidationFailed):
        membership.review(staff, merchant.id, "reject", "   ")
    membership.review(staff, merchant.id, "reject", "照片不清晰")
    assert merchant.status == "rejected" and merchant.status_reason == "照片不清晰"
    assert actions(db, merchant)[-1] == ("merchant.reject", staff.id, "照片不清晰")
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "merchant_rejected"))
    assert note.params["reason"] == "照片不清晰"


def test_staff_of_another_branch_cannot_review(db, branch_staff):
    merchant = mf.merchant(branch_staff[1], MerchantStatus.PENDING)
    other = factories.user("staff")
    with pytest.raises(NotFound):
        membership.review(other, merchant.id, "approve")
    active = mf.merchant(branch_staff[1])
    with pytest.raises(Forbidden):
        membership.suspend(other, active.id, "no")
    assert merchant.status == "pending" and active.status == "active"


def test_suspend_reinstate_remove_each_with_reason_and_audit(db, branch_staff):
    _, district, staff = branch_staff
    merchant = mf.merchant(district, reviewer=staff)
    with pytest.raises(ValidationFailed):
        membership.suspend(staff, merchant.id, "")
    membership.suspend(staff, merchant.id, "投诉较多")
    assert merchant.status == "suspended" and merchant.status_reason == "投诉较多"
    with pytest.raises(InvalidState):
        membership.suspend(staff, merchant.id, "again")
    membership.reinstate(staff, merchant.id)
    assert merchant.status == "active" and merchant.status_reason is None
    membership.remove(staff, merchant.id, "停业")
    assert merchant.status == "removed"
    with pytest.raises(InvalidState):
        membership.reinstate(staff, merchant.id)
    assert [a for a, _, _ in actions(db, merchant)][-3:] == [
        "merchant.suspend",
        "merchant.reinstate",
        "merchant.remove",
    ]


def test_the_owner_leaves_and_a_clerk_cannot(db, branch_staff):
    merchant = mf.merchant(branch_staff[1])
    owner = mf.owner_of(merchant)
    clerk = factories.user("clerk", merchant_id=merchant.id)
    with pytest.raises(Forbidden):
        membership.leave(clerk, "no")
    membership.leave(owner, "搬迁")
    assert merchant.status == "left" and merchant.status_reason == "搬迁"
    with pytest.raises(InvalidState):
        membership.leave(owner)


def test_after_rejection_the_owner_sends_the_application_again(db, branch_staff):
    _, district, staff = branch_staff
    merchant = mf.merchant(district, MerchantStatus.REJECTED)
    owner = mf.owner_of(merchant)
    membership.resubmit(owner)
    assert merchant.status == "pending" and merchant.status_reason is None
    with pytest.raises(InvalidState):
        membership.resubmit(owner)
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == staff.id)).all()
    assert kinds.count("merchant_application") == 2


def test_two_reviews_of_one_application_decide_once(db, branch_staff):
    """The status moves with one conditional UPDATE: a stale copy cannot decide a second time."""
    _, district, staff = branch_staff
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    db.session.commit()
    db.session.execute(
        sa.update(type(merchant)).where(type(merchant).id == merchant.id).values(status="active")
    )
    with pytest.raises(InvalidState):
        membership.review(staff, merchant.id, "reject", "too late")

"""The alliance's scheduled work: monthly re-tiering and the cash-flow day reminders."""

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

import wsgi
from alliance.core import clock
from alliance.merchants import jobs
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant, TierChange
from alliance.merchants.services import cashflow
from alliance.notifications.models import Notification
from tests import factories
from tests.merchants import factories as mf


def at(day: date, hour: int = 9):
    clock.freeze(clock.local_datetime_utc(day, time(hour)))


@pytest.fixture
def east(db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    manager = factories.user("staff", branch_id=branch.id)
    colleague = factories.user("staff", branch_id=branch.id)
    return branch, district, manager, colleague


def reminders(db):
    return db.session.execute(
        sa.select(Notification.user_id, Notification.kind, Notification.params).order_by(Notification.id)
    ).all()


def cash_notes(db):
    return [r for r in reminders(db) if r.kind.startswith("cashflow")]


def test_both_jobs_are_registered_with_stable_ids_in_local_time():
    found = {job.id: job for job in wsgi.JOBS}
    assert found["merchants.retier"].func is jobs.retier_all
    assert found["merchants.retier"].trigger == "cron" and found["merchants.retier"].schedule["day"] == 1
    assert found["merchants.cashflow"].func is jobs.cashflow_reminders
    assert found["merchants.cashflow"].schedule == {"hour": 9, "minute": 0}


def test_the_monthly_job_retiers_commits_and_changes_nothing_on_a_rerun(app, db, east):
    branch, district, *_ = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    mf.set_figures(merchant, acquiring_volume=400 * mf.WAN)
    db.session.execute(sa.update(Merchant).values(tier="E", service_level="e"))
    db.session.commit()
    assert jobs.retier_all() == {"tier_changes": 1}
    db.session.rollback()  # what the job wrote was committed by the job itself
    assert db.session.get(Merchant, merchant.id).tier == "A"
    rows = db.session.scalar(sa.select(sa.func.count(TierChange.id)))
    assert jobs.retier_all() == {"tier_changes": 0}
    assert db.session.scalar(sa.select(sa.func.count(TierChange.id))) == rows
    last = db.session.scalars(sa.select(TierChange).order_by(TierChange.id.desc())).first()
    assert last.reason == "monthly" and last.actor_id is None


def test_the_account_manager_is_reminded_the_day_before_and_only_once(app, db, east):
    _branch, district, manager, colleague = east
    merchant = mf.merchant(district, name="老王面馆", reviewer=colleague)
    cashflow.set_care(manager, merchant.id, account_manager_id=manager.id, collection_day=10, payment_day=25)
    db.session.commit()
    at(date(2026, 11, 8))
    assert jobs.cashflow_reminders() == {"reminders": 0}
    at(date(2026, 11, 9))
    assert jobs.cashflow_reminders() == {"reminders": 1}
    assert jobs.cashflow_reminders() == {"reminders": 0}
    at(
        date(
            2026,
            11,
            9,
        ),
        18,
    )
    assert jobs.cashflow_reminders() == {"reminders": 0}
    [note] = cash_notes(db)
    assert note.user_id == manager.id and note.kind == "cashflow_collection"
    assert note.params == {"merchant": "老王面馆", "day_on": "2026-11-10"}
    at(date(2026, 11, 24))
    assert jobs.cashflow_reminders() == {"reminders": 1}
    assert [n.kind for n in cash_notes(db)] == ["cashflow_collection", "cashflow_payment"]


def test_day_31_falls_on_the_last_day_of_a_short_month(app, db, east):
    _, district, manager, _ = east
    merchant = mf.merchant(district)
    cashflow.set_care(
        manager, merchant.id, account_manager_id=manager.id, collection_day=31, payment_day=None
    )
    db.session.commit()
    at(date(2026, 11, 28))  # November has 30 days: the 31st is the 30th
    assert jobs.cashflow_reminders() == {"reminders": 0}
    at(date(2026, 11, 29))
    assert jobs.cashflow_reminders() == {"reminders": 1}
    at(date(2027, 2, 27))  # February 2027 ends on the 28th
    assert jobs.cashflow_reminders() == {"reminders": 1}
    at(date(2026, 12, 30))
    assert jobs.cashflow_reminders() == {"reminders": 1}
    assert [n.params["day_on"] for n in cash_notes(db)] == ["2026-11-30", "2027-02-28", "2026-12-31"]


def test_without_an_account_manager_the_branch_staff_hear_of_it(app, db, east):
    _branch, district, manager, colleague = east
    merchant = mf.merchant(district)
    cashflow.set_care(manager, merchant.id, account_manager_id=None, collection_day=5, payment_day=5)
    factories.user("staff")  # another branch: not told
    db.session.commit()
    at(date(2026, 11, 4))
    assert jobs.cashflow_reminders() == {"reminders": 4}
    assert sorted((n.user_id, n.kind) for n in cash_notes(db)) == sorted(
        [
            (manager.id, "cashflow_collection"),
            (manager.id, "cashflow_payment"),
            (colleague.id, "cashflow_collection"),
            (colleague.id, "cashflow_payment"),
        ]
    )


@pytest.mark.parametrize("status", [MerchantStatus.SUSPENDED, MerchantStatus.REMOVED])
def test_only_active_members_are_reminded(app, db, east, status):
    _, district, manager, _ = east
    merchant = mf.merchant(district)
    cashflow.set_care(manager, merchant.id, account_manager_id=manager.id, collection_day=5, payment_day=None)
    merchant.status = status
    db.session.commit()
    at(date(2026, 11, 4))
    assert jobs.cashflow_reminders() == {"reminders": 0}


def test_cash_flow_days_and_manager_are_checked(db, east):
    from alliance.core.errors import ValidationFailed

    _, district, manager, _ = east
    merchant = mf.merchant(district)
    stranger = factories.user("staff")
    with pytest.raises(ValidationFailed) as caught:
        cashflow.set_care(
            manager, merchant.id, account_manager_id=stranger.id, collection_day=0, payment_day=32
        )
    assert set(caught.value.fields) == {"account_manager_id", "collection_day", "payment_day"}


def test_the_reminder_reads_well_in_the_inbox(app, db, east, client):
    _, district, manager, _ = east
    merchant = mf.merchant(district, name="老王面馆")
    cashflow.set_care(
        manager, merchant.id, account_manager_id=manager.id, collection_day=10, payment_day=None
    )
    db.session.commit()
    at(date(2026, 11, 9))
    jobs.cashflow_reminders()
    factories.login(client, manager)
    page = client.get("/inbox").get_data(as_text=True)
    assert "明天是 老王面馆 的回款日" in page and "2026年11月10日" in page


def test_upcoming_days_for_the_staff_desk(db, east):
    _, district, manager, _ = east
    merchant = mf.merchant(district)
    cashflow.set_care(manager, merchant.id, account_manager_id=manager.id, collection_day=12, payment_day=3)
    at(date(2026, 11, 10))
    found = [(x["on"], x["kind"]) for x in cashflow.upcoming(manager)]
    assert found == [(date(2026, 11, 12), "cashflow_collection")]
    assert isinstance(datetime.now(), datetime)


def test_a_refusal_inside_a_job_renders_its_message_in_english(app, db, east):
    from alliance.merchants import services

    merchant = mf.merchant(east[1], MerchantStatus.PENDING)
    with pytest.raises(services.MerchantCannotTrade) as caught:
        services.ensure_can_trade(merchant)
    assert "still being reviewed" in str(caught.value)

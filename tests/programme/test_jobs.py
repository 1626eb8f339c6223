"""The programme's jobs: idempotent, and a catch-up after three missed daily rollovers leaves the
same state as a server that never stopped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.scheduler import runner
from alliance.core.scheduler.models import JobRun
from alliance.core.scheduler.triggers import build_trigger
from alliance.notifications.models import Notification
from mall.programme import jobs, registrations
from mall.programme.constants import EntryKind
from mall.programme.models import DailyFigures, ProgrammeEntry
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()
PROGRAMME_JOBS = [jobs.ROLLOVER, jobs.EVENT_REMINDERS, jobs.FIGURES]


def local(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH).astimezone(UTC)


@pytest.fixture
def world(app, db):
    """Sunday 6 December 2026, 22:00 local: a programme with a festival from Tuesday, a Wednesday
    event a customer registered for, a merchant owner, and the jobs run as a live server had run them."""
    app.extensions["alliance.jobs"] = PROGRAMME_JOBS
    clock.freeze(local(2026, 12, 6, 22))
    branch = factories.branch()
    district = factories.district(branch)
    staff = pf.staff_of(branch)
    shop = pf.merchant(district, "Noodle House")
    owner = factories.user("merchant", merchant_id=shop.id)
    customer = factories.user("customer")
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="Food month", merchants=[shop])
    pf.entry(
        staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[3], title="Half-price Wed"
    )
    pf.entry(
        staff,
        EntryKind.FESTIVAL,
        date(2026, 12, 8),
        last_day=date(2026, 12, 12),
        title="Mall fest",
        merchants=[shop],
    )
    event = pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 2),
        repeats="weekly",
        weekdays=[3],
        title="Lecture",
        capacity=30,
    )
    registrations.register(customer, event.id, local(2026, 12, 9, 19))
    db.session.commit()
    for job in PROGRAMME_JOBS:
        assert runner.execute(job.id) == "ok"
    db.session.commit()
    return {"owner": owner, "customer": customer}


def _fires_between(job, start: datetime, end: datetime) -> list[datetime]:
    trigger = build_trigger(job, SH)
    found, previous = [], None
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end:
        if moment > start:
            found.append(moment)
        previous = moment
        moment = trigger.get_next_fire_time(previous, previous + timedelta(microseconds=1))
    return found


def _state(db) -> dict:
    db.session.expire_all()
    found = {
        "phases": sorted(db.session.execute(sa.select(ProgrammeEntry.title, ProgrammeEntry.phase)).all()),
        "notifications": sorted(
            (n.user_id, n.kind, n.dedupe_key, tuple(sorted(n.params.items())))
            for n in db.session.scalars(sa.select(Notification))
        ),
        "figures": sorted(
            (
                f.day,
                f.branch_id,
                f.entries_live,
                f.occurrences,
                f.registrations_new,
                f.attendees_expected,
                f.checkins,
            )
            for f in db.session.scalars(sa.select(DailyFigures))
        ),
    }
    db.session.rollback()  # end the read, so other sessions may write
    return found


def _rewind(db, snapshot_phases, since: datetime) -> None:
    """Back to Sunday 23:00: what the jobs wrote since is undone."""
    for title, phase in snapshot_phases:
        db.session.execute(sa.update(ProgrammeEntry).where(ProgrammeEntry.title == title).values(phase=phase))
    db.session.execute(sa.delete(Notification).where(Notification.created_at > since))
    db.session.execute(sa.delete(DailyFigures).where(DailyFigures.computed_at > since))
    db.session.execute(sa.delete(JobRun).where(JobRun.started_at > since))
    db.session.commit()


def test_catch_up_after_three_missed_rollovers_equals_a_server_that_never_stopped(world, app, db):
    before = _state(db)
    baseline_runs = db.session.scalar(sa.select(sa.func.count(JobRun.id)))
    down_at, back_at = local(2026, 12, 6, 23), local(2026, 12, 9, 8)

    # A server that never stopped fires every job at each of its times.
    fires = sorted((t, job.id) for job in PROGRAMME_JOBS for t in _fires_between(job, down_at, back_at))
    assert sum(1 for _t, j in fires if j == "programme.rollover") == 3
    for moment, job_id in fires:
        clock.freeze(moment + timedelta(seconds=2))
        assert runner.execute(job_id) == "ok"
    never_stopped = _state(db)

    # The same days, with the server down from Sunday 23:00 to Wednesday 08:00.
    _rewind(db, before["phases"], down_at)
    assert _state(db) == before
    clock.freeze(back_at)
    db.session.rollback()
    runner.bind(app)
    outcomes = runner.catch_up()
    assert outcomes == {job.id: "ok" for job in PROGRAMME_JOBS}
    # A second start (or a second scheduler) finds every slot served.
    assert set(runner.catch_up().values()) == {"served"}
    db.session.rollback()
    caught_up = _state(db)
    runs = db.session.scalars(sa.select(JobRun.job_id).where(JobRun.started_at >= back_at)).all()
    assert sorted(runs) == sorted(job.id for job in PROGRAMME_JOBS)
    assert db.session.scalar(sa.select(sa.func.count(JobRun.id))) == baseline_runs + 3

    assert caught_up == never_stopped
    # And the state is the one wanted: the festival live, its merchant told, the reminder sent,
    # the three missed days rolled up.
    assert ("Mall fest", "live") in caught_up["phases"]
    kinds = [(user, kind) for user, kind, _key, _params in caught_up["notifications"]]
    assert (world["owner"].id, "programme.campaign_live") in kinds
    assert (world["customer"].id, "programme.event_reminder") in kinds
    days = {d for d, *_rest in caught_up["figures"]}
    assert {date(2026, 12, 6), date(2026, 12, 7), date(2026, 12, 8)} <= days
    assert date(2026, 12, 9) not in days


def test_jobs_are_idempotent(world, db):
    clock.freeze(local(2026, 12, 8, 10))
    first = {job.id: job.func() for job in PROGRAMME_JOBS}
    state = _state(db)
    second = {job.id: job.func() for job in PROGRAMME_JOBS}
    assert _state(db) == state
    assert first["programme.event_reminders"] == {"sent": 1}
    assert second["programme.event_reminders"] == {"sent": 0}
    assert second["programme.rollover"]["phase_changes"] == 0


def test_a_reminder_is_not_sent_before_nine_the_day_before_nor_after_the_start(world, db):
    clock.freeze(local(2026, 12, 8, 8, 59))
    assert jobs.event_reminders() == {"sent": 0}
    clock.freeze(local(2026, 12, 9, 19, 1))
    assert jobs.event_reminders() == {"sent": 0}
    clock.freeze(local(2026, 12, 9, 18, 0))
    assert jobs.event_reminders() == {"sent": 1}


def test_figures_count_the_day(world, db):
    clock.freeze(local(2026, 12, 10, 2))
    jobs.figures_rollup()
    rows = {f.day: f for f in db.session.scalars(sa.select(DailyFigures))}
    assert rows[date(2026, 12, 6)].registrations_new == 1
    wednesday = rows[date(2026, 12, 9)]
    # The theme, the Wednesday deal, the festival and the lecture all ran on Wednesday the 9th.
    assert wednesday.entries_live == 4
    assert wednesday.attendees_expected == 1
    assert wednesday.occurrences == 2  # the deal's day and the lecture start that day

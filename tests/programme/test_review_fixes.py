"""What a UX review asked for: every job described in Chinese, recurrences in words, phone-sized event
rows that keep the time and the button on one line, and cancelled dates shown to customers."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from alliance.core import clock
from alliance.core.extensions import db
from mall.programme import recurrence, services
from mall.programme.constants import EntryKind
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def staff(db):
    clock.freeze(datetime(2026, 12, 2, 10, tzinfo=SH))  # a Wednesday
    branch = factories.branch("城东支行")
    factories.district(branch, "万达广场商圈")
    return pf.staff_of(branch)


def test_every_declared_job_is_described_in_chinese_on_the_health_page(staff, client, app):
    jobs = app.extensions["alliance.jobs"]
    assert {"merchants.retier", "merchants.cashflow", "mall.expire_vouchers"} <= {j.id for j in jobs}
    factories.login(client, staff)
    page = client.get("/admin/scheduler").get_data(as_text=True)
    assert "Mark vouchers past their validity as expired" not in page
    for job in jobs:
        card = re.search(
            rf'data-job="{re.escape(job.id)}">.*?<div class="fw-semibold">([^<]*)</div>', page, re.S
        )
        assert card, job.id
        text = card.group(1)
        assert CJK.search(text) and not re.search(r"[A-Za-z]", text), (job.id, text)


@pytest.mark.parametrize(
    ("choice", "first_day", "weekdays", "words"),
    [
        ("weekly", date(2026, 12, 8), [2], "每周二"),
        ("weekly", date(2026, 12, 8), [2, 4], "每周二和周四"),
        ("weekdays", date(2026, 12, 7), None, "每个工作日"),
        ("monthly_nth", date(2026, 12, 7), None, "每月第一个周一"),
        ("monthly_nth", date(2026, 12, 29), None, "每月最后一个周二"),
        ("monthly_day", date(2026, 12, 15), None, "每月15日"),
        ("daily", date(2026, 12, 7), None, "每天"),
    ],
)
def test_staff_see_the_recurrence_in_words_not_the_rrule(staff, client, choice, first_day, weekdays, words):
    event = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, first_day, repeats=choice, weekdays=weekdays, title="讲座"
    )
    factories.login(client, staff)
    page = client.get(f"/staff/programme/entries/{event.id}").get_data(as_text=True)
    assert f"<dd>{words}，" in page
    assert "RRULE" not in page and "FREQ=" not in page


def test_a_rule_the_plain_choices_cannot_say_is_shown_as_written(staff, client):
    event = pf.entry(staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 8), repeats="weekly", weekdays=[2])
    event.rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"  # every other Tuesday, as the API may store
    db.session.commit()
    factories.login(client, staff)
    page = client.get(f"/staff/programme/entries/{event.id}").get_data(as_text=True)
    assert "<code>FREQ=WEEKLY;INTERVAL=2;BYDAY=TU</code>" in page and "每周二" not in page


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1",
        "FREQ=MONTHLY;BYDAY=1MO,3MO",
        "FREQ=YEARLY",
        "not a rule",
    ],
)
def test_describe_gives_up_on_rules_the_plain_choices_cannot_say(app, rule):
    with app.test_request_context():
        assert recurrence.describe(rule, datetime(2026, 12, 8, 19, tzinfo=SH)) is None


def test_on_a_phone_the_time_and_the_register_button_stay_on_one_line(staff, client):
    event = pf.entry(
        staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 8), repeats="weekly", weekdays=[2], capacity=20
    )
    factories.login(client, factories.user("customer"))
    page = client.get(f"/events/entries/{event.id}").get_data(as_text=True)
    assert '<span class="text-nowrap">19:00–20:30</span>' in page
    assert re.search(r'<button class="btn btn-primary text-nowrap" type="submit">\s*报名\s*</button>', page)


def test_a_cancelled_date_stays_listed_for_customers_marked_with_its_reason(staff, client):
    event = pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 8),
        repeats="weekly",
        weekdays=[2],
        capacity=20,
        title="经营讲座",
    )
    services.cancel_occurrence(staff, event.id, services.parse_stamp("20261215T110000Z"), "讲师临时有事")
    services.cancel_occurrence(staff, event.id, services.parse_stamp("20261222T110000Z"))
    db.session.commit()
    factories.login(client, factories.user("customer"))
    page = client.get(f"/events/entries/{event.id}").get_data(as_text=True)
    rows = dict(re.findall(r'data-occurrence="[^"@]*@(\w+)">(.*?)\n  </div>', page, re.S))
    assert set(rows) >= {"20261208T110000Z", "20261215T110000Z", "20261222T110000Z"}
    assert "已取消" in rows["20261215T110000Z"] and "讲师临时有事" in rows["20261215T110000Z"]
    assert "已取消" in rows["20261222T110000Z"]
    for cancelled in ("20261215T110000Z", "20261222T110000Z"):
        assert "报名" not in rows[cancelled] and "剩余" not in rows[cancelled]
    assert "已取消" not in rows["20261208T110000Z"] and "报名" in rows["20261208T110000Z"]
    assert 'value="20261215T110000Z"' not in page and 'value="20261208T110000Z"' in page

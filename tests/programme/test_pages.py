"""Programme pages: staff plan with plain choices; customers see today, register and show a QR."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.jobs import Job
from alliance.core.scheduler import runner
from mall.programme.constants import EntryKind
from mall.programme.models import ProgrammeEntry, Registration
from tests import factories
from tests.programme import factories as pf

SH = clock.local_zone()


@pytest.fixture
def setting(db):
    clock.freeze(datetime(2026, 12, 2, 10, tzinfo=SH))  # a Wednesday
    branch = factories.branch("城东支行")
    east = factories.district(branch, "万达广场商圈")
    staff = pf.staff_of(branch)
    return branch, east, staff


def _form(**fields) -> dict:
    base = {"status": "published", "recurrence": "none"}
    base.update(fields)
    return base


def test_staff_create_a_daily_deal_every_wednesday_with_plain_choices(setting, client, db):
    branch, east, staff = setting
    shop = pf.merchant(east, "川味小馆")
    factories.login(client, staff)
    page = client.get("/staff/programme/entries/new/daily_deal").get_data(as_text=True)
    assert "川味小馆" in page and "每周三" not in page
    r = client.post(
        "/staff/programme/entries/new/daily_deal",
        data=_form(
            title="周三半价",
            branch_id=branch.id,
            first_day="2026-12-01",
            recurrence="weekly",
            weekdays=["3"],
            until="2026-12-31",
            merchant_ids=[str(shop.id)],
            district_ids=[str(east.id)],
        ),
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    entry = db.session.scalar(sa.select(ProgrammeEntry))
    assert entry.rrule == "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261231T155959Z" and entry.all_day
    assert [m.name for m in entry.merchants] == ["川味小馆"]
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "每周三" in detail and "2026年12月31日" in detail
    edit = client.get(f"/staff/programme/entries/{entry.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="weekly">|<option value="weekly" selected', edit)
    calendar = client.get("/staff/programme/calendar?date=2026-12-01").get_data(as_text=True)
    assert calendar.count("每日优惠 · 周三半价") == 5


def test_a_theme_month_already_taken_is_refused_with_what_was_typed_kept(setting, client, db):
    branch, _east, staff = setting
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="美食月")
    factories.login(client, staff)
    r = client.post(
        "/staff/programme/entries/new/monthly_theme",
        data=_form(title="开学月", branch_id=branch.id, first_day="2026-12-05", colour="#336699"),
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "本月已有主题" in page and "美食月" in page and 'value="开学月"' in page
    assert db.session.scalar(sa.select(sa.func.count(ProgrammeEntry.id))) == 1


def test_an_overlapping_festival_saves_with_a_warning(setting, client, db):
    branch, east, staff = setting
    pf.entry(
        staff,
        EntryKind.FESTIVAL,
        date(2026, 12, 10),
        last_day=date(2026, 12, 16),
        title="双十二",
        districts=[east],
    )
    factories.login(client, staff)
    r = client.post(
        "/staff/programme/entries/new/festival",
        data=_form(
            title="年货节",
            branch_id=branch.id,
            first_day="2026-12-15",
            last_day="2026-12-20",
            district_ids=[str(east.id)],
        ),
    )
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "年货节" in page and "与" in page and "双十二" in page and "alert-warning" in page


def test_a_customer_sees_today_registers_and_gets_a_check_in_qr(setting, client, db):
    _branch, _east, staff = setting
    pf.entry(staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), title="美食主题月")
    pf.entry(staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[3], title="周三半价")
    pf.entry(staff, EntryKind.DAILY_DEAL, date(2026, 12, 1), repeats="weekly", weekdays=[4], title="周四特惠")
    event = pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 3),
        repeats="weekly",
        weekdays=[4],
        title="经营讲座",
        capacity=2,
    )
    customer = factories.user("customer")
    page = client.get("/events").get_data(as_text=True)
    assert "美食主题月" in page and "周三半价" in page and "周四特惠" not in page and "经营讲座" in page
    assert 'aria-current="page"' in page and "活动" in page
    factories.login(client, customer)
    r = client.post(f"/events/entries/{event.id}/register", data={"occurrence": "20261203T110000Z"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/me/registrations")
    mine = client.get("/me/registrations").get_data(as_text=True)
    assert "经营讲座" in mine and "<svg" in mine and "出示" in mine
    later = "20261231T110000Z"  # four weeks ahead: the door code comes nearer the day
    client.post(f"/events/entries/{event.id}/register", data={"occurrence": later})
    mine = client.get("/me/registrations").get_data(as_text=True)
    assert mine.count("<svg") == 1 and "活动前一周，签到码会显示在这里。" in mine
    assert "已报名" in client.get("/events").get_data(as_text=True)
    reg = db.session.scalar(sa.select(Registration).order_by(Registration.id))
    r = client.post(f"/me/registrations/{reg.id}/cancel")
    assert r.status_code == 302
    assert "已取消报名" in client.get(r.headers["Location"]).get_data(as_text=True)
    db.session.refresh(reg)
    assert reg.status == "cancelled"


def test_staff_check_in_at_the_door(setting, client, db):
    from mall.programme import registrations

    _branch, _east, staff = setting
    event = pf.entry(staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), title="讲座", capacity=10)
    customer = factories.user("customer", display_name="小美")
    reg = registrations.register(customer, event.id, event.dtstart)
    db.session.commit()
    payload = registrations.checkin_payload(reg)
    clock.freeze(datetime(2026, 12, 2, 18, 45, tzinfo=SH))
    factories.login(client, staff)
    page = client.post("/staff/programme/checkin", data={"payload": payload}).get_data(as_text=True)
    assert "欢迎，小美" in page
    page = client.post("/staff/programme/checkin", data={"payload": payload}).get_data(as_text=True)
    assert "已于 18:45 签到" in page


def test_the_scheduler_health_page(setting, client, app, db):
    *_rest, staff = setting

    def broken():
        raise RuntimeError("disk full")

    app.extensions["alliance.jobs"] = [
        Job("demo.fine", lambda: {"done": 3}, "interval", {"minutes": 5}, "A fine job"),
        Job("demo.broken", broken, "interval", {"minutes": 5}, "A broken job"),
    ]
    runner.execute("demo.fine")
    runner.execute("demo.broken")
    db.session.commit()
    factories.login(client, staff)
    page = client.get("/admin/scheduler").get_data(as_text=True)
    assert "A fine job" in page and "done 3" in page and "done=3" not in page and "disk full" in page
    assert "失败" in page and "还没有调度器" in page
    customer = factories.user("customer")
    client.post("/logout")
    factories.login(client, customer)
    assert client.get("/admin/scheduler").status_code == 403


def test_the_events_tab_sits_between_the_mall_and_the_wallet(app):
    tabs = sorted(
        (i for i in app.extensions["alliance.nav"] if i.place == "tab" and "customer" in i.roles),
        key=lambda i: i.order,
    )
    endpoints = [i.endpoint for i in tabs]
    assert (
        endpoints.index("mall.index") < endpoints.index("programme.today") < endpoints.index("wallet.index")
    )


def test_the_pages_speak_english_from_the_switch(setting, client, db):
    *_rest, staff = setting
    event = pf.entry(
        staff,
        EntryKind.WEEKLY_EVENT,
        date(2026, 12, 2),
        repeats="weekly",
        weekdays=[3, 6],
        title="Talk",
        capacity=3,
    )
    client.set_cookie("lang", "en")
    page = client.get(f"/events/entries/{event.id}").get_data(as_text=True)
    assert "Every Wednesday and Saturday" in page and "3 seats left" in page and "活动" not in page
    factories.login(client, staff)
    page = client.get("/staff/programme/calendar?date=2026-12-01").get_data(as_text=True)
    assert "Programme calendar" in page and "December 2026" in page and "Weekly event" in page


def test_staff_download_the_attendee_list(setting, client, db):
    from mall.programme import registrations

    *_rest, staff = setting
    event = pf.entry(staff, EntryKind.WEEKLY_EVENT, date(2026, 12, 2), title="讲座", capacity=10)
    registrations.register(factories.user("customer", display_name="小美"), event.id, event.dtstart)
    db.session.commit()
    factories.login(client, staff)
    r = client.get(f"/staff/programme/entries/{event.id}/attendees/20261202T110000Z.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert "小美" in text and text.splitlines()[0].startswith("\ufeff")


def test_a_theme_banner_is_resized_on_upload(setting, client, db, app):
    import io
    from pathlib import Path

    from PIL import Image

    branch, _east, staff = setting
    raw = io.BytesIO()
    Image.new("RGB", (3000, 1000), "#c8102e").save(raw, "PNG")
    raw.seek(0)
    factories.login(client, staff)
    r = client.post(
        "/staff/programme/entries/new/monthly_theme",
        data=_form(
            title="开学月",
            branch_id=branch.id,
            first_day="2027-02-01",
            colour="#336699",
            banner=(raw, "banner.png"),
        ),
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    entry = db.session.scalar(sa.select(ProgrammeEntry))
    stored = Path(app.config["UPLOAD_FOLDER"]) / "programme" / entry.banner_path
    with Image.open(stored) as img:
        assert img.size == (1200, 400) and img.format == "JPEG"
    served = client.get(f"/programme/banners/{entry.banner_path}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()
    bad = client.post(
        "/staff/programme/entries/new/monthly_theme",
        data=_form(
            title="坏图",
            branch_id=branch.id,
            first_day="2027-03-01",
            banner=(io.BytesIO(b"not an image"), "x.png"),
        ),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and "请上传 JPEG、PNG 或 WebP 图片" in bad.get_data(as_text=True)


def test_the_home_page_shows_the_months_theme_and_todays_deal(setting, client, db):
    _branch, _east, staff = setting
    pf.entry(
        staff, EntryKind.MONTHLY_THEME, date(2026, 12, 1), last_day=date(2026, 12, 31), title="双十二主题月"
    )
    pf.entry(
        staff,
        EntryKind.DAILY_DEAL,
        date(2026, 11, 4),
        repeats="weekly",
        weekdays=[3],
        title="周三半价",
    )
    page = client.get("/").get_data(as_text=True)
    assert "本月主题" in page and "双十二主题月" in page and "周三半价" in page
    clock.freeze(datetime(2026, 12, 3, 10, tzinfo=SH))  # Thursday: the Wednesday deal is not today's
    page = client.get("/").get_data(as_text=True)
    assert "双十二主题月" in page and "周三半价" not in page


def test_another_branchs_offers_never_appear_among_the_choices(setting, client, db):
    from tests.mall import factories as mallf

    _branch, east, staff = setting
    shop = pf.merchant(east, "川味小馆")
    mallf.draft(shop, title="未公开的草稿券")
    db.session.commit()
    other_staff = pf.staff_of(factories.branch("城西支行"))
    db.session.commit()
    factories.login(client, other_staff)
    page = client.post(
        "/staff/programme/entries/new/festival", data=_form(branch_id=str(_branch.id), title="")
    ).get_data(as_text=True)
    assert "未公开的草稿券" not in page and "川味小馆" not in page
    client.post("/logout")
    factories.login(client, staff)
    page = client.post(
        "/staff/programme/entries/new/festival", data=_form(branch_id=str(_branch.id), title="")
    ).get_data(as_text=True)
    assert "川味小馆" in page


def test_a_theme_dated_in_year_one_is_a_field_error_on_the_page(setting, client, db):
    branch, _east, staff = setting
    factories.login(client, staff)
    for day in ("0001-01-01", "9999-12-01"):
        r = client.post(
            "/staff/programme/entries/new/monthly_theme",
            data=_form(title="远古主题", branch_id=branch.id, first_day=day),
        )
        assert r.status_code == 200, r.status_code
        assert "远古主题" in r.get_data(as_text=True)

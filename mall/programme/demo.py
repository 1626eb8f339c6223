"""Demo data: a living programme for this month in 城东支行 — a daily deal, two weekly events, the
month's theme, a festival next week and a community event (idempotent)."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from alliance.accounts.models import User
from alliance.branches.models import Branch
from alliance.core import clock
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from mall.programme import linking, recurrence, registrations, services
from mall.programme.constants import EntryKind, RegistrationStatus
from mall.programme.models import ProgrammeEntry, Registration

BRANCH = "城东支行"


def _first_weekday_on_or_after(day: date, iso_weekday: int) -> date:
    return day + timedelta(days=(iso_weekday - day.isoweekday()) % 7)


def _ensure(staff: User, branch: Branch, title: str, kind: str, timing: tuple, **fields) -> ProgrammeEntry:
    found = db.session.scalar(
        sa.select(ProgrammeEntry).where(ProgrammeEntry.branch_id == branch.id, ProgrammeEntry.title == title)
    )
    if found is not None:
        return found
    dtstart, dtend, all_day, rule = timing
    entry, _warnings = services.create_entry(
        staff,
        services.EntryData(
            kind=kind,
            title=title,
            branch_id=branch.id,
            dtstart=dtstart,
            dtend=dtend,
            all_day=all_day,
            rrule=rule,
            **fields,
        ),
    )
    return entry


def seed() -> list[tuple[str, str, str]]:
    branch = db.session.scalar(sa.select(Branch).where(Branch.name == BRANCH))
    staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
    if branch is None or staff is None:
        return []
    districts = {d.name: d for d in branch.districts}
    district_ids = [d.id for d in branch.districts]
    merchants = (
        list(
            db.session.scalars(
                sa.select(Merchant)
                .where(Merchant.status == "active", Merchant.district_id.in_(district_ids))
                # A food month: the restaurants first.
                .order_by((Merchant.industry != "catering"), Merchant.id)
                .limit(6)
            )
        )
        if district_ids
        else []
    )
    merchant_ids = [m.id for m in merchants]
    catering = [m.id for m in merchants if m.industry == "catering"] or merchant_ids[:3]
    today = clock.local_today()
    first, last = services.month_bounds(today)
    plain = services.plain_timing

    theme = _ensure(
        staff,
        branch,
        f"{first.month}月 · 美食主题月",
        EntryKind.MONTHLY_THEME,
        plain(EntryKind.MONTHLY_THEME, first),
        description="本月联盟餐饮商户集中让利：领券满减、周三半价、到店有礼。",
        colour="#6741d9",
        merchant_ids=merchant_ids,
    )
    deal = _ensure(
        staff,
        branch,
        "周三半价 · 合作餐厅",
        EntryKind.DAILY_DEAL,
        plain(EntryKind.DAILY_DEAL, first, choice=recurrence.WEEKLY, weekdays=[3]),
        description="每周三在合作餐厅用本行卡消费享半价（每单最高优惠50元）。",
        merchant_ids=catering,
    )
    lecture = _ensure(
        staff,
        branch,
        "商户经营讲座：数字化收款与资金管理",
        EntryKind.WEEKLY_EVENT,
        plain(
            EntryKind.WEEKLY_EVENT,
            _first_weekday_on_or_after(first, 2),
            start_time=time(19, 0),
            end_time=time(20, 30),
            choice=recurrence.WEEKLY,
            weekdays=[2],
        ),
        event_format="lecture",
        place="城东支行二楼多功能厅",
        capacity=30,
        description="客户经理讲解收单、结算优惠套餐与经营贷，现场答疑。",
    )
    _ensure(
        staff,
        branch,
        "周六亲子互娱：手工与茶点",
        EntryKind.WEEKLY_EVENT,
        plain(
            EntryKind.WEEKLY_EVENT,
            _first_weekday_on_or_after(first, 6),
            start_time=time(10, 0),
            end_time=time(11, 30),
            choice=recurrence.WEEKLY,
            weekdays=[6],
        ),
        event_format="entertainment",
        place="城东支行一楼大厅",
        capacity=20,
        description="带上孩子来支行做手工，联盟商户提供茶点。",
    )
    festival_start = _first_weekday_on_or_after(today + timedelta(days=1), 1)
    _ensure(
        staff,
        branch,
        "万达广场购物节",
        EntryKind.FESTIVAL,
        plain(EntryKind.FESTIVAL, festival_start, festival_start + timedelta(days=6)),
        description="一周满减、抽奖与商户联合优惠。",
        district_ids=[districts["万达广场商圈"].id] if "万达广场商圈" in districts else [],
        merchant_ids=merchant_ids,
    )
    # Next Sunday when it is still this month, else the month's second Saturday.
    community_day = _first_weekday_on_or_after(today + timedelta(days=2), 7)
    if community_day > last:
        community_day = _first_weekday_on_or_after(first, 6) + timedelta(days=7)
    _ensure(
        staff,
        branch,
        "优惠进社区 · 老街社区服务日",
        EntryKind.COMMUNITY_EVENT,
        plain(EntryKind.COMMUNITY_EVENT, community_day, start_time=time(9, 0), end_time=time(12, 0)),
        place="老街社区活动中心",
        capacity=50,
        description="联盟商户进社区摆摊让利，现场办卡领券。",
        district_ids=[districts["老街商圈"].id] if "老街商圈" in districts else [],
    )
    # The month's theme gathers a few of the alliance's coupons, the Wednesday deal one more.
    if not theme.coupons and not deal.coupons:
        free = [
            c
            for c in linking.linkable_coupons(branch.id)
            if c.status == "approved" and linking.entry_of(c.id) is None
        ]
        # Restaurants' offers for the food month; a Wednesday offer for the Wednesday deal.
        food = [c for c in free if c.merchant.industry == "catering"] or free
        wednesday = [c for c in food if 3 in c.weekdays][:1]
        theme_coupons = [c for c in food if c not in wednesday][:3]
        linking.set_coupons(staff, theme, [c.id for c in theme_coupons])
        linking.set_coupons(staff, deal, [c.id for c in wednesday])
    # The lecture after next does not take place (an EXDATE), and Alice has a seat at the next.
    now = clock.now_utc()
    # Occurrences that have not begun (one under way at seeding time takes no new registrations).
    upcoming = [o for o in services.expand(lecture, now, now + timedelta(days=35)) if o.start > now]
    if len(upcoming) >= 2 and not lecture.cancellations:
        services.cancel_occurrence(staff, lecture.id, upcoming[1].start, "讲师临时有事")
    alice = db.session.scalar(sa.select(User).where(User.username == "alice"))
    if alice is not None and upcoming:
        taken = db.session.scalar(
            sa.select(Registration.id).where(
                Registration.user_id == alice.id, Registration.status == RegistrationStatus.REGISTERED
            )
        )
        if taken is None:
            registrations.register(alice, lecture.id, upcoming[0].start)
    db.session.flush()
    return []

"""The programme's vocabularies: kinds of entry, event formats, statuses, colours."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class EntryKind(StrEnum):
    DAILY_DEAL = "daily_deal"  # 天天有优惠: a standing offer on given days
    WEEKLY_EVENT = "weekly_event"  # 周周有活动: a recurring activity with place, time, capacity
    MONTHLY_THEME = "monthly_theme"  # 月月有主题: one per month and scope
    FESTIVAL = "festival"  # 购物节: a dated shopping festival
    COMMUNITY_EVENT = "community_event"  # 优惠进社区: offers brought into a community

    @property
    def label(self):
        return KIND_LABELS[self]

    @property
    def colour(self) -> str:
        return KIND_COLOURS[self]


KIND_LABELS = {
    EntryKind.DAILY_DEAL: _l("Daily deal"),
    EntryKind.WEEKLY_EVENT: _l("Weekly event"),
    EntryKind.MONTHLY_THEME: _l("Monthly theme"),
    EntryKind.FESTIVAL: _l("Shopping festival"),
    EntryKind.COMMUNITY_EVENT: _l("Community event"),
}

# Calendar colours per kind (a theme may bring its own); all pass WCAG AA with white text.
KIND_COLOURS = {
    EntryKind.DAILY_DEAL: "#b34700",
    EntryKind.WEEKLY_EVENT: "#1864ab",
    EntryKind.MONTHLY_THEME: "#862e9c",
    EntryKind.FESTIVAL: "#c8102e",
    EntryKind.COMMUNITY_EVENT: "#237032",
}

# Kinds whose occurrences are whole days (dates, not times).
ALL_DAY_KINDS = {EntryKind.DAILY_DEAL, EntryKind.MONTHLY_THEME, EntryKind.FESTIVAL}
# Kinds that are dated campaigns with merchants (and, with the mall, coupons).
CAMPAIGN_KINDS = {
    EntryKind.MONTHLY_THEME,
    EntryKind.FESTIVAL,
    EntryKind.COMMUNITY_EVENT,
    EntryKind.DAILY_DEAL,
}
# Kinds customers can register for (when a capacity is set).
REGISTRABLE_KINDS = {EntryKind.WEEKLY_EVENT, EntryKind.COMMUNITY_EVENT}


class EventFormat(StrEnum):
    LECTURE = "lecture"  # 商户经营讲座 (branch hall)
    ENTERTAINMENT = "entertainment"  # 客户互娱活动 (branch hall)
    SHOWCASE = "showcase"  # 商户优惠展示 (branch hall)
    DISTRICT = "district"  # 商圈活动
    ONLINE = "online"  # 线上活动

    @property
    def label(self):
        return FORMAT_LABELS[self]


FORMAT_LABELS = {
    EventFormat.LECTURE: _l("Merchant business lecture (branch hall)"),
    EventFormat.ENTERTAINMENT: _l("Customer entertainment (branch hall)"),
    EventFormat.SHOWCASE: _l("Merchant offer showcase (branch hall)"),
    EventFormat.DISTRICT: _l("District event"),
    EventFormat.ONLINE: _l("Online event"),
}


class EntryStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    EntryStatus.DRAFT: _l("Draft"),
    EntryStatus.PUBLISHED: _l("Published"),
    EntryStatus.CANCELLED: _l("Cancelled"),
}


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    CANCELLED = "cancelled"

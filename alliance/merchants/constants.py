"""The alliance's vocabularies: formats, the ten trades and eight shops (十行八店), statuses, tiers."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class MerchantFormat(StrEnum):
    SUPERMARKET = "supermarket"  # 大型商超
    SHOPPING_DISTRICT = "shopping_district"  # 中型商圈
    SPECIALISED_MARKET = "specialised_market"  # 专业市场
    STREET_SHOP = "street_shop"  # 沿街商户


class Industry(StrEnum):
    """The ten trades (十行)."""

    CATERING = "catering"  # 餐饮
    CONSTRUCTION = "construction"  # 建筑
    CLOTHING = "clothing"  # 服装
    TRADING = "trading"  # 商贸
    LOGISTICS = "logistics"  # 物流
    TRAVEL = "travel"  # 旅游
    AGENCY = "agency"  # 中介
    HOUSEKEEPING = "housekeeping"  # 家政
    ENTERTAINMENT = "entertainment"  # 娱乐
    CULTURE_SPORTS = "culture_sports"  # 文体


class StoreType(StrEnum):
    """The eight shops (八店), or other."""

    RESTAURANT = "restaurant"  # 饭店
    HOTEL = "hotel"  # 旅店
    BARBER = "barber"  # 理发店
    BEAUTY = "beauty"  # 美容店
    CLOTHING_SHOP = "clothing_shop"  # 服装店
    PHARMACY = "pharmacy"  # 药店
    CONVENIENCE = "convenience"  # 便利店
    FRANCHISE = "franchise"  # 加盟连锁店
    OTHER = "other"


class MerchantStatus(StrEnum):
    PENDING = "pending"  # applied, waiting for review
    ACTIVE = "active"  # a member of the alliance
    REJECTED = "rejected"
    SUSPENDED = "suspended"  # by staff, with a reason
    REMOVED = "removed"  # by staff, with a reason
    LEFT = "left"  # the merchant left of its own accord


TIERS = ("A", "B", "C", "D", "E")
SERVICE_LEVEL_FOR_TIER = {"A": "a", "B": "b", "C": "c", "D": "d", "E": "e"}

FORMAT_LABELS = {
    MerchantFormat.SUPERMARKET: _l("Large supermarket"),
    MerchantFormat.SHOPPING_DISTRICT: _l("Mid-size shopping district"),
    MerchantFormat.SPECIALISED_MARKET: _l("Specialised market"),
    MerchantFormat.STREET_SHOP: _l("Street-front shop"),
}

INDUSTRY_LABELS = {
    Industry.CATERING: _l("Catering"),
    Industry.CONSTRUCTION: _l("Construction"),
    Industry.CLOTHING: _l("Clothing"),
    Industry.TRADING: _l("Trading"),
    Industry.LOGISTICS: _l("Logistics"),
    Industry.TRAVEL: _l("Travel"),
    Industry.AGENCY: _l("Agency"),
    Industry.HOUSEKEEPING: _l("Housekeeping"),
    Industry.ENTERTAINMENT: _l("Entertainment"),
    Industry.CULTURE_SPORTS: _l("Culture & sports"),
}

STORE_TYPE_LABELS = {
    StoreType.RESTAURANT: _l("Restaurant"),
    StoreType.HOTEL: _l("Hotel"),
    StoreType.BARBER: _l("Barber"),
    StoreType.BEAUTY: _l("Beauty salon"),
    StoreType.CLOTHING_SHOP: _l("Clothing shop"),
    StoreType.PHARMACY: _l("Pharmacy"),
    StoreType.CONVENIENCE: _l("Convenience store"),
    StoreType.FRANCHISE: _l("Franchise chain"),
    StoreType.OTHER: _l("Other"),
}

STATUS_LABELS = {
    MerchantStatus.PENDING: _l("Pending review"),
    MerchantStatus.ACTIVE: _l("Active"),
    MerchantStatus.REJECTED: _l("Rejected"),
    MerchantStatus.SUSPENDED: _l("Suspended"),
    MerchantStatus.REMOVED: _l("Removed"),
    MerchantStatus.LEFT: _l("Left the alliance"),
}

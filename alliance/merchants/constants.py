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

MEMBER_STATUSES = (MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED)
# Only an active member may publish offers or redeem vouchers.
TRADING_STATUSES = (MerchantStatus.ACTIVE,)

TIER_LABELS = {
    "A": _l("Tier A · head"),
    "B": _l("Tier B · waist"),
    "C": _l("Tier C · waist"),
    "D": _l("Tier D · waist"),
    "E": _l("Tier E · ordinary"),
}

# Where a tier sits in the pyramid: head (头部), waist (腰部), ordinary (普通).
TIER_GROUP_LABELS = {
    "A": _l("head"),
    "B": _l("waist"),
    "C": _l("waist"),
    "D": _l("waist"),
    "E": _l("ordinary"),
}

SERVICE_LEVELS = ("a", "b", "c", "d", "e")
SERVICE_LEVEL_LABELS = {
    "a": _l("Level a · head service system"),
    "b": _l("Level b · waist service system"),
    "c": _l("Level c · waist service system"),
    "d": _l("Level d · waist service system"),
    "e": _l("Level e · ordinary service system"),
}


class Figure(StrEnum):
    """The four tiering figures (all in fen): what the branch's pyramid is built from."""

    AVG_DAILY_BALANCE = "avg_daily_balance_fen"  # 月日均资金
    ACQUIRING_VOLUME = "acquiring_volume_fen"  # 年收单额
    FEE_INCOME = "fee_income_fen"  # 年中收
    LOAN_CREDIT = "loan_credit_fen"  # 个人经营贷授信


FIGURES = tuple(Figure)

FIGURE_LABELS = {
    Figure.AVG_DAILY_BALANCE: _l("Monthly average daily balance"),
    Figure.ACQUIRING_VOLUME: _l("Annual acquiring volume"),
    Figure.FEE_INCOME: _l("Annual fee income"),
    Figure.LOAN_CREDIT: _l("Business-loan credit line"),
}
TRANSACTION_COUNT_LABEL = _l("Transactions in the month")


class TierChangeReason(StrEnum):
    APPROVED = "approved"  # joined the alliance: first tier
    FIGURES = "figures"  # new or corrected figures
    POLICY = "policy"  # the branch changed its thresholds
    MONTHLY = "monthly"  # the monthly re-tiering job


TIER_CHANGE_REASON_LABELS = {
    TierChangeReason.APPROVED: _l("Joined the alliance"),
    TierChangeReason.FIGURES: _l("Figures changed"),
    TierChangeReason.POLICY: _l("Thresholds changed"),
    TierChangeReason.MONTHLY: _l("Monthly re-tiering"),
}


class ProspectStage(StrEnum):
    TO_VISIT = "to_visit"  # 待拜访
    VISITED = "visited"  # 已拜访
    APPLYING = "applying"  # 申请中
    JOINED = "joined"  # 已加入
    DECLINED = "declined"  # 已婉拒


PROSPECT_STAGE_LABELS = {
    ProspectStage.TO_VISIT: _l("To visit"),
    ProspectStage.VISITED: _l("Visited"),
    ProspectStage.APPLYING: _l("Applying"),
    ProspectStage.JOINED: _l("Joined"),
    ProspectStage.DECLINED: _l("Declined"),
}

# The four steps of a field visit (外拓四步).
VISIT_STEPS = ("icebreaker", "purpose", "needs_found", "products_proposed")
VISIT_STEP_LABELS = {
    "icebreaker": _l("Icebreaker"),
    "purpose": _l("Purpose of the visit"),
    "needs_found": _l("Needs found"),
    "products_proposed": _l("Products proposed"),
}

CASHFLOW_DAY_LABELS = {
    "cashflow_collection": _l("Collection day"),  # 回款日
    "cashflow_payment": _l("Payment day"),  # 付款日
}

# The eight shops proper (the coverage grid's columns); "other" is counted apart.
EIGHT_SHOPS = tuple(s for s in StoreType if s != StoreType.OTHER)


AUDIT_ACTION_LABELS = {
    "merchant.apply": _l("Applied to join"),
    "merchant.approve": _l("Application approved"),
    "merchant.reject": _l("Application rejected"),
    "merchant.resubmit": _l("Application sent again"),
    "merchant.suspend": _l("Membership suspended"),
    "merchant.reinstate": _l("Membership reinstated"),
    "merchant.remove": _l("Removed from the alliance"),
    "merchant.leave": _l("Left the alliance"),
    "merchant.profile": _l("Details edited"),
    "merchant.logo": _l("New logo"),
    "merchant.care": _l("Account manager or cash-flow days changed"),
    "figures.edit": _l("Figures entered by hand"),
    "whitelist.add": _l("Added to the whitelist"),
    "whitelist.remove": _l("Removed from the whitelist"),
}


def choices(labels: dict) -> list[tuple[str, object]]:
    """(value, label) pairs for a select field, in the vocabulary's own order."""
    return [(str(k), v) for k, v in labels.items()]

"""Demo data for the alliance: merchants of every format across the demo districts, their owners
and clerks, three months of figures spread over all five tiers, tier policies, a whitelist,
cash-flow days, a few applications waiting for review and a few prospects.

Names are stable: other features' demo steps look the active merchants up by name or status.
Owner N of MERCHANTS signs in as `ownerN`, clerks as `clerk1`..`clerk3`, all with the demo password.
Running it again changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.branches.demo import DEMO_PASSWORD, branch_named, district_named
from alliance.core import clock
from alliance.core.extensions import db
from alliance.merchants.constants import FIGURES, MerchantStatus, TierChangeReason
from alliance.merchants.models import Merchant, MerchantFigures, Prospect, VisitNote
from alliance.merchants.services import cashflow, membership, service_levels, tiering, whitelist
from alliance.merchants.services import prospects as prospect_services
from alliance.merchants.services.figures import month_start, upsert
from alliance.merchants.services.links import path_for
from alliance.merchants.tiers import RANKED_TIERS
from alliance.notifications.services import mark_settled

WAN = 1_000_000  # fen in 10k yuan

# Thresholds in 万元 per tier: (balance, acquiring, fee income, loan credit); and figures required.
POLICIES = {
    "城东支行": (
        {"A": (300, 3000, 30, 500), "B": (150, 1500, 15, 300), "C": (80, 800, 8, 150), "D": (30, 300, 3, 50)},
        1,
    ),
    "城西支行": (
        {
            "A": (400, 4000, 40, 600),
            "B": (200, 2000, 20, 300),
            "C": (100, 1000, 10, 150),
            "D": (40, 400, 4, 60),
        },
        2,
    ),
}

# (owner number, name, branch, district, format, trade, shop, status, tier the figures aim at)
MERCHANTS = [
    (1, "万达永辉超市", "城东支行", "万达广场商圈", "supermarket", "trading", "convenience", "active", "A"),
    (
        2,
        "海底捞火锅(万达店)",
        "城东支行",
        "万达广场商圈",
        "shopping_district",
        "catering",
        "restaurant",
        "active",
        "A",
    ),
    (
        3,
        "优衣库(万达店)",
        "城东支行",
        "万达广场商圈",
        "shopping_district",
        "clothing",
        "clothing_shop",
        "active",
        "B",
    ),
    (
        4,
        "星光影城",
        "城东支行",
        "万达广场商圈",
        "shopping_district",
        "entertainment",
        "franchise",
        "active",
        "B",
    ),
    (
        5,
        "丽人美容会所",
        "城东支行",
        "万达广场商圈",
        "shopping_district",
        "entertainment",
        "beauty",
        "active",
        "C",
    ),
    (
        6,
        "大参林药房(万达店)",
        "城东支行",
        "万达广场商圈",
        "shopping_district",
        "trading",
        "pharmacy",
        "active",
        "D",
    ),
    (7, "老王面馆", "城东支行", "老街商圈", "street_shop", "catering", "restaurant", "active", "D"),
    (8, "张记理发", "城东支行", "老街商圈", "street_shop", "housekeeping", "barber", "active", "E"),
    (9, "老街便利店", "城东支行", "老街商圈", "street_shop", "trading", "convenience", "active", "E"),
    (10, "悦来客栈", "城东支行", "老街商圈", "street_shop", "travel", "hotel", "active", "C"),
    (11, "顺丰速运(老街点)", "城东支行", "老街商圈", "street_shop", "logistics", "franchise", "active", "C"),
    (12, "安居房产中介", "城东支行", "老街商圈", "street_shop", "agency", "other", "active", "D"),
    (13, "好帮手家政", "城东支行", "老街商圈", "street_shop", "housekeeping", "other", "active", "E"),
    (14, "大学城图书文具", "城东支行", "大学城商圈", "street_shop", "culture_sports", "other", "active", "E"),
    (
        15,
        "动感健身房",
        "城东支行",
        "大学城商圈",
        "shopping_district",
        "culture_sports",
        "franchise",
        "active",
        "D",
    ),
    (
        16,
        "大学城建材市场",
        "城东支行",
        "大学城商圈",
        "specialised_market",
        "construction",
        "other",
        "active",
        "B",
    ),
    (17, "学子餐厅", "城东支行", "大学城商圈", "street_shop", "catering", "restaurant", "active", "E"),
    (18, "青年旅舍", "城东支行", "大学城商圈", "street_shop", "travel", "hotel", "active", "E"),
    (19, "西湖银泰百货", "城西支行", "西湖商圈", "supermarket", "trading", "other", "active", "A"),
    (20, "湖畔茶楼", "城西支行", "西湖商圈", "street_shop", "catering", "restaurant", "active", "B"),
    (21, "西湖国旅", "城西支行", "西湖商圈", "street_shop", "travel", "other", "active", "C"),
    (
        22,
        "西湖服装批发市场",
        "城西支行",
        "西湖商圈",
        "specialised_market",
        "clothing",
        "clothing_shop",
        "active",
        "A",
    ),
    (23, "湖滨KTV", "城西支行", "西湖商圈", "shopping_district", "entertainment", "other", "active", "D"),
    (24, "西湖物流园", "城西支行", "西湖商圈", "specialised_market", "logistics", "other", "active", "C"),
    (25, "甜心烘焙", "城东支行", "老街商圈", "street_shop", "catering", "restaurant", "pending", None),
    (
        26,
        "万达数码",
        "城东支行",
        "万达广场商圈",
        "shopping_district",
        "trading",
        "franchise",
        "pending",
        None,
    ),
    (27, "湖边民宿", "城西支行", "西湖商圈", "street_shop", "travel", "hotel", "pending", None),
    (28, "快乐网吧", "城东支行", "大学城商圈", "street_shop", "entertainment", "other", "rejected", None),
    (29, "阿强海鲜排档", "城东支行", "老街商圈", "street_shop", "catering", "restaurant", "suspended", "D"),
]
DETAILS = {
    "老王面馆": ("老街 12 号", "0571-8601 2345", "10:00–21:30", "三十年手工拉面老店，招牌牛肉面。"),
    "万达永辉超市": ("万达广场 B1 层", "0571-8602 0001", "08:30–22:00", "生鲜、日用百货一站购齐。"),
    "海底捞火锅(万达店)": ("万达广场 4 层", "0571-8602 0002", "10:00–次日 02:00", None),
    "西湖银泰百货": ("湖滨路 1 号", "0571-8703 0001", "10:00–22:00", None),
}
REASONS = {
    "快乐网吧": "经营资质材料不全，请补充网络文化经营许可证。",
    "阿强海鲜排档": "近一个月多次被投诉食品安全问题，整改期间暂停。",
}
CLERKS = [(1, "老王面馆", "小李"), (2, "海底捞火锅(万达店)", "小张"), (3, "西湖银泰百货", "小陈")]
# (name, district, trade, shop, contact, phone, stage, visit note)
PROSPECTS = [
    ("美美美甲", "万达广场商圈", "entertainment", "beauty", "刘女士", "139 0000 1111", "to_visit", None),
    (
        "仁心大药房",
        "老街商圈",
        "trading",
        "pharmacy",
        "陈老板",
        "138 0000 2222",
        "visited",
        (
            "聊起老街的客流变化",
            "介绍商户联盟和权益商城",
            "想在周末引来年轻客人；收款到账慢",
            "收单 + 联盟满减券 + 经营贷",
        ),
    ),
    ("老李建材", "大学城商圈", "construction", "other", "李老板", "137 0000 3333", "applying", None),
    ("湖光酒店", "西湖商圈", "travel", "hotel", "周经理", "136 0000 4444", "to_visit", None),
    ("平安物流", "西湖商圈", "logistics", "other", "吴经理", "135 0000 5555", "declined", None),
]
# Cash-flow days: (merchant, collection day, payment day)
CARE = [
    ("万达永辉超市", 10, 25),
    ("老王面馆", 5, 20),
    ("海底捞火锅(万达店)", 15, 28),
    ("西湖银泰百货", 15, 28),
]
WHITELIST = {
    "城东支行": ((1500 * WAN, 100 * WAN, None), ["万达永辉超市", "海底捞火锅(万达店)"]),
    "城西支行": ((2000 * WAN, None, None), ["西湖银泰百货"]),
}
# The owners printed after `flask demo` (every ownerN shares the demo password): tiers A and D,
# the other branch, a pending, a rejected and a suspended shop.
SHOWN_OWNERS = (1, 7, 19, 25, 28, 29)
# Each figure as a multiple of the target tier's threshold (E aims at half of D's).
SHAPE = (1.25, 1.1, 1.05, 0.6)


def _user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _thresholds(branch_name: str) -> dict:
    table, _required = POLICIES[branch_name]
    return {
        tier: {str(f): v * WAN for f, v in zip(FIGURES, table[tier], strict=True)} for tier in RANKED_TIERS
    }


def _figures_for(branch_name: str, tier: str, month_index: int, number: int) -> dict:
    """Figures that land in `tier`, growing a little month by month, a little different per shop."""
    thresholds = _thresholds(branch_name)
    base = thresholds["D"] if tier == "E" else thresholds[tier]
    factor = 0.5 if tier == "E" else 1.0
    growth = (1 + 0.02 * month_index) * (1 + 0.07 * (number % 4))
    return {
        str(f): int(base[str(f)] * shape * factor * growth) for f, shape in zip(FIGURES, SHAPE, strict=True)
    }


def seed() -> list[tuple[str, str, str]]:
    staff = {"城东支行": _user("staff"), "城西支行": _user("staff2")}
    admin = _user("admin")
    for branch_name, (_table, required) in POLICIES.items():
        branch = branch_named(branch_name)
        if tiering.policy_row(branch.id) is None:
            tiering.save_policy(admin, branch.id, _thresholds(branch_name), required)

    logins: list[tuple[str, str, str]] = []
    months, month = [], month_start(clock.local_today())
    for _ in range(3):  # the last three complete months, newest first
        month = month_start(month - timedelta(days=1))
        months.append(month)
    for number, name, branch_name, district_name, fmt, trade, shop, status, tier in MERCHANTS:
        district = district_named(branch_named(branch_name), district_name)
        username = f"owner{number}"
        if number in SHOWN_OWNERS:
            logins.append(("merchant", username, DEMO_PASSWORD))
        merchant = db.session.scalar(
            sa.select(Merchant).where(Merchant.name == name, Merchant.district_id == district.id)
        )
        if merchant is not None:
            continue
        address, phone, hours, about = DETAILS.get(name, (None, None, None, None))
        merchant, _owner = membership.apply_for_membership(
            username=username,
            password=DEMO_PASSWORD,
            name=name,
            district_id=district.id,
            format=fmt,
            industry=trade,
            store_type=shop,
            address=address or f"{district_name}{number}号",
            phone=phone,
            opening_hours=hours,
            description=about,
            display_name=f"{name}店主",
        )
        reviewer = staff[branch_name]
        if status == MerchantStatus.PENDING:
            continue
        # The demo decided this application itself: nobody is left to review it.
        mark_settled("merchant_application", path_for("merchants.staff_merchant", merchant_id=merchant.id))
        if status == MerchantStatus.REJECTED:
            membership.review(reviewer, merchant.id, "reject", REASONS[name])
            continue
        membership.review(reviewer, merchant.id, "approve")
        if tier and not db.session.scalar(
            sa.select(MerchantFigures.id).where(MerchantFigures.merchant_id == merchant.id).limit(1)
        ):
            rows = [
                {
                    "merchant_id": merchant.id,
                    "month": month,
                    **_figures_for(branch_name, tier, 2 - i, number),
                    "transaction_count": 300 + 40 * number + 10 * (2 - i),
                }
                for i, month in enumerate(months)
            ]
            upsert(rows, actor=reviewer, source="import")
            tiering.retier(reviewer, merchant_ids=[merchant.id], reason=TierChangeReason.FIGURES)
        if status == MerchantStatus.SUSPENDED:
            membership.suspend(reviewer, merchant.id, REASONS[name])

    for number, name, display in CLERKS:
        username = f"clerk{number}"
        logins.append(("clerk", username, DEMO_PASSWORD))
        if _user(username) is None:
            merchant = db.session.scalar(sa.select(Merchant).where(Merchant.name == name))
            accounts.create_user(
                None, username, DEMO_PASSWORD, "clerk", merchant_id=merchant.id, display_name=display
            )

    for name, collection, payment in CARE:
        merchant = db.session.scalar(sa.select(Merchant).where(Merchant.name == name))
        care = cashflow.care_for(merchant.id)
        if care is None or care.collection_day is None:
            manager = staff["城西支行" if merchant.district.branch.name == "城西支行" else "城东支行"]
            cashflow.set_care(
                manager,
                merchant.id,
                account_manager_id=manager.id,
                collection_day=collection,
                payment_day=payment,
            )

    for branch_name, ((volume, balance, fee), names) in WHITELIST.items():
        branch = branch_named(branch_name)
        if whitelist.policy_for(branch.id) is None:
            whitelist.save_policy(
                staff[branch_name],
                branch.id,
                min_acquiring_volume_fen=volume,
                min_avg_daily_balance_fen=balance,
                min_fee_income_fen=fee,
                package_name="商户结算优惠套餐·尊享版",
                package_details="收单手续费率优惠至 0.38%；T+0 到账；专属对公账户管理费减免。",
            )
            for name in names:
                merchant = db.session.scalar(sa.select(Merchant).where(Merchant.name == name))
                whitelist.add(staff[branch_name], merchant.id, "结算量大、资金留存高，优先推荐")

    east = branch_named("城东支行")
    if not service_levels.packages(east.id)["a"].saved:
        service_levels.save_package(
            staff["城东支行"],
            east.id,
            "a",
            "城东头部商户尊享包",
            "\n".join(
                (
                    "专属客户经理一对一服务",
                    "网点绿色通道与优先窗口",
                    "收单手续费 8 折",
                    "每季度商户经营讲座邀请",
                )
            ),
        )

    for name, district_name, trade, shop, contact, phone, stage, visit in PROSPECTS:
        branch_name = "城西支行" if district_name == "西湖商圈" else "城东支行"
        district = district_named(branch_named(branch_name), district_name)
        if db.session.scalar(sa.select(Prospect.id).where(Prospect.name == name)):
            continue
        prospect = prospect_services.create(
            staff[branch_name],
            {
                "name": name,
                "district_id": district.id,
                "industry": trade,
                "store_type": shop,
                "contact_name": contact,
                "contact_phone": phone,
                "address": f"{district_name}附近",
            },
        )
        if visit:
            db.session.add(
                VisitNote(
                    prospect_id=prospect.id,
                    author_id=staff[branch_name].id,
                    visited_on=clock.local_today() - timedelta(days=3),
                    icebreaker=visit[0],
                    purpose=visit[1],
                    needs_found=visit[2],
                    products_proposed=visit[3],
                )
            )
        prospect.stage = stage
    db.session.flush()
    return logins

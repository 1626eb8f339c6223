"""Six weeks of trade for a branch, written straight into the tables (quick, and the same every run):
for the dashboards' browser screenshots."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

import sqlalchemy as sa

from alliance.core import clock
from alliance.core.extensions import db
from alliance.merchants.models import MerchantCare, MerchantFigures
from mall.programme.models import ProgrammeEntry
from mall.redemption.models import Redemption
from mall.reports import jobs
from mall.vouchers.models import Voucher
from tests import factories
from tests.mall import factories as mf

TODAY = date(2026, 12, 16)
SHOPS = (
    ("海底捞东湖店", "catering", 0),
    ("一点点奶茶", "catering", 0),
    ("优衣库万达店", "clothing", 1),
    ("顺丰驿站", "logistics", 1),
    ("乐享KTV", "entertainment", 0),
    ("老王五金", "trading", 1),
)


def build() -> dict:
    rng = random.Random(13)
    clock.freeze(clock.local_datetime_utc(TODAY - timedelta(days=50), time(9, 0)))
    branch = factories.branch("城东支行")
    districts = [factories.district(branch, "东湖商圈"), factories.district(branch, "万达商圈")]
    staff = factories.user("staff", "manager", branch_id=branch.id, display_name="李经理")
    shops, owners, coupons = [], [], []
    for name, industry, d in SHOPS:
        shop = mf.merchant(districts[d], name=name, industry=industry)
        shop.tier = "ABCDE"[len(shops) % 5]
        owner = mf.owner(shop, f"owner{len(shops) + 1}")
        shops.append(shop)
        owners.append(owner)
        db.session.add(MerchantCare(merchant_id=shop.id, account_manager_id=staff.id))
        for title in ("满100减20", "8.5折优惠"):
            coupons.append(mf.live_coupon(shop, owner, title=title, stock_total=5000, per_customer_limit=50))
    clerk = mf.clerk(shops[0], "clerk1")
    customers = mf.fast_customers(40)
    for i, shop in enumerate(shops):
        for month, count in ((date(2026, 10, 1), 300 + 40 * i), (date(2026, 11, 1), 260 + 90 * (i % 3))):
            db.session.add(MerchantFigures(merchant_id=shop.id, month=month, transaction_count=count))
    theme_start = clock.local_midnight_utc(date(2026, 11, 20))
    db.session.add(
        ProgrammeEntry(
            branch_id=branch.id,
            kind="monthly_theme",
            title="暖冬美食月",
            tzid="Asia/Shanghai",
            all_day=True,
            dtstart=theme_start,
            dtend=theme_start + timedelta(days=10),
        )
    )
    db.session.flush()

    vouchers, redemptions = [], []
    next_id = (db.session.scalar(sa.select(sa.func.max(Voucher.id))) or 0) + 1
    for back in range(45, -1, -1):
        day = TODAY - timedelta(days=back)
        boost = 2 if date(2026, 11, 20) <= day < date(2026, 11, 30) else 1
        for coupon in coupons:
            if coupon.merchant_id == shops[-1].id and back < 35:
                continue  # the hardware shop falls asleep
            for _ in range(rng.randint(0, 3) * boost):
                hour = rng.randint(10, 20) if back else rng.randint(10, 14)
                claimed_at = clock.local_datetime_utc(day, time(hour, rng.randint(0, 59)))
                customer = rng.choice(customers)
                redeemed = rng.random() < 0.55
                vouchers.append(
                    {
                        "id": next_id,
                        "coupon_id": coupon.id,
                        "user_id": customer.id,
                        "merchant_id": coupon.merchant_id,
                        "code": f"H{next_id:09d}",
                        "status": "redeemed" if redeemed else "active",
                        "claimed_at": claimed_at,
                        "valid_from": claimed_at,
                        "redeemed_at": claimed_at + timedelta(minutes=30) if redeemed else None,
                    }
                )
                if redeemed:
                    order = 10000 + rng.randrange(15000)
                    discount = 2000 if coupon.kind == "threshold_cut" else order * 15 // 100
                    shop = next(s for s in shops if s.id == coupon.merchant_id)
                    redemptions.append(
                        {
                            "voucher_id": next_id,
                            "merchant_id": shop.id,
                            "clerk_id": owners[shops.index(shop)].id,
                            "customer_id": customer.id,
                            "order_amount_fen": order,
                            "discount_fen": discount,
                            "payable_fen": order - discount,
                            "cashback_fen": 0,
                            "method": "code",
                            "redeemed_at": claimed_at + timedelta(minutes=30),
                            "branch_id": branch.id,
                            "district_id": shop.district_id,
                        }
                    )
                next_id += 1
    db.session.execute(Voucher.__table__.insert(), vouchers)
    db.session.execute(Redemption.__table__.insert(), redemptions)
    clock.freeze(clock.local_datetime_utc(TODAY, time(15, 30)))
    db.session.commit()
    jobs.rollup()
    db.session.commit()
    return {"branch": branch, "staff": staff, "owner": owners[0], "clerk": clerk, "shops": shops}

"""How fast the dashboards open at scale: 1,000 merchants, 1,000,000 vouchers claimed over 90 days
(about 40 % redeemed, 1 % of those reversed), past days rolled up, today live.

    .venv/bin/python bench/dashboards.py                      # a fresh SQLite file in bench/out/
    DATABASE_URL=postgresql://.../EMPTY_DB .venv/bin/python bench/dashboards.py

Settings: BENCH_MERCHANTS (1000), BENCH_VOUCHERS (1000000), BENCH_DAYS (90), BENCH_RUNS (15).
Prints the time to build the data (bulk inserts), the roll-up, and the p50 / p90 load time and the
number of SQL statements of the staff dashboard of the branch (the service, then the whole page),
the shop owner's dashboard and the two API reports.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time as timer
from datetime import date, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MERCHANTS = int(os.environ.get("BENCH_MERCHANTS", "1000"))
VOUCHERS = int(os.environ.get("BENCH_VOUCHERS", "1000000"))
DAYS = int(os.environ.get("BENCH_DAYS", "90"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
CUSTOMERS = 20000
COUPONS_PER_MERCHANT = 3
DISTRICTS = 10
CHUNK = 50000


def timed(label: str, func):
    start = timer.perf_counter()
    result = func()
    print(f"{label:<60} {timer.perf_counter() - start:8.2f} s", flush=True)
    return result


class StatementCounter:
    def __init__(self, engine):
        import sqlalchemy as sa

        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        # SQL statements only; BEGIN and the like are the driver's transaction handling.
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.count += 1


def measure(label: str, func, counter: StatementCounter) -> None:
    func()  # warm the caches once
    times, statements = [], []
    for _ in range(RUNS):
        before = counter.count
        start = timer.perf_counter()
        func()
        times.append((timer.perf_counter() - start) * 1000)
        statements.append(counter.count - before)
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(
        f"{label:<60} p50 {statistics.median(times):7.1f} ms  p90 {p90:7.1f} ms  "
        f"statements {max(statements)}",
        flush=True,
    )


def build(db, now):
    import sqlalchemy as sa

    from alliance.accounts import services as accounts
    from alliance.accounts.models import User
    from alliance.branches import services as branches
    from alliance.core import clock
    from alliance.merchants.models import Merchant, MerchantCare, MerchantFigures
    from mall.coupons.models import Coupon
    from mall.programme.models import ProgrammeEntry
    from mall.redemption.models import Redemption
    from mall.vouchers.models import Voucher

    rng = random.Random(13)
    branch = branches.create_branch(None, "基准支行")
    districts = [branches.create_district(None, f"商圈{i:02d}", branch.id) for i in range(DISTRICTS)]
    staff = accounts.create_user(None, "benchstaff", "benchpassword", "staff", branch_id=branch.id)
    db.session.commit()
    password_hash = staff.password_hash

    def merchants():
        rows = [
            {
                "name": f"商户{i:04d}",
                "district_id": districts[i % DISTRICTS].id,
                "format": "street_shop",
                "industry": ("catering", "clothing", "trading", "travel")[i % 4],
                "store_type": "restaurant",
                "status": "active",
                "tier": "ABCDE"[i % 5],
                "created_at": now,
                "updated_at": now,
            }
            for i in range(MERCHANTS)
        ]
        db.session.execute(sa.insert(Merchant), rows)
        shop_ids = list(db.session.scalars(sa.select(Merchant.id).order_by(Merchant.id)))
        owners = [
            {
                "username": f"owner{mid}",
                "password_hash": password_hash,
                "role": "merchant",
                "merchant_id": mid,
                "created_at": now,
            }
            for mid in shop_ids
        ]
        db.session.execute(sa.insert(User), owners)
        care = [{"merchant_id": mid, "account_manager_id": staff.id} for mid in shop_ids]
        db.session.execute(sa.insert(MerchantCare), care)
        this_month = clock.local_today().replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        db.session.execute(
            sa.insert(MerchantFigures),
            [
                {"merchant_id": mid, "month": month, "transaction_count": rng.randint(0, 900)}
                for mid in shop_ids
                for month in (last_month, (last_month - timedelta(days=1)).replace(day=1))
            ],
        )
        db.session.commit()
        return shop_ids

    shop_ids = timed(f"insert {MERCHANTS:,} merchants, owners, care, figures", merchants)
    owners = sa.select(User.merchant_id, User.id).where(User.role == "merchant")
    owner_of = dict(db.session.execute(owners).all())
    district_of = dict(db.session.execute(sa.select(Merchant.id, Merchant.district_id)).all())

    def customers():
        db.session.execute(
            sa.insert(User).values(created_at=now),
            [
                {"username": f"c{i:06d}", "password_hash": password_hash, "role": "customer"}
                for i in range(CUSTOMERS)
            ],
        )
        db.session.commit()
        return list(db.session.scalars(sa.select(User.id).where(User.role == "customer")))

    customer_ids = timed(f"insert {CUSTOMERS:,} customers", customers)

    def coupons():
        rows = [
            {
                "merchant_id": mid,
                "title": f"满100减{10 + k * 5}",
                "kind": "threshold_cut",
                "threshold_fen": 10000,
                "cut_fen": 1000 + k * 500,
                "search_text": "",
                "stock_total": 10**6,
                "stock_remaining": 10**5,
                "per_customer_limit": 100,
                "audience": "all",
                "status": "approved",
                "approved_at": now - timedelta(days=DAYS + 1),
                "created_at": now,
                "updated_at": now,
            }
            for mid in shop_ids
            for k in range(COUPONS_PER_MERCHANT)
        ]
        db.session.execute(sa.insert(Coupon), rows)
        db.session.commit()
        return db.session.execute(sa.select(Coupon.id, Coupon.merchant_id, Coupon.cut_fen)).all()

    coupon_rows = timed(f"insert {MERCHANTS * COUPONS_PER_MERCHANT:,} coupons", coupons)

    def vouchers_and_redemptions():
        start = now - timedelta(days=DAYS)
        span = (now - start).total_seconds()
        made = 0
        while made < VOUCHERS:
            n = min(CHUNK, VOUCHERS - made)
            vouchers, picks = [], []
            for i in range(n):
                coupon_id, merchant_id, cut = coupon_rows[rng.randrange(len(coupon_rows))]
                claimed_at = start + timedelta(seconds=rng.random() * span)
                redeemed = rng.random() < 0.4
                redeemed_at = min(claimed_at + timedelta(hours=rng.random() * 30), now - timedelta(minutes=1))
                vouchers.append(
                    {
                        "coupon_id": coupon_id,
                        "user_id": customer_ids[rng.randrange(len(customer_ids))],
                        "merchant_id": merchant_id,
                        "code": f"B{made + i:011d}",
                        "status": "redeemed" if redeemed else "active",
                        "claimed_at": claimed_at,
                        "valid_from": claimed_at,
                        "redeemed_at": redeemed_at if redeemed else None,
                    }
                )
                picks.append((redeemed, redeemed_at, merchant_id, cut))
            first_id = (db.session.scalar(sa.select(sa.func.max(Voucher.id))) or 0) + 1
            db.session.execute(Voucher.__table__.insert(), vouchers)
            redemptions = []
            for offset, ((redeemed, redeemed_at, merchant_id, cut), voucher) in enumerate(
                zip(picks, vouchers, strict=True)
            ):
                if not redeemed:
                    continue
                order = 10000 + rng.randrange(20000)
                reversed_at = redeemed_at + timedelta(minutes=5) if rng.random() < 0.01 else None
                redemptions.append(
                    {
                        "voucher_id": first_id + offset,
                        "merchant_id": merchant_id,
                        "clerk_id": owner_of[merchant_id],
                        "customer_id": voucher["user_id"],
                        "order_amount_fen": order,
                        "discount_fen": cut,
                        "payable_fen": order - cut,
                        "cashback_fen": 0,
                        "method": "code",
                        "redeemed_at": redeemed_at,
                        "reversed_at": reversed_at,
                        "district_id": district_of[merchant_id],
                        "branch_id": branch.id,
                    }
                )
            db.session.execute(Redemption.__table__.insert(), redemptions)
            db.session.commit()
            made += n
        return made

    timed(f"insert {VOUCHERS:,} vouchers and their redemptions", vouchers_and_redemptions)
    for k, days_ago in enumerate((75, 45, 12)):
        dtstart = clock.local_midnight_utc(clock.local_today() - timedelta(days=days_ago))
        db.session.add(
            ProgrammeEntry(
                branch_id=branch.id,
                kind="monthly_theme" if k < 2 else "festival",
                title=f"主题{k + 1}",
                tzid="Asia/Shanghai",
                all_day=True,
                dtstart=dtstart,
                dtend=dtstart + timedelta(days=10),
            )
        )
    db.session.commit()
    return branch, staff, shop_ids


def main() -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL")
    keep = os.environ.get("BENCH_KEEP") == "1"  # measure again on the data a previous run built
    if not url:
        path = out / "dashboards-bench.sqlite3"
        if path.exists() and not keep:
            path.unlink()
        url = f"sqlite:///{path}"

    import sqlalchemy as sa

    from alliance.accounts import services as accounts
    from alliance.accounts.models import User
    from alliance.core import clock
    from alliance.core.extensions import db
    from mall.redemption.models import Redemption
    from mall.reports import jobs, services
    from mall.reports.figures import Scope
    from mall.vouchers.models import Voucher
    from wsgi import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "SCHEDULER_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        # Mid-month, mid-afternoon: half a month rolled up, today's trade under way.
        clock.freeze(clock.local_datetime_utc(date(2026, 12, 15), time(15, 0)))
        now = clock.now_utc()
        if keep and db.session.scalar(sa.select(sa.func.count(Voucher.id))):
            from alliance.branches.models import Branch

            branch = db.session.scalar(sa.select(Branch))
            staff = db.session.scalar(sa.select(User).where(User.username == "benchstaff"))
            shop_ids = [m for (m,) in db.session.execute(sa.text("SELECT id FROM merchants ORDER BY id"))]
        else:
            branch, staff, shop_ids = build(db, now)
        print(
            f"rows: {db.session.scalar(sa.select(sa.func.count(Voucher.id))):,} vouchers, "
            f"{db.session.scalar(sa.select(sa.func.count(Redemption.id))):,} redemptions",
            flush=True,
        )
        summary = timed("roll-up of every past day (first run)", jobs.rollup)
        print(f"  {summary}")
        timed("roll-up again (nothing to do)", jobs.rollup)
        yesterday = clock.local_today() - timedelta(days=1)
        timed("roll-up of one day (the nightly run)", lambda: (jobs.roll_day(yesterday), db.session.commit()))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.session.commit()

        counter = StatementCounter(db.engine)
        owner = db.session.scalar(sa.select(User).where(User.merchant_id == shop_ids[0]))

        # The services read only: the signed-in user stays loaded, as a request's would be.
        def dashboard():
            services.branch_dashboard(staff, branch.id, Scope())

        def dashboard_filtered():
            services.branch_dashboard(staff, branch.id, Scope(industry="catering", tier="A"))

        def merchant_home():
            services.merchant_home(owner)

        measure("staff dashboard of the branch (service)", dashboard, counter)
        measure("staff dashboard, filtered by trade and tier (service)", dashboard_filtered, counter)
        measure("shop owner's dashboard (service)", merchant_home, counter)

        client = app.test_client()
        client.post("/login", data={"username": "benchstaff", "password": "benchpassword"})
        page = lambda: client.get("/staff/dashboard")  # noqa: E731
        measure("GET /staff/dashboard (whole page, as staff)", page, counter)
        token = accounts.issue_token(staff)[0]
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        measure(
            "GET /api/v1/reports/branches/<id> (this month)",
            lambda: client.get(f"/api/v1/reports/branches/{branch.id}", headers=headers),
            counter,
        )
        measure(
            "GET /api/v1/reports/merchants/<id> (this month)",
            lambda: client.get(f"/api/v1/reports/merchants/{shop_ids[0]}", headers=headers),
            counter,
        )
        print(f"database: {db.engine.dialect.name}; runs per figure: {RUNS}")


if __name__ == "__main__":
    main()

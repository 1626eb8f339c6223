"""How fast is the mall's list with 100,000 coupons? Seeds a fresh database, then times
`GET /api/v1/mall/coupons` (and the /mall page) with the filters customers use.

    .venv/bin/python bench/mall_list.py                 # SQLite, and PostgreSQL when it answers
    .venv/bin/python bench/mall_list.py --coupons 20000 --runs 10
    TEST_POSTGRES_URL=postgresql+psycopg://user@host/postgres .venv/bin/python bench/mall_list.py

Prints the median and 95th percentile per query, the number of SQL statements per request, and the
query plan of the main statement.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alliance.core.extensions import db  # noqa: E402
from wsgi import create_app  # noqa: E402

INDUSTRIES = [
    "catering",
    "construction",
    "clothing",
    "trading",
    "logistics",
    "travel",
    "agency",
    "housekeeping",
    "entertainment",
    "culture_sports",
]
WORDS = ["拉面", "火锅", "咖啡", "奶茶", "理发", "美甲", "洗衣", "书店", "健身", "花店", "烘焙", "烧烤"]
KINDS = ["threshold_cut", "discount", "cash", "gift", "cashback"]


def seed(n_coupons: int, n_merchants: int) -> None:
    rnd = random.Random(7)
    now = datetime.now(UTC)
    conn = db.session.connection()
    meta = db.metadata.tables
    conn.execute(
        meta["branches"].insert(), [{"id": i, "name": f"支行{i}", "created_at": now} for i in range(1, 5)]
    )
    conn.execute(
        meta["districts"].insert(),
        [{"id": i, "name": f"商圈{i}", "branch_id": 1 + i % 4, "created_at": now} for i in range(1, 21)],
    )
    merchants = []
    for i in range(1, n_merchants + 1):
        word = rnd.choice(WORDS)
        merchants.append(
            {
                "id": i,
                "name": f"{word}{i}号店",
                "district_id": 1 + i % 20,
                "format": "street_shop",
                "industry": INDUSTRIES[i % len(INDUSTRIES)],
                "store_type": "other",
                "status": "active" if i % 25 else "suspended",
                "created_at": now,
                "updated_at": now,
            }
        )
    conn.execute(meta["merchants"].insert(), merchants)
    batch = []
    for i in range(1, n_coupons + 1):
        kind = KINDS[i % len(KINDS)]
        state = rnd.random()
        status = "approved" if state < 0.85 else ("ended" if state < 0.93 else "draft")
        row = {
            "id": i,
            "merchant_id": 1 + rnd.randrange(n_merchants),
            "title": f"{rnd.choice(WORDS)}{'满100减20' if kind == 'threshold_cut' else '优惠'} {i}",
            "description": "周末可用" if i % 3 else None,
            "kind": kind,
            "threshold_fen": 10000 if kind in ("threshold_cut", "cash") else None,
            "cut_fen": 2000 if kind == "threshold_cut" else None,
            "percent_off": 15 if kind == "discount" else None,
            "cap_fen": 5000 if kind == "discount" else None,
            "amount_fen": 1000 if kind in ("cash", "cashback") else None,
            "gift_name": "饮品一杯" if kind == "gift" else None,
            "search_text": "",
            "stock_total": 100,
            "stock_remaining": 0 if i % 17 == 0 else 100 - i % 50,
            "per_customer_limit": 1,
            "claim_starts_at": now - timedelta(days=rnd.randrange(1, 30)) if i % 4 else None,
            "claim_ends_at": now + timedelta(days=rnd.randrange(-5, 60)) if i % 3 else None,
            "valid_days_after_claim": 7,
            "audience": "all",
            "status": status,
            "approved_at": now - timedelta(minutes=i) if status != "draft" else None,
            "created_at": now,
            "updated_at": now,
        }
        row["search_text"] = " ".join(
            t for t in (row["title"], row["gift_name"] or "", row["description"] or "") if t
        ).lower()
        batch.append(row)
        if len(batch) == 5000:
            conn.execute(meta["coupons"].insert(), batch)
            batch = []
    if batch:
        conn.execute(meta["coupons"].insert(), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does in production: statistics, and a visibility map for index-only scans.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("coupons", "merchants", "districts"):
                conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


QUERIES = [
    ("first page", "/api/v1/mall/coupons"),
    ("page 50", "/api/v1/mall/coupons?page=50"),
    ("100 per page", "/api/v1/mall/coupons?per_page=100"),
    ("district", "/api/v1/mall/coupons?district_id=7"),
    ("trade", "/api/v1/mall/coupons?industry=catering"),
    ("kind", "/api/v1/mall/coupons?kind=gift"),
    ("district+trade+kind", "/api/v1/mall/coupons?district_id=3&industry=trading&kind=cash"),
    ("q Chinese", "/api/v1/mall/coupons?q=火锅"),
    ("q English (trade)", "/api/v1/mall/coupons?q=catering"),
    ("q two words", "/api/v1/mall/coupons?q=咖啡 满100"),
    ("/mall page (HTML)", "/mall"),
    ("/mall?q= page (HTML)", "/mall?q=奶茶&district_id=5"),
    ("home page (HTML)", "/"),
]


def measure(app, runs: int) -> None:
    from sqlalchemy import event

    client = app.test_client()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    print(f"{'query':<24}{'median ms':>10}{'p95 ms':>10}{'stmts':>7}{'total':>8}")
    for name, path in QUERIES:
        timings = []
        for _ in range(runs):
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            event.remove(db.engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code)
        total = response.get_json()["total"] if path.startswith("/api") else "-"
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{name:<24}{statistics.median(timings):>10.1f}{p95:>10.1f}{len(statements):>7}{total!s:>8}")


def explain(app) -> None:
    from mall.coupons import services

    with app.test_request_context("/"):
        from mall.coupons.models import Coupon

        where = services._live_filter(services.MallFilters(district_id=7), datetime.now(UTC))
        statements = {
            "count, district filter": sa.select(sa.func.count(Coupon.id)).where(where),
            "page ids, district filter": sa.select(Coupon.id)
            .where(where)
            .order_by(Coupon.approved_at.desc(), Coupon.id.desc())
            .limit(20),
        }
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        for label, stmt in statements.items():
            compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
            print(f"\nplan of the {label}:")
            for row in db.session.execute(sa.text(prefix + str(compiled))):
                print("   ", row[-1] if db.engine.dialect.name == "sqlite" else row[0])


def run(url: str, label: str, n_coupons: int, n_merchants: int, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        seed(n_coupons, n_merchants)
        seconds = time.perf_counter() - started
        print(f"\n== {label}: {n_coupons:,} coupons, {n_merchants:,} merchants (seeded in {seconds:.1f} s)")
        measure(app, runs)
        explain(app)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--coupons", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--keep", help="keep the SQLite database at this path (for EXPLAIN by hand)")
    args = parser.parse_args()

    if args.keep:
        Path(args.keep).unlink(missing_ok=True)
        run(f"sqlite:///{args.keep}", "SQLite", args.coupons, args.merchants, args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", args.coupons, args.merchants, args.runs)
    if args.sqlite_only:
        return

    from tests import databases

    if not databases.postgres_available():
        print("\nPostgreSQL is not reachable: skipped.")
        return
    admin = sa.create_engine(databases.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"alliance_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = databases.PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        run(url, "PostgreSQL", args.coupons, args.merchants, args.runs)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()

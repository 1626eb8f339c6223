"""Does a page get slower as the mall grows? The mall list, a coupon's page and the wallet at 1,000
and at 100,000 coupons (with 1,000,000 vouchers among 10,000 customers), timed in process through
the test client, with the SQL statements each request runs.

    .venv/bin/python bench/scale.py                                  # SQLite, and PostgreSQL when it answers
    .venv/bin/python bench/scale.py --sizes 1000 20000 --vouchers 100000 --runs 20

Prints p50 per request and size, the ratio of the largest size's p50 to the smallest's, and the
statements per request; writes bench/out/scale.json.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import _common as c
from sqlalchemy import event

CUSTOMERS = 10_000


def seed(n_coupons: int, n_vouchers: int) -> tuple[str, int]:
    from alliance.core import codes

    rnd = random.Random(9)
    merchants = c.seed_shops(200)
    customers = c.seed_users(CUSTOMERS, "customer")
    rows = [c.coupon_row(i, merchants[i % len(merchants)], 1000) for i in range(1, n_coupons + 1)]
    c.insert_many("coupons", rows)
    now = datetime.now(UTC)
    batch = []
    for i in range(n_vouchers):
        cid = 1 + rnd.randrange(n_coupons)
        batch.append(
            {
                "coupon_id": cid,
                "user_id": customers[i % CUSTOMERS][0],
                "merchant_id": merchants[cid % len(merchants)],
                "code": codes.new_code(12),
                "status": "active" if i % 3 else "redeemed",
                "claimed_at": now,
                "valid_from": now - timedelta(days=1),
                "valid_until": now + timedelta(days=30),
            }
        )
        if len(batch) == 20000:
            c.insert_many("vouchers", batch)
            batch = []
    if batch:
        c.insert_many("vouchers", batch)
    return customers[0][1], n_coupons // 2


def measure(app, token: str, coupon_id: int, runs: int) -> dict:
    from alliance.core.extensions import db

    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    requests_ = {
        "mall list (20)": ("/api/v1/mall/coupons", {}),
        "mall list (100)": ("/api/v1/mall/coupons?per_page=100", {}),
        "mall page (HTML)": ("/mall", {}),
        "coupon page (HTML)": (f"/mall/coupons/{coupon_id}", {}),
        "wallet (API)": ("/api/v1/me/vouchers?status=active", auth),
    }
    out = {}
    for name, (path, headers) in requests_.items():
        statements: list[str] = []

        def count(conn, cursor, statement, *args, _s=statements):
            _s.append(statement)

        timings = []
        for i in range(runs + 2):
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            event.remove(db.engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code)
            if i >= 2:  # the first two warm the caches
                timings.append(elapsed)
        out[name] = {"p50_ms": round(statistics.median(timings), 2), "statements": len(statements)}
    return out


def one_database(kind: str, sizes: list[int], vouchers: int, runs: int) -> dict:
    from alliance.core.extensions import db

    results = {}
    for size in sizes:
        database = c.fresh_database(kind)
        try:
            app = c.app_for(database.url)
            with app.app_context():
                db.create_all()
                started = time.perf_counter()
                token, coupon_id = seed(size, vouchers if size == max(sizes) else vouchers // 100)
                db.session.commit()
                c.analyse()
                print(f"  {kind}: {size:,} coupons seeded in {time.perf_counter() - started:.0f} s")
                results[size] = measure(app, token, coupon_id, runs)
                db.session.remove()
                db.engine.dispose()
        finally:
            database.drop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--vouchers", type=int, default=1_000_000, help="vouchers at the largest size")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite"] + (["postgres"] if c.postgres_available() else [])
    out: dict = {"sizes": args.sizes, "vouchers": args.vouchers, "runs": args.runs, "databases": {}}
    for kind in kinds:
        out["databases"][kind] = one_database(kind, args.sizes, args.vouchers, args.runs)
    small, large = min(args.sizes), max(args.sizes)
    rows = []
    for kind, by_size in out["databases"].items():
        for name in by_size[small]:
            a, b = by_size[small][name], by_size[large][name]
            rows.append(
                [
                    kind,
                    name,
                    a["p50_ms"],
                    b["p50_ms"],
                    round(b["p50_ms"] / a["p50_ms"], 2),
                    a["statements"],
                    b["statements"],
                ]
            )
    print(
        f"\nscale: p50 of {args.runs} requests at {small:,} and {large:,} coupons, {args.vouchers:,} vouchers"
    )
    c.print_table(
        ["db", "request", f"p50 ms {small:,}", f"p50 ms {large:,}", "ratio", "stmts", "stmts"], rows
    )
    print("wrote", c.write_json("scale", out))


if __name__ == "__main__":
    main()

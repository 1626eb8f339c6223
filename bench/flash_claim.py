"""A festival's flash claim: the project's claim endpoint against a bare floor endpoint of its own, in
one run, on the same gunicorn (4 sync workers) and the same database, load from wrk in a separate
process (2 threads, 16 connections), every request a different customer's token.

    .venv/bin/python bench/flash_claim.py                       # SQLite, and PostgreSQL when it answers
    .venv/bin/python bench/flash_claim.py --duration 3 --runs 1 # a quick look
    .venv/bin/python bench/flash_claim.py --only sqlite

Prints claims/s, p50 and p99 of each, the ratio claim / Core floor, the largest RSS of a worker; on
PostgreSQL also a coupon whose stock is in 8 shards beside a single-row one. Medians of the runs.
Writes bench/out/flash_claim.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import _common as c

STOCK = 1_000_000


def one_database(kind: str, duration: float, runs: int, log_dir: Path) -> dict:
    from alliance.core.extensions import db

    database = c.fresh_database(kind)
    try:
        app = c.app_for(database.url)
        per_run = 4000 if duration <= 3 else int(duration * 1500)
        with app.app_context():
            db.create_all()
            [merchant] = c.seed_shops(1)
            c.seed_users(1, "merchant", merchant)
            customers = c.seed_users(per_run * (runs * 2 + 1), "customer")
            c.seed_coupon(1, merchant, STOCK)  # one row
            c.seed_coupon(2, merchant, STOCK)  # the floor's
            c.seed_coupon(3, merchant, STOCK, shards=8)
            db.session.commit()
            c.analyse()
            db.engine.dispose()
        server = c.start_server(database.url, log_dir)
        try:
            tokens = [raw for _uid, raw in customers]
            results: dict[str, list[dict]] = {"claim": [], "floor": [], "claim_sharded": []}
            # Warm every worker up first (imports, template and statement caches); not measured.
            offset = per_run
            c.wrk(server, "/api/v1/mall/coupons/1/claims", [f"{t}\t" for t in tokens[:per_run]], duration=3)
            for _ in range(runs):
                for name, coupon_id in (("claim", 1), ("floor", 2), ("claim_sharded", 3)):
                    if name == "claim_sharded" and kind != "postgres":
                        continue
                    if name == "floor":
                        lines = ["\t"] * 100
                        path = f"/bench/floor/{coupon_id}?u={customers[0][0]}"
                    else:
                        lines = [f"{t}\t" for t in tokens[offset : offset + per_run]]
                        offset += per_run
                        path = f"/api/v1/mall/coupons/{coupon_id}/claims"
                    results[name].append(c.wrk(server, path, lines, duration=duration))
            rss = server.max_rss_mb()
        finally:
            server.stop()
        summary = {name: c.median_of(rs) for name, rs in results.items() if rs}
        summary["ratio_to_floor"] = round(summary["claim"]["ok_per_s"] / summary["floor"]["ok_per_s"], 2)
        if "claim_sharded" in summary:
            summary["sharded_over_single_row"] = round(
                summary["claim_sharded"]["ok_per_s"] / summary["claim"]["ok_per_s"], 2
            )
        summary["max_worker_rss_mb"] = rss
        summary["runs"] = results
        return summary
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite"] + (["postgres"] if c.postgres_available() else [])
    out: dict = {"duration_s": args.duration, "runs": args.runs, "databases": {}}
    with tempfile.TemporaryDirectory() as log_dir:
        for kind in kinds:
            out["databases"][kind] = one_database(kind, args.duration, args.runs, Path(log_dir))
    rows = []
    for kind, s in out["databases"].items():
        for name in ("claim", "claim_sharded", "floor"):
            if name in s:
                r = s[name]
                rows.append(
                    [kind, name, r["ok_per_s"], r["p50_ms"], r["p99_ms"], r["non_2xx"], r["socket_errors"]]
                )
        rows.append([kind, "ratio claim/floor", s["ratio_to_floor"], "", "", "", ""])
        if "sharded_over_single_row" in s:
            rows.append([kind, "sharded/single row", s["sharded_over_single_row"], "", "", "", ""])
        rows.append([kind, "max RSS per worker MB", s["max_worker_rss_mb"], "", "", "", ""])
    print(
        f"\nflash claim: gunicorn 4 sync workers, wrk -t2 -c16, {args.duration:g} s x {args.runs} (medians)"
    )
    c.print_table(["db", "endpoint", "ok/s", "p50 ms", "p99 ms", "non-2xx", "sock err"], rows)
    print("wrote", c.write_json("flash_claim", out))


if __name__ == "__main__":
    main()

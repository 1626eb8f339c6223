"""16 tills redeeming distinct vouchers at once: `POST /api/v1/redemptions` by typed code, gunicorn
(4 sync workers), wrk (16 connections) in a separate process; each request a different voucher, the
tills' 16 tokens taking turns.

    .venv/bin/python bench/redemption.py                        # SQLite, and PostgreSQL when it answers
    .venv/bin/python bench/redemption.py --duration 3 --runs 1

Prints throughput and p50/p95/p99 (medians of the runs); writes bench/out/redemption.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common as c

TILLS = 16
# The paced phase: every till one redemption every PACE seconds (64 a second in all), far faster than
# a clerk scans; what each till waits at that pace is the latency the target speaks of.
PACE = 0.25


def one_database(kind: str, duration: float, runs: int, log_dir: Path) -> dict:
    from alliance.core import codes
    from alliance.core.extensions import db

    database = c.fresh_database(kind)
    try:
        app = c.app_for(database.url)
        per_run = 3000 if duration <= 3 else int(duration * 800)
        per_paced = int(duration * TILLS / PACE) + TILLS
        with app.app_context():
            db.create_all()
            [merchant] = c.seed_shops(1)
            tills = c.seed_users(TILLS, "clerk", merchant)
            [(customer, _)] = c.seed_users(1, "customer")
            # The first share warms every worker up (imports, caches); then the closed-loop runs, then
            # the paced runs.
            n = per_run * (runs + 1) + per_paced * runs
            c.seed_coupon(1, merchant, n)
            now = datetime.now(UTC)
            vouchers = [
                {
                    "coupon_id": 1,
                    "user_id": customer,
                    "merchant_id": merchant,
                    "code": codes.new_code(12),
                    "status": "active",
                    "claimed_at": now,
                    "valid_from": now - timedelta(minutes=1),
                    "valid_until": now + timedelta(days=30),
                }
                for _ in range(n)
            ]
            c.insert_many("vouchers", vouchers)
            db.session.commit()
            c.analyse()
            db.engine.dispose()
        server = c.start_server(database.url, log_dir, env={"REDEEM_FAILURE_LIMIT": "100000 per minute"})
        try:
            results = []
            for run in range(runs + 1):
                chunk = vouchers[run * per_run : (run + 1) * per_run]
                lines = [
                    f"{tills[i % TILLS][1]}\t" + json.dumps({"code": v["code"], "order_amount_fen": 12000})
                    for i, v in enumerate(chunk)
                ]
                result = c.wrk(server, "/api/v1/redemptions", lines, duration=duration if run else 3)
                if run:  # run 0 only warmed the workers up
                    results.append(result)
            paced_results = []
            offset = per_run * (runs + 1)
            for run in range(runs):
                chunk = vouchers[offset + run * per_paced : offset + (run + 1) * per_paced]
                lines = [
                    f"{tills[i % TILLS][1]}\t" + json.dumps({"code": v["code"], "order_amount_fen": 12000})
                    for i, v in enumerate(chunk)
                ]
                paced_results.append(
                    c.paced(
                        server, "/api/v1/redemptions", lines, tills=TILLS, interval=PACE, duration=duration
                    )
                )
            rss = server.max_rss_mb()
        finally:
            server.stop()
        return {
            "redeem": c.median_of(results),
            "paced": c.median_of(paced_results),
            "max_worker_rss_mb": rss,
            "runs": results,
            "paced_runs": paced_results,
        }
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite"] + (["postgres"] if c.postgres_available() else [])
    out: dict = {"duration_s": args.duration, "runs": args.runs, "tills": TILLS, "databases": {}}
    with tempfile.TemporaryDirectory() as log_dir:
        for kind in kinds:
            out["databases"][kind] = one_database(kind, args.duration, args.runs, Path(log_dir))
    rows = []
    for kind, s in out["databases"].items():
        for label, r in (("back to back (wrk)", s["redeem"]), (f"each till every {PACE:g} s", s["paced"])):
            rows.append(
                [
                    kind,
                    label,
                    r["ok_per_s"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p99_ms"],
                    r["non_2xx"],
                    s["max_worker_rss_mb"],
                ]
            )
    print(
        f"\nredemption: {TILLS} tills, gunicorn 4 sync workers, {args.duration:g} s x {args.runs} (medians); "
        "back to back keeps 16 requests in flight (latency is mostly the queue), paced is open-loop"
    )
    c.print_table(["db", "load", "redeemed/s", "p50 ms", "p95 ms", "p99 ms", "non-2xx", "RSS MB"], rows)
    print("wrote", c.write_json("redemption", out))


if __name__ == "__main__":
    main()

"""How fast the alliance handles a big branch: importing 10,000 merchants' figures, re-tiering
them, and listing / exporting 10,000 merchants.

    .venv/bin/python bench/alliance_figures.py                 # a fresh SQLite file in bench/out/
    DATABASE_URL=postgresql://... .venv/bin/python bench/alliance_figures.py   # an EMPTY database
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N = int(os.environ.get("BENCH_MERCHANTS", "10000"))


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL")
    if not url:
        path = out / "alliance-bench.sqlite3"
        if path.exists():
            path.unlink()
        url = f"sqlite:///{path}"

    import sqlalchemy as sa

    from alliance.accounts import services as accounts
    from alliance.core.extensions import db
    from alliance.merchants.models import Merchant, MerchantFigures
    from alliance.merchants.services import imports, listing, tiering
    from tests.merchants.factories import LADDER
    from wsgi import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False})
    with app.app_context():
        db.create_all()
        from alliance.branches import services as branches

        branch = branches.create_branch(None, "Bench branch")
        district = branches.create_district(None, "Bench district", branch.id)
        staff = accounts.create_user(None, "benchstaff", "benchpassword", "staff", branch_id=branch.id)
        tiering.save_policy(staff, branch.id, LADDER, 1)
        now = __import__("alliance.core.clock", fromlist=["now_utc"]).now_utc()

        def make_merchants():
            rows = [
                {
                    "name": f"Shop {i:05d}",
                    "district_id": district.id,
                    "format": "street_shop",
                    "industry": "catering",
                    "store_type": "restaurant",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(N)
            ]
            db.session.execute(sa.insert(Merchant), rows)
            db.session.commit()

        timed(f"insert {N:,} merchants", make_merchants)
        ids = list(db.session.scalars(sa.select(Merchant.id).order_by(Merchant.id)))
        lines = [
            "merchant_id,month,avg_daily_balance,acquiring_volume,fee_income,loan_credit,transaction_count"
        ]
        lines += [
            f"{mid},2026-10,{i * 37 % 5_000_000},{i * 901 % 50_000_000},{i * 13 % 500_000},0,{i % 900}"
            for i, mid in enumerate(ids)
        ]
        raw = ("\n".join(lines) + "\n").encode()
        print(f"{'CSV size':<58} {len(raw) / 1024:8.0f} KB")

        batch = timed(
            f"parse and preview {N:,} rows (nothing written)", lambda: imports.create_preview(staff, raw)
        )
        db.session.commit()
        result = timed(
            f"confirm: write {N:,} months and re-tier",
            lambda: imports.apply(staff, batch.id, valid_only=True),
        )
        db.session.commit()
        print(f"{'  tier changes':<58} {result['tier_changes']:8,}")
        assert db.session.scalar(sa.select(sa.func.count(MerchantFigures.id))) == N
        timed("monthly re-tiering with nothing to change", lambda: tiering.retier(None))
        db.session.commit()
        timed(
            "list page 200 of 50, sorted by acquiring volume",
            lambda: listing.search(
                staff, listing.Filters(), sort="-acquiring", page=200, per_page=50, managed=True
            ),
        )
        timed("pyramid counts", lambda: tiering.pyramid(staff))
        rows = timed(
            f"CSV export rows of {N:,} merchants", lambda: list(listing.every(staff, listing.Filters()))
        )
        print(f"{'  exported':<58} {len(rows):8,}")

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(staff.id)
            session["_fresh"] = True
        page = timed(
            "GET /staff/merchants (page of 50 of 10,000)", lambda: client.get("/staff/merchants?sort=-fee")
        )
        assert page.status_code == 200 and page.data.count(b"<tr>") >= 50
        response = timed("GET /staff/merchants.csv (all)", lambda: client.get("/staff/merchants.csv"))
        print(f"{'  export size':<58} {len(response.data) / 1024:8.0f} KB")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()

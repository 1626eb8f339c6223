"""The application as gunicorn serves it, plus the benchmarks' bare floor endpoint, so the claim and
the floor run in the same server processes against the same database.

The floor does only what a claim cannot do without: the conditional stock update and the voucher
insert, in SQLAlchemy Core, one short transaction; no token, no rules, no counters, no rendering
beyond a tiny JSON answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, request

from alliance.core import clock, codes
from alliance.core.db import write_intent
from alliance.core.extensions import csrf, db
from wsgi import create_app

app = create_app()


@app.post("/bench/floor/<int:coupon_id>")
@csrf.exempt
def floor_claim(coupon_id: int):
    now = clock.now_utc()
    lock = write_intent.set(True)  # it only writes: SQLite's BEGIN IMMEDIATE straight away
    try:
        return _take_and_insert(coupon_id, now)
    finally:
        write_intent.reset(lock)


def _take_and_insert(coupon_id: int, now):
    coupons = db.metadata.tables["coupons"]
    vouchers = db.metadata.tables["vouchers"]
    with db.engine.begin() as conn:
        taken = conn.execute(
            sa.update(coupons)
            .where(coupons.c.id == coupon_id, coupons.c.stock_remaining > 0)
            .values(stock_remaining=coupons.c.stock_remaining - 1)
        ).rowcount
        if not taken:
            return jsonify({"error": {"code": "sold_out"}}), 409
        voucher_id = conn.execute(
            vouchers.insert()
            .values(
                coupon_id=coupon_id,
                user_id=int(request.args.get("u", 1)),
                merchant_id=1,
                code=codes.new_code(12),
                status="active",
                claimed_at=now,
                valid_from=now,
            )
            .returning(vouchers.c.id)
        ).scalar_one()
    return jsonify({"id": voucher_id}), 201

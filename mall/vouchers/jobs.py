"""Scheduled work for vouchers and coupons. Each job reconciles the database to what the clock already
says (claimability and expiry are computed at read time), so a missed or repeated run does no harm."""

from __future__ import annotations

from alliance.core.extensions import db
from alliance.core.jobs import Job
from mall.coupons import services as coupons
from mall.vouchers import services


def expire_vouchers() -> dict:
    """Mark active vouchers past their validity as expired."""
    expired = services.expire_due()
    db.session.commit()
    return {"expired": expired}


def remind_expiring_vouchers() -> dict:
    """Remind customers once, three days ahead, that a voucher runs out (through the inbox)."""
    sent = services.remind_expiring(link_for=lambda voucher: f"/wallet/{voucher.id}")
    db.session.commit()
    return {"reminded": sent}


def end_finished_coupons() -> dict:
    """Mark approved coupons whose claim window is over as ended."""
    ended = coupons.end_finished()
    db.session.commit()
    return {"ended": ended}


EXPIRE_VOUCHERS = Job(
    "mall.expire_vouchers",
    expire_vouchers,
    "interval",
    {"minutes": 10},
    "Mark vouchers past their validity as expired",
)
REMIND_EXPIRING = Job(
    "mall.remind_expiring_vouchers",
    remind_expiring_vouchers,
    "cron",
    {"hour": 9, "minute": 30},
    "Remind customers of vouchers that expire within three days",
)
END_COUPONS = Job(
    "mall.end_finished_coupons",
    end_finished_coupons,
    "interval",
    {"minutes": 10},
    "End coupons whose claim window is over",
)

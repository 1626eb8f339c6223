"""The nightly roll-up of the reports: every finished local day not written yet, once.

A day is rewritten whole (its rows deleted and inserted again in one transaction), so rolling a day up
twice leaves the same rows; the ledger of rolled days makes a run after downtime continue where the
last one stopped, each missed day once.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.core import clock
from alliance.core.extensions import db
from alliance.core.jobs import Job
from mall.redemption.models import Redemption
from mall.reports import figures
from mall.reports.figures import Scope
from mall.reports.models import FIELDS, LEVELS, PLACE_COLUMNS, RolledUpDay
from mall.vouchers.models import Voucher

# With no day rolled up yet, the first run goes back at most this far (to the first claim).
FIRST_RUN_LOOKBACK_DAYS = 400


def roll_day(day: date) -> int:
    """Write `day`'s rows afresh at every level (per coupon, per merchant, per place); the number of
    per-coupon rows written."""
    cells = [row for row in figures.live(day, Scope()) if any(row[name] for name in FIELDS)]
    written = 0
    for model, keys in LEVELS:
        db.session.execute(sa.delete(model).where(model.day == day))
        rows = figures.regroup(cells, ("day", *keys, *PLACE_COLUMNS))
        if rows:
            db.session.execute(sa.insert(model), rows)
        written = written or len(rows)
    now = clock.now_utc()
    done = db.session.get(RolledUpDay, day)
    if done is None:
        db.session.add(RolledUpDay(day=day, rows=written, computed_at=now))
    else:
        done.rows, done.updated_at = written, now
    db.session.flush()
    return written


def _first_day(today: date) -> date:
    through = figures.rolled_through()
    if through is not None:
        return through + timedelta(days=1)
    earliest = today - timedelta(days=FIRST_RUN_LOOKBACK_DAYS)
    first_claim = db.session.scalar(sa.select(sa.func.min(Voucher.claimed_at)))
    first_redemption = db.session.scalar(sa.select(sa.func.min(Redemption.redeemed_at)))
    starts = [clock.to_local(t).date() for t in (first_claim, first_redemption) if t is not None]
    return max(earliest, min(starts)) if starts else today


def rollup() -> dict:
    """Nightly: roll up each finished local day after the last one rolled up. Each day commits on its
    own, so a long catch-up keeps what it finished if it is stopped."""
    today = clock.local_today()
    day = _first_day(today)
    days = rows = 0
    while day < today:
        rows += roll_day(day)
        db.session.commit()
        days += 1
        day += timedelta(days=1)
    db.session.commit()
    return {"days": days, "rows": rows}


ROLLUP = Job("reports.rollup", rollup, "cron", {"hour": 1, "minute": 30}, _l("Nightly report figures"))

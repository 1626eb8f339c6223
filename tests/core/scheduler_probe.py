"""A scheduler process for tests: the real `run_blocking`, with one probe job that counts its runs.

python -m tests.core.scheduler_probe DATABASE_URL
"""

from __future__ import annotations

import logging
import os
import sys
import time

import sqlalchemy as sa

from alliance.core.extensions import db
from alliance.core.jobs import Job
from alliance.core.scheduler import runner
from alliance.core.scheduler.service import run_blocking

PROBE_TABLE = "scheduler_probe"


def create_probe_table(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} "
                "(id SERIAL PRIMARY KEY, job_id VARCHAR(50), slot VARCHAR(40), pid INTEGER)"
            )
        )
    engine.dispose()


def probe(job_id: str):
    def tick():
        slot = runner.current_slot()
        db.session.execute(
            sa.text(f"INSERT INTO {PROBE_TABLE} (job_id, slot, pid) VALUES (:j, :s, :p)"),
            {"j": job_id, "s": slot.isoformat() if slot else None, "p": os.getpid()},
        )
        db.session.commit()
        return {"slot": str(slot)}

    return tick


PROBE_JOBS = [
    Job("probe.every_second", probe("probe.every_second"), "interval", {"seconds": 1}),
    Job("probe.cron_second", probe("probe.cron_second"), "cron", {"second": "*"}),
]

SLOW_SECONDS = 4


def slow_probe(job_id: str):
    """A run that takes a while: it notes its start (committed at once) and, at its end, its finish."""

    def run():
        slot = runner.current_slot()
        stamp = slot.isoformat() if slot else None
        engine = db.engine
        with engine.begin() as conn:  # visible while the run is still going
            conn.execute(
                sa.text(f"INSERT INTO {PROBE_TABLE} (job_id, slot, pid) VALUES (:j, :s, :p)"),
                {"j": job_id + ":start", "s": stamp, "p": os.getpid()},
            )
        time.sleep(SLOW_SECONDS)
        db.session.execute(
            sa.text(f"INSERT INTO {PROBE_TABLE} (job_id, slot, pid) VALUES (:j, :s, :p)"),
            {"j": job_id + ":end", "s": stamp, "p": os.getpid()},
        )
        db.session.commit()
        return {"slot": stamp}

    return run


# Every 20 seconds, running 4: long enough to be killed mid-way and redone before the next slot.
SLOW_JOBS = [Job("probe.slow", slow_probe("probe.slow"), "cron", {"second": "*/20"})]


def main(url: str, which: str = "fast") -> None:
    from wsgi import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "probe",
            "SCHEDULER_ENABLED": True,
            "SCHEDULER_LOCK_LEASE_SECONDS": 3,
        }
    )
    app.extensions["alliance.jobs"] = SLOW_JOBS if which == "slow" else PROBE_JOBS
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(process)d %(name)s: %(message)s")
    print("probe scheduler starting", flush=True)
    run_blocking(app)


if __name__ == "__main__":
    main(*sys.argv[1:3])

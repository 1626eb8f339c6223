"""A scheduler process for tests: the real `run_blocking`, with one probe job that counts its runs.

python -m tests.core.scheduler_probe DATABASE_URL
"""

from __future__ import annotations

import logging
import os
import sys

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


def main(url: str) -> None:
    from wsgi import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "probe", "SCHEDULER_ENABLED": True})
    app.extensions["alliance.jobs"] = PROBE_JOBS
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(process)d %(name)s: %(message)s")
    print("probe scheduler starting", flush=True)
    run_blocking(app)


if __name__ == "__main__":
    main(sys.argv[1])

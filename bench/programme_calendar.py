"""How long the programme calendar takes to expand a month, and the iCalendar feed to build.

    .venv/bin/python bench/programme_calendar.py [ENTRIES]

Builds a throw-away SQLite database with ENTRIES recurring entries (default 300) in one branch and
prints the time to expand a month of occurrences and to build the branch's feed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(count: int) -> None:
    from alliance.accounts import services as accounts
    from alliance.branches import services as branches
    from alliance.core.extensions import db
    from mall.programme import ical, services
    from mall.programme.constants import EntryKind
    from wsgi import create_app

    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        branch = branches.create_branch(None, "Bench branch")
        staff = accounts.create_user(None, "benchstaff", "benchpassword", "staff", branch_id=branch.id)
        kinds = [
            (EntryKind.WEEKLY_EVENT, "weekly"),
            (EntryKind.DAILY_DEAL, "weekly"),
            (EntryKind.WEEKLY_EVENT, "daily"),
        ]
        from datetime import time as t

        for n in range(count):
            kind, repeats = kinds[n % len(kinds)]
            dtstart, dtend, all_day, rule = services.plain_timing(
                kind, date(2026, 1, 1 + n % 28), None, t(19), t(20), repeats, [1 + n % 7], None
            )
            services.create_entry(
                staff,
                services.EntryData(
                    kind=kind,
                    title=f"Entry {n}",
                    branch_id=branch.id,
                    dtstart=dtstart,
                    dtend=dtend,
                    all_day=all_day,
                    rrule=rule,
                    event_format="lecture" if kind == EntryKind.WEEKLY_EVENT else None,
                ),
            )
        db.session.commit()
        start, end = services.local_range(date(2026, 12, 1), date(2026, 12, 31))
        for _ in range(2):
            began = time.perf_counter()
            occs = services.calendar(None, start, end)
            month = time.perf_counter() - began
            db.session.rollback()
        began = time.perf_counter()
        feed = ical.build_feed(branch.id, None)
        feed_time = time.perf_counter() - began
        print(f"entries: {count}")
        print(f"month of occurrences: {len(occs)} in {month * 1000:.0f} ms")
        print(f"iCalendar feed: {len(feed) / 1024:.0f} KiB in {feed_time * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)

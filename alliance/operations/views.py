"""Pages: the scheduler's health (each job's last run, outcome, next run, failures)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from alliance.core.nav import NavItem, add_nav
from alliance.core.scheduler.descriptions import summary_text
from alliance.core.scheduler.health import job_health
from alliance.core.web import roles_required

bp = Blueprint("operations", __name__)

STATE_LABELS = {
    "ok": (_l("OK"), "success"),
    "running": (_l("Running"), "info"),
    "never_run": (_l("Not run yet"), "secondary"),
    "failing": (_l("Failing"), "danger"),
    "interrupted": (_l("Interrupted"), "warning"),
    "overdue": (_l("Overdue: is the scheduler running?"), "danger"),
}


@bp.route("/admin/scheduler")
@roles_required("staff", "admin")
def scheduler():
    rows = job_health()
    return render_template(
        "alliance/operations/scheduler.html",
        rows=rows,
        states=STATE_LABELS,
        summary_text=summary_text,
        unhealthy=sum(1 for r in rows if not r.healthy),
        scheduled=any(r.next_run for r in rows),
    )


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "operations.scheduler",
            _l("Scheduler"),
            "clock-history",
            frozenset({"staff", "admin"}),
            order=98,
            group=_l("Administration"),
        ),
    )

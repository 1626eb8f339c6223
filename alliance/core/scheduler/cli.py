"""`flask scheduler run|jobs|run-job`: the scheduler as its own production process, and its tools."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

scheduler_cli = AppGroup("scheduler", help="Run the job scheduler and inspect its jobs.")


@scheduler_cli.command("run")
@with_appcontext
def run_command():
    """Run the scheduler in the foreground: exactly one per deployment (gunicorn workers run none)."""
    from alliance.core.scheduler.service import run_blocking

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    click.echo(f"Scheduler running {len(app.extensions.get('alliance.jobs', []))} jobs (Ctrl+C to stop).")
    run_blocking(app)


@scheduler_cli.command("jobs")
@with_appcontext
def jobs_command():
    """List the declared jobs with their last run and next run."""
    from alliance.core.scheduler.health import job_health

    for row in job_health():
        last = row.last_run.started_at.isoformat() if row.last_run else "-"
        outcome = row.last_run.outcome if row.last_run else "-"
        nxt = row.next_run.isoformat() if row.next_run else "-"
        click.echo(f"{row.job.id:<32} last {last:<34} {outcome:<8} next {nxt}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
@with_appcontext
def run_job_command(job_id: str):
    """Run one job now, outside its schedule (it still takes the job's lock)."""
    from alliance.core.scheduler.runner import execute, find_job

    try:
        find_job(job_id)
    except LookupError as err:
        raise click.ClickException(str(err))
    outcome = execute(job_id, manual=True)
    click.echo(f"{job_id}: {outcome}")
    if outcome != "ok":  # failed, or not run at all (another run holds the job's lock)
        raise SystemExit(1)

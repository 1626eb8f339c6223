"""Commands every deployment has: `flask demo` (idempotent demo data) and `flask serve` (development)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from alliance.core.extensions import db


def demo_command(steps: list):
    @click.command("demo")
    @with_appcontext
    def demo():
        """Fill the database with a living demo (safe to run again)."""
        logins: list[tuple[str, str, str]] = []  # (role, username, password)
        for step in steps:
            found = step()
            db.session.commit()
            if found:
                logins.extend(found)
        click.echo("Demo data is ready. Sign in with:")
        seen = set()
        for role, username, password in logins:
            if username in seen:
                continue
            seen.add(username)
            click.echo(f"  {role:<10} {username:<18} {password}")

    return demo


def serve_command():
    @click.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    @with_appcontext
    def serve(host: str, port: int):
        """Run the development server, with the scheduler in this process (once)."""
        app = current_app._get_current_object()
        starter = app.extensions.get("alliance.start_scheduler")
        if starter and app.config["SCHEDULER_ENABLED"]:
            starter(app)
            click.echo("Scheduler running in this process.")
        click.echo(f"Merchant alliance running at http://{host}:{port}/  (Ctrl+C to stop)")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

    return serve

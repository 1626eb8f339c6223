"""`flask users create`: make any account from the command line, the first admin included."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from alliance.accounts import services
from alliance.accounts.models import Role
from alliance.core.errors import DomainError
from alliance.core.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--branch", "branch_id", type=int, default=None, help="Branch id (staff).")
@click.option("--merchant", "merchant_id", type=int, default=None, help="Merchant id (owners, clerks).")
@click.option("--name", "display_name", default=None)
def create(role, username, password, branch_id, merchant_id, display_name):
    """Create an account of ROLE."""
    try:
        if role == Role.CUSTOMER:
            user = services.register_customer(username, password, display_name=display_name)
        else:
            user = services.create_user(
                None,
                username,
                password,
                role,
                branch_id=branch_id,
                merchant_id=merchant_id,
                display_name=display_name,
            )
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        details = "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in (err.fields or {}).items())
        raise click.ClickException(f"{err.message} {details}".strip()) from err
    click.echo(f"created {user.role} {user.username} (id {user.id})")

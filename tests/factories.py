"""Builders for test data, through the services so the rules apply."""

from __future__ import annotations

import itertools

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.branches import services as branches
from alliance.core.extensions import db

PASSWORD = "password123"
_seq = itertools.count(1)


def branch(name: str | None = None):
    return branches.create_branch(None, name or f"Branch {next(_seq)}")


def district(branch_obj=None, name: str | None = None):
    branch_obj = branch_obj or branch()
    return branches.create_district(None, name or f"District {next(_seq)}", branch_obj.id)


def user(role: str = "customer", username: str | None = None, **kwargs) -> User:
    username = username or f"{role}{next(_seq)}"
    if role == "customer":
        return accounts.register_customer(username, PASSWORD, **kwargs)
    if role == "staff" and "branch_id" not in kwargs:
        kwargs["branch_id"] = branch().id
    return accounts.create_user(None, username, PASSWORD, role, **kwargs)


def token(user_obj: User) -> str:
    raw, _ = accounts.issue_token(user_obj)
    db.session.commit()
    return raw


def auth(user_obj: User) -> dict:
    return {"Authorization": f"Bearer {token(user_obj)}"}


def login(client, user_obj: User, password: str = PASSWORD):
    return client.post("/login", data={"username": user_obj.username, "password": password})

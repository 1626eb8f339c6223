"""Demo data: a branch with its districts, its staff, an admin and a few customers."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.branches.models import Branch, District
from alliance.core.extensions import db

DEMO_PASSWORD = "demo12345"

BRANCHES = {
    "城东支行": ["万达广场商圈", "老街商圈", "大学城商圈"],
    "城西支行": ["西湖商圈"],
}


def branch_named(name: str) -> Branch:
    branch = db.session.scalar(sa.select(Branch).where(Branch.name == name))
    if branch is None:
        branch = Branch(name=name, address=f"{name}营业部")
        db.session.add(branch)
        db.session.flush()
    return branch


def district_named(branch: Branch, name: str) -> District:
    district = db.session.scalar(
        sa.select(District).where(District.branch_id == branch.id, District.name == name)
    )
    if district is None:
        district = District(name=name, branch_id=branch.id)
        db.session.add(district)
        db.session.flush()
    return district


def ensure_user(username: str, role: str, **kwargs) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        if role == "customer":
            user = accounts.register_customer(
                username, DEMO_PASSWORD, display_name=kwargs.get("display_name")
            )
        else:
            user = accounts.create_user(None, username, DEMO_PASSWORD, role, **kwargs)
    return user


def seed() -> list[tuple[str, str, str]]:
    branches = {}
    for branch_name, districts in BRANCHES.items():
        branch = branch_named(branch_name)
        branches[branch_name] = branch
        for district in districts:
            district_named(branch, district)
    east, west = branches["城东支行"], branches["城西支行"]
    ensure_user("admin", "admin", display_name="系统管理员")
    ensure_user("staff", "staff", branch_id=east.id, display_name="王经理")
    ensure_user("staff2", "staff", branch_id=west.id, display_name="李经理")
    ensure_user("alice", "customer", display_name="Alice 张")
    ensure_user("bob", "customer", display_name="Bob 李")
    return [
        ("admin", "admin", DEMO_PASSWORD),
        ("staff", "staff", DEMO_PASSWORD),
        ("staff", "staff2", DEMO_PASSWORD),
        ("customer", "alice", DEMO_PASSWORD),
        ("customer", "bob", DEMO_PASSWORD),
    ]

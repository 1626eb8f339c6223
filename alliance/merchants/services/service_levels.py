"""Service levels (分级): the rights and service package each level gets, per branch.

A → a (head customers, 头部), B/C/D → b/c/d (waist, 腰部), E → e (ordinary, 普通). Until a branch
writes its own package for a level, the suggested one below is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.branches.models import Branch, District
from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.errors import NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import SERVICE_LEVELS, MerchantStatus
from alliance.merchants.models import Merchant, ServicePackage
from alliance.merchants.services import access

MAX_RIGHTS = 20

SUGGESTED = {
    "a": (
        _l("Head merchant package"),
        (
            _l("A dedicated account manager"),
            _l("Priority counter and green channel at the branch"),
            _l("Acquiring fee discount"),
            _l("Settlement discount package"),
            _l("Invitations to merchant business lectures"),
            _l("Top placement in the rights mall"),
        ),
    ),
    "b": (
        _l("Waist merchant package b"),
        (
            _l("A named account manager"),
            _l("Priority counter at the branch"),
            _l("Acquiring fee discount"),
            _l("Invitations to merchant business lectures"),
        ),
    ),
    "c": (
        _l("Waist merchant package c"),
        (
            _l("A named account manager"),
            _l("Acquiring fee discount"),
            _l("Invitations to merchant business lectures"),
        ),
    ),
    "d": (
        _l("Waist merchant package d"),
        (
            _l("Account manager visits every quarter"),
            _l("Invitations to merchant business lectures"),
        ),
    ),
    "e": (
        _l("Ordinary merchant package"),
        (
            _l("Standard counter service"),
            _l("Offers listed in the rights mall"),
        ),
    ),
}


@dataclass(frozen=True)
class Package:
    level: str
    name: str
    rights: tuple[str, ...]
    saved: bool  # False: the suggestion, not yet written by the branch


def _from_row(level: str, row: ServicePackage | None) -> Package:
    if row is None:
        name, rights = SUGGESTED[level]
        return Package(level, str(name), tuple(str(r) for r in rights), False)
    return Package(level, row.name, tuple(row.rights or ()), True)


def packages(branch_id: int) -> dict[str, Package]:
    rows = {
        r.level: r
        for r in db.session.scalars(sa.select(ServicePackage).where(ServicePackage.branch_id == branch_id))
    }
    return {level: _from_row(level, rows.get(level)) for level in SERVICE_LEVELS}


def package_for(merchant: Merchant) -> Package | None:
    if not merchant.service_level:
        return None
    row = db.session.scalar(
        sa.select(ServicePackage).where(
            ServicePackage.branch_id == merchant.district.branch_id,
            ServicePackage.level == merchant.service_level,
        )
    )
    return _from_row(merchant.service_level, row)


def level_counts(branch_id: int) -> dict[str, int]:
    """Active members per service level: what each package costs the branch in merchants served."""
    counts = dict.fromkeys(SERVICE_LEVELS, 0)
    rows = db.session.execute(
        sa.select(Merchant.service_level, sa.func.count(Merchant.id))
        .join(District, Merchant.district_id == District.id)
        .where(
            District.branch_id == branch_id,
            Merchant.status == MerchantStatus.ACTIVE,
            Merchant.service_level.is_not(None),
        )
        .group_by(Merchant.service_level)
    )
    for level, count in rows:
        counts[level] = count
    return counts


def save_package(
    actor, branch_id: int, level: str, name: str, rights_text: str | list[str]
) -> ServicePackage:
    branch_id = access.require_branch(actor, branch_id)
    if db.session.get(Branch, branch_id) is None:
        raise NotFound()
    if level not in SERVICE_LEVELS:
        raise NotFound()
    fields: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = [_l("Please fill this in.")]
    elif len(name) > 100:
        fields["name"] = [_l("At most %(n)s characters.", n=100)]
    lines = rights_text if isinstance(rights_text, list) else (rights_text or "").splitlines()
    rights = [line.strip(" \t-•·") for line in lines if line.strip(" \t-•·")]
    if not rights:
        fields["rights"] = [_l("List at least one right or service, one per line.")]
    elif len(rights) > MAX_RIGHTS or any(len(r) > 200 for r in rights):
        fields["rights"] = [_l("At most 20 lines of 200 characters.")]
    if fields:
        raise ValidationFailed(fields)
    before = db.session.execute(
        sa.select(ServicePackage.name, ServicePackage.rights).where(
            ServicePackage.branch_id == branch_id, ServicePackage.level == level
        )
    ).first()
    # Create-if-missing in one statement, then lock the row: two editors never clash on the key.
    db.session.execute(
        insert_ignore(
            ServicePackage.__table__,
            db.session.get_bind(),
            branch_id=branch_id,
            level=level,
            name=name,
            rights=rights,
            updated_at=clock.now_utc(),
        )
    )
    row = db.session.scalar(
        sa.select(ServicePackage)
        .where(ServicePackage.branch_id == branch_id, ServicePackage.level == level)
        .with_for_update()
    )
    row.name = name
    row.rights = rights
    row.updated_by_id = actor.id
    db.session.flush()
    record(
        actor,
        "service_package.save",
        row,
        data={"before": dict(before._mapping) if before else None, "after": {"name": name, "rights": rights}},
    )
    return row

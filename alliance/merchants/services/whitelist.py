"""The settlement-discount whitelist (白名单): criteria per branch, who qualifies, who is on it.

Merchants with large settlement (acquiring) volume, high retained balances and a high overall
contribution (fee income) are recommended first. Staff decide: they add and remove with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.branches.models import Branch, District
from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.core.money import MAX_FEN
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant, WhitelistEntry, WhitelistPolicy
from alliance.merchants.services import access
from alliance.merchants.services.tiering import latest_figures
from alliance.merchants.services.validation import require_reason

CRITERIA = (
    ("min_acquiring_volume_fen", "acquiring_volume_fen"),
    ("min_avg_daily_balance_fen", "avg_daily_balance_fen"),
    ("min_fee_income_fen", "fee_income_fen"),
)


@dataclass(frozen=True)
class Criteria:
    min_acquiring_volume_fen: int | None = None
    min_avg_daily_balance_fen: int | None = None
    min_fee_income_fen: int | None = None

    @property
    def any_set(self) -> bool:
        return any(getattr(self, c) is not None for c, _ in CRITERIA)


def qualifies(figures, criteria: Criteria) -> bool:
    """Meets every criterion that is set; with none set, nobody qualifies."""
    if figures is None or not criteria.any_set:
        return False
    for criterion, figure in CRITERIA:
        minimum = getattr(criteria, criterion)
        if minimum is not None and int(getattr(figures, figure) or 0) < minimum:
            return False
    return True


def policy_for(branch_id: int) -> WhitelistPolicy | None:
    return db.session.scalar(sa.select(WhitelistPolicy).where(WhitelistPolicy.branch_id == branch_id))


def criteria_of(policy: WhitelistPolicy | None) -> Criteria:
    if policy is None:
        return Criteria()
    return Criteria(*(getattr(policy, c) for c, _ in CRITERIA))


def save_policy(
    actor,
    branch_id: int,
    *,
    min_acquiring_volume_fen: int | None,
    min_avg_daily_balance_fen: int | None,
    min_fee_income_fen: int | None,
    package_name: str,
    package_details: str | None = None,
) -> WhitelistPolicy:
    branch_id = access.require_branch(actor, branch_id)
    if db.session.get(Branch, branch_id) is None:
        raise NotFound()
    values = {
        "min_acquiring_volume_fen": min_acquiring_volume_fen,
        "min_avg_daily_balance_fen": min_avg_daily_balance_fen,
        "min_fee_income_fen": min_fee_income_fen,
    }
    fields: dict[str, list] = {}
    for key, value in values.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN
        ):
            fields[key] = [_l("Enter an amount of zero or more.")]
    if all(v is None for v in values.values()):
        fields["min_acquiring_volume_fen"] = [_l("Set at least one criterion.")]
    package_name = (package_name or "").strip()
    if not package_name:
        fields["package_name"] = [_l("Please fill this in.")]
    elif len(package_name) > 100:
        fields["package_name"] = [_l("At most %(n)s characters.", n=100)]
    details = (package_details or "").strip() or None
    if details and len(details) > 2000:
        fields["package_details"] = [_l("At most %(n)s characters.", n=2000)]
    if fields:
        raise ValidationFailed(fields)
    db.session.execute(
        insert_ignore(
            WhitelistPolicy.__table__,
            db.session.get_bind(),
            branch_id=branch_id,
            package_name=package_name,
            updated_at=clock.now_utc(),
        )
    )
    policy = db.session.scalar(
        sa.select(WhitelistPolicy).where(WhitelistPolicy.branch_id == branch_id).with_for_update()
    )
    for key, value in values.items():
        setattr(policy, key, value)
    policy.package_name = package_name
    policy.package_details = details
    policy.updated_by_id = actor.id
    db.session.flush()
    record(actor, "whitelist_policy.save", policy, data={**values, "package_name": package_name})
    return policy


def open_entry(merchant_id: int) -> WhitelistEntry | None:
    return db.session.scalar(sa.select(WhitelistEntry).where(WhitelistEntry.open_key == merchant_id))


def overview(actor, branch_id: int) -> dict:
    """The branch's active members with their latest figures, sorted into what staff act on.

    qualifying: meet the criteria; listed: on the whitelist; newly_qualifying: qualify, not listed
    yet; dropping_out: listed but no longer qualify.
    """
    branch_id = access.require_branch(actor, branch_id)
    policy = policy_for(branch_id)
    criteria = criteria_of(policy)
    figures, onclause = latest_figures()
    rows = db.session.execute(
        sa.select(Merchant, figures, WhitelistEntry)
        .join(District, Merchant.district_id == District.id)
        .outerjoin(figures, onclause)
        .outerjoin(WhitelistEntry, WhitelistEntry.open_key == Merchant.id)
        .where(District.branch_id == branch_id, Merchant.status == MerchantStatus.ACTIVE)
        .order_by(figures.acquiring_volume_fen.desc().nulls_last(), Merchant.name)
    ).all()
    out = {
        "policy": policy,
        "criteria": criteria,
        "qualifying": [],
        "listed": [],
        "newly_qualifying": [],
        "dropping_out": [],
    }
    for merchant, figs, entry in rows:
        item = {"merchant": merchant, "figures": figs, "entry": entry, "qualifies": qualifies(figs, criteria)}
        if item["qualifies"]:
            out["qualifying"].append(item)
        if entry is not None:
            out["listed"].append(item)
            if not item["qualifies"]:
                out["dropping_out"].append(item)
        elif item["qualifies"]:
            out["newly_qualifying"].append(item)
    return out


def add(actor, merchant_id: int, reason: str | None) -> WhitelistEntry:
    merchant = access.get_managed(merchant_id, actor)
    reason = require_reason(reason)
    if merchant.status != MerchantStatus.ACTIVE:
        raise InvalidState(_l("Only active members can be on the whitelist."))
    inserted = db.session.execute(
        insert_ignore(
            WhitelistEntry.__table__,
            db.session.get_bind(),
            merchant_id=merchant.id,
            open_key=merchant.id,
            added_at=clock.now_utc(),
            added_by_id=actor.id,
            reason=reason,
        ).returning(WhitelistEntry.__table__.c.id)
    ).first()
    if inserted is None:
        raise Conflict(_l("This merchant is already on the whitelist."))
    entry = open_entry(merchant.id)
    record(actor, "whitelist.add", merchant, reason=reason)
    return entry


def remove(actor, merchant_id: int, reason: str | None) -> None:
    merchant = access.get_managed(merchant_id, actor)
    reason = require_reason(reason)
    result = db.session.execute(
        sa.update(WhitelistEntry)
        .where(WhitelistEntry.open_key == merchant.id)
        .values(open_key=None, removed_at=clock.now_utc(), removed_by_id=actor.id, removal_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        raise InvalidState(_l("This merchant is not on the whitelist."))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, WhitelistEntry):
            db.session.expire(obj)
    record(actor, "whitelist.remove", merchant, reason=reason)


def entries_of(actor, merchant_id: int) -> list[WhitelistEntry]:
    access.get_managed(merchant_id, actor)
    return list(
        db.session.scalars(
            sa.select(WhitelistEntry)
            .where(WhitelistEntry.merchant_id == merchant_id)
            .order_by(WhitelistEntry.added_at.desc(), WhitelistEntry.id.desc())
        )
    )


def recommended_package(merchant: Merchant) -> WhitelistPolicy | None:
    """The settlement package a whitelisted merchant is offered (None when not on the whitelist)."""
    if open_entry(merchant.id) is None:
        return None
    return policy_for(merchant.district.branch_id)

"""Tier policies per branch, re-tiering, tier history and the pyramid's counts.

Re-tiering takes a row lock on the branch's policy first, so two re-tierings of one branch (a job
and an import, say) run one after the other and a change is recorded once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from alliance.audit.services import record
from alliance.branches.models import Branch, District
from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.errors import NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import FIGURES, MEMBER_STATUSES, TIERS, MerchantStatus, TierChangeReason
from alliance.merchants.models import Merchant, MerchantFigures, TierChange, TierPolicy, TierThreshold
from alliance.merchants.services import access
from alliance.merchants.tiers import (
    RANKED_TIERS,
    Figures,
    Policy,
    service_level_for,
    threshold_problems,
    tier_for,
)

PROBLEM_MESSAGES = {
    "missing": _l("Please enter a threshold."),
    "not_positive": _l("A threshold is more than zero."),
    "above_higher_tier": _l("A lower tier cannot ask for more than the tier above it."),
}


def policy_row(branch_id: int) -> TierPolicy | None:
    return db.session.scalar(sa.select(TierPolicy).where(TierPolicy.branch_id == branch_id))


def as_policy(row: TierPolicy | None) -> Policy | None:
    if row is None:
        return None
    thresholds: dict[str, dict[str, int]] = {t: {} for t in RANKED_TIERS}
    for th in row.thresholds:
        thresholds.setdefault(th.tier, {})[th.figure] = int(th.threshold_fen)
    if threshold_problems(thresholds):
        return None
    return Policy(thresholds=thresholds, figures_required=int(row.figures_required))


def get_policy(actor, branch_id: int) -> Policy | None:
    access.require_branch(actor, branch_id)
    return as_policy(policy_row(branch_id))


def save_policy(
    actor, branch_id: int, thresholds: Mapping[str, Mapping[str, int | None]], figures_required: int
) -> int:
    """Set a branch's thresholds and re-tier its members. Returns how many tiers changed."""
    branch_id = access.require_branch(actor, branch_id)
    if db.session.get(Branch, branch_id) is None:
        raise NotFound()
    fields: dict[str, list] = {}
    if not isinstance(figures_required, int) or not 1 <= figures_required <= len(FIGURES):
        fields["figures_required"] = [_l("Choose between 1 and 4 figures.")]
    for tier, figure, problem in threshold_problems(thresholds):
        fields.setdefault(f"{tier}_{figure}", []).append(PROBLEM_MESSAGES[problem])
    if fields:
        raise ValidationFailed(fields)
    db.session.execute(
        insert_ignore(
            TierPolicy.__table__,
            db.session.get_bind(),
            branch_id=branch_id,
            figures_required=figures_required,
            updated_at=clock.now_utc(),
        )
    )
    row = db.session.scalar(sa.select(TierPolicy).where(TierPolicy.branch_id == branch_id).with_for_update())
    db.session.refresh(row)
    before = as_policy(row)
    row.figures_required = figures_required
    row.updated_by_id = getattr(actor, "id", None)
    existing = {(t.tier, t.figure): t for t in row.thresholds}
    for tier in RANKED_TIERS:
        for figure in FIGURES:
            value = int(thresholds[tier][figure])
            found = existing.get((tier, str(figure)))
            if found is None:
                row.thresholds.append(TierThreshold(tier=tier, figure=str(figure), threshold_fen=value))
            else:
                found.threshold_fen = value
    row.updated_at = clock.now_utc()
    db.session.flush()
    after = as_policy(row)
    branch = db.session.get(Branch, branch_id)
    record(
        actor,
        "tier_policy.save",
        branch,
        data={"before": before.as_dict() if before else None, "after": after.as_dict() if after else None},
    )
    return retier(actor, branch_ids=[branch_id], reason=TierChangeReason.POLICY)


def latest_figures():
    """(alias of MerchantFigures, join condition): each merchant's most recent month.

    The month is a correlated MAX over the (merchant_id, month) unique index, so joining it to any
    number of merchants stays one index lookup per merchant, on SQLite and PostgreSQL alike.
    """
    latest = aliased(MerchantFigures, name="latest_figures")
    newer = aliased(MerchantFigures, name="newer_figures")
    month = (
        sa.select(sa.func.max(newer.month))
        .where(newer.merchant_id == Merchant.id)
        .correlate(Merchant)
        .scalar_subquery()
    )
    return latest, sa.and_(latest.merchant_id == Merchant.id, latest.month == month)


def retier(
    actor,
    *,
    branch_ids: Iterable[int] | None = None,
    merchant_ids: Iterable[int] | None = None,
    reason: str = TierChangeReason.MONTHLY,
) -> int:
    """Recompute members' tiers from their latest figures and their branch's policy.

    Idempotent: a merchant whose tier does not change is not touched and gets no history row.
    Without branch_ids and merchant_ids, every branch. Returns how many tiers changed.
    """
    merchant_ids = list(merchant_ids) if merchant_ids is not None else None
    if merchant_ids is not None and not merchant_ids:
        return 0
    # Long id lists go to the database in slices (SQLite caps the number of bound parameters).
    slices = (
        [None]
        if merchant_ids is None
        else [merchant_ids[i : i + 500] for i in range(0, len(merchant_ids), 500)]
    )
    if branch_ids is None:
        found: set[int] = set()
        for ids in slices:
            stmt = sa.select(District.branch_id).distinct()
            if ids is not None:
                stmt = stmt.join(Merchant, Merchant.district_id == District.id).where(Merchant.id.in_(ids))
            found.update(db.session.scalars(stmt))
        branch_ids = found
    branch_ids = sorted(set(branch_ids))
    if not branch_ids:
        return 0
    # Lock the policies in a fixed order: concurrent re-tierings of a branch queue here.
    rows = list(
        db.session.scalars(
            sa.select(TierPolicy)
            .where(TierPolicy.branch_id.in_(branch_ids))
            .order_by(TierPolicy.branch_id)
            .with_for_update()
        )
    )
    policies = {row.branch_id: as_policy(row) for row in rows}
    policies = {k: v for k, v in policies.items() if v is not None}
    if not policies:
        return 0

    now = clock.now_utc()
    updates, history = [], []
    for ids in slices:
        _compare(policies, ids, actor, reason, now, updates, history)
    if updates:
        db.session.execute(sa.update(Merchant), updates)
        db.session.execute(sa.insert(TierChange), history)
        changed = {u["id"] for u in updates}
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Merchant) and obj.id in changed:
                db.session.expire(obj, ["tier", "service_level"])
    return len(updates)


def _compare(
    policies: dict[int, Policy], merchant_ids, actor, reason, now, updates: list, history: list
) -> None:
    """Collect the tier changes of the members of `policies`' branches (or of `merchant_ids`)."""
    figures, onclause = latest_figures()
    stmt = (
        sa.select(
            Merchant.id,
            Merchant.tier,
            District.branch_id,
            figures.month,
            *(getattr(figures, str(f)) for f in FIGURES),
        )
        .join(District, Merchant.district_id == District.id)
        .outerjoin(figures, onclause)
        .where(
            District.branch_id.in_(list(policies)),
            Merchant.status.in_([str(s) for s in MEMBER_STATUSES]),
        )
    )
    if merchant_ids is not None:
        stmt = stmt.where(Merchant.id.in_(merchant_ids))
    for row in db.session.execute(stmt):
        policy = policies[row.branch_id]
        figs = Figures(**{str(f): int(getattr(row, str(f)) or 0) for f in FIGURES})
        new_tier = tier_for(figs, policy)
        if new_tier == row.tier:
            continue
        updates.append({"id": row.id, "tier": new_tier, "service_level": service_level_for(new_tier)})
        history.append(
            {
                "merchant_id": row.id,
                "from_tier": row.tier,
                "to_tier": new_tier,
                "reason": str(reason),
                "changed_at": now,
                "actor_id": getattr(actor, "id", None),
                "figures_month": row.month,
                **figs.as_dict(),
                "policy": policy.as_dict(),
            }
        )


def history(actor, merchant_id: int, limit: int = 100) -> list[TierChange]:
    access.get_managed_or_hidden(merchant_id, actor)
    return list(
        db.session.scalars(
            sa.select(TierChange)
            .where(TierChange.merchant_id == merchant_id)
            .order_by(TierChange.changed_at.desc(), TierChange.id.desc())
            .limit(limit)
        )
    )


def pyramid(actor, branch_id: int | None = None, district_id: int | None = None) -> dict:
    """Active members per tier, per district, for the branches the actor manages.

    {"tiers": {"A": n, ..., "E": n, None: n}, "districts": [{"district": District, "counts": {...},
    "total": n}], "total": n}; `None` counts members not tiered yet (no policy).
    """
    stmt = (
        sa.select(District.id, Merchant.tier, sa.func.count(Merchant.id))
        .join(Merchant, Merchant.district_id == District.id)
        .where(Merchant.status == MerchantStatus.ACTIVE, access.managed_clause(actor))
        .group_by(District.id, Merchant.tier)
    )
    dstmt = (
        sa.select(District).where(access.managed_clause(actor)).order_by(District.branch_id, District.name)
    )
    if branch_id is not None:
        stmt = stmt.where(District.branch_id == branch_id)
        dstmt = dstmt.where(District.branch_id == branch_id)
    if district_id is not None:
        stmt = stmt.where(District.id == district_id)
        dstmt = dstmt.where(District.id == district_id)
    per_district: dict[int, dict] = defaultdict(lambda: dict.fromkeys((*TIERS, None), 0))
    for did, tier, count in db.session.execute(stmt):
        per_district[did][tier] += count
    totals = dict.fromkeys((*TIERS, None), 0)
    districts = []
    for district in db.session.scalars(dstmt):
        counts = per_district.get(district.id, dict.fromkeys((*TIERS, None), 0))
        for key, value in counts.items():
            totals[key] += value
        districts.append({"district": district, "counts": counts, "total": sum(counts.values())})
    return {"tiers": totals, "districts": districts, "total": sum(totals.values())}

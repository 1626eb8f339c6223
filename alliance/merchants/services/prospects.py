"""Precise acquisition (精准获客): the coverage grid of the ten trades and eight shops per district,
the prospect list the account manager works through, field-visit notes, and invitations to apply."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.accounts.models import Role, User
from alliance.audit.services import record
from alliance.branches.models import District
from alliance.core import clock, signing
from alliance.core.errors import NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import (
    EIGHT_SHOPS,
    VISIT_STEPS,
    Industry,
    MerchantFormat,
    MerchantStatus,
    ProspectStage,
    StoreType,
)
from alliance.merchants.models import Merchant, Prospect, VisitNote
from alliance.merchants.services import access
from alliance.merchants.services.validation import clean_choice, clean_district, clean_phone, clean_text

INVITE_PURPOSE = "prospect-invite"
INVITE_MAX_AGE = timedelta(days=30)
OPEN_STAGES = (ProspectStage.TO_VISIT, ProspectStage.VISITED, ProspectStage.APPLYING)


# ---- coverage ---------------------------------------------------------------------------------


def coverage(actor, branch_id: int | None = None, district_id: int | None = None) -> dict:
    """Active members per (trade, shop) cell, with the open prospects per cell, for the grid.

    {"cells": {(industry, store_type): n}, "prospects": {(industry, store_type): n},
     "trade_totals": {industry: n}, "shop_totals": {store_type: n}, "missing_trades": [...],
     "missing_shops": [...], "gaps": n, "total": n}; store_type None and "other" count as "other".
    """
    scope = [access.managed_clause(actor)]
    if branch_id is not None:
        scope.append(District.branch_id == branch_id)
    if district_id is not None:
        scope.append(District.id == district_id)
    members = db.session.execute(
        sa.select(Merchant.industry, Merchant.store_type, sa.func.count(Merchant.id))
        .join(District, Merchant.district_id == District.id)
        .where(Merchant.status == MerchantStatus.ACTIVE, *scope)
        .group_by(Merchant.industry, Merchant.store_type)
    ).all()
    leads = db.session.execute(
        sa.select(Prospect.industry, Prospect.store_type, sa.func.count(Prospect.id))
        .join(District, Prospect.district_id == District.id)
        .where(Prospect.stage.in_([str(s) for s in OPEN_STAGES]), *scope)
        .group_by(Prospect.industry, Prospect.store_type)
    ).all()

    def key(industry, store_type):
        return industry, store_type if store_type in EIGHT_SHOPS else StoreType.OTHER.value

    cells: dict = {}
    for industry, store_type, n in members:
        k = key(industry, store_type)
        cells[k] = cells.get(k, 0) + n
    prospects: dict = {}
    for industry, store_type, n in leads:
        k = key(industry, store_type)
        prospects[k] = prospects.get(k, 0) + n
    trades = [i.value for i in Industry]
    shops = [s.value for s in EIGHT_SHOPS]
    trade_totals = {t: sum(n for (i, _), n in cells.items() if i == t) for t in trades}
    shop_totals = {
        s: sum(n for (_, st), n in cells.items() if st == s) for s in [*shops, StoreType.OTHER.value]
    }
    gaps = sum(1 for t in trades for s in shops if not cells.get((t, s)))
    return {
        "cells": cells,
        "prospects": prospects,
        "trades": trades,
        "shops": shops,
        "trade_totals": trade_totals,
        "shop_totals": shop_totals,
        "missing_trades": [t for t in trades if not trade_totals[t]],
        "missing_shops": [s for s in shops if not shop_totals[s]],
        "gaps": gaps,
        "total": sum(cells.values()),
    }


# ---- prospects --------------------------------------------------------------------------------


def _clean(actor, data: dict) -> dict:
    fields: dict[str, list] = {}
    out = {
        "name": clean_text(data.get("name"), 100, fields, "name", required=True),
        "industry": clean_choice(data.get("industry"), Industry, fields, "industry"),
        "store_type": clean_choice(data.get("store_type"), StoreType, fields, "store_type", required=False),
        "format": clean_choice(data.get("format"), MerchantFormat, fields, "format", required=False),
        "contact_name": clean_text(data.get("contact_name"), 64, fields, "contact_name"),
        "contact_phone": clean_phone(data.get("contact_phone"), fields, "contact_phone"),
        "address": clean_text(data.get("address"), 200, fields, "address"),
        "notes": clean_text(data.get("notes"), 2000, fields, "notes"),
    }
    district = clean_district(data.get("district_id"), fields)
    if district is not None and not access.can_manage_branch_id(actor, district.branch_id):
        fields.setdefault("district_id", []).append(_l("Choose one of the business districts."))
    out["district_id"] = district.id if district else None
    assigned = data.get("assigned_to_id")
    if assigned:
        user = db.session.get(User, assigned) if isinstance(assigned, int) else None
        if (
            user is None
            or user.role != Role.STAFF
            or not user.active
            or district is None
            or user.branch_id != district.branch_id
        ):
            fields["assigned_to_id"] = [_l("Choose a staff member of the district's branch.")]
        out["assigned_to_id"] = assigned
    else:
        out["assigned_to_id"] = None
    if fields:
        raise ValidationFailed(fields)
    return out


def create(actor, data: dict) -> Prospect:
    if not access.is_staff(actor):
        raise NotFound()
    values = _clean(actor, data)
    if values["assigned_to_id"] is None and actor.role == Role.STAFF:
        values["assigned_to_id"] = actor.id
    prospect = Prospect(stage=ProspectStage.TO_VISIT, created_by_id=actor.id, **values)
    db.session.add(prospect)
    db.session.flush()
    record(actor, "prospect.create", prospect, data={"name": prospect.name})
    return prospect


def get(actor, prospect_id: int) -> Prospect:
    prospect = db.session.get(Prospect, prospect_id)
    if (
        prospect is None
        or not access.is_staff(actor)
        or not access.can_manage_branch_id(actor, prospect.district.branch_id)
    ):
        raise NotFound()
    return prospect


def update(actor, prospect_id: int, data: dict) -> Prospect:
    prospect = get(actor, prospect_id)
    values = _clean(actor, data)
    for key, value in values.items():
        setattr(prospect, key, value)
    db.session.flush()
    record(actor, "prospect.update", prospect)
    return prospect


def set_stage(actor, prospect_id: int, stage: str, note: str | None = None) -> Prospect:
    prospect = get(actor, prospect_id)
    if stage not in {s.value for s in ProspectStage}:
        raise ValidationFailed(
            {"stage": [_l("Must be one of: %(choices)s.", choices=", ".join(s.value for s in ProspectStage))]}
        )
    before = prospect.stage
    prospect.stage = stage
    db.session.flush()
    record(
        actor,
        "prospect.stage",
        prospect,
        reason=(note or "").strip() or None,
        data={"from": before, "to": stage},
    )
    return prospect


def add_visit(actor, prospect_id: int, visited_on: date | None, steps: dict) -> VisitNote:
    """A field visit's four steps; the first visit moves a prospect from "to visit" to "visited"."""
    prospect = get(actor, prospect_id)
    fields: dict[str, list] = {}
    cleaned = {step: clean_text(steps.get(step), 2000, fields, step) for step in VISIT_STEPS}
    if not any(cleaned.values()):
        fields["icebreaker"] = [_l("Write down at least one step of the visit.")]
    if not isinstance(visited_on, date):
        fields["visited_on"] = [_l("Enter the day of the visit.")]
    elif visited_on > clock.local_today():
        fields["visited_on"] = [_l("The visit cannot be in the future.")]
    if fields:
        raise ValidationFailed(fields)
    note = VisitNote(prospect_id=prospect.id, author_id=actor.id, visited_on=visited_on, **cleaned)
    db.session.add(note)
    if prospect.stage == ProspectStage.TO_VISIT:
        prospect.stage = ProspectStage.VISITED
    db.session.flush()
    record(actor, "prospect.visit", prospect, data={"visited_on": visited_on.isoformat()})
    return note


def visits(prospect: Prospect) -> list[VisitNote]:
    return list(
        db.session.scalars(
            sa.select(VisitNote)
            .where(VisitNote.prospect_id == prospect.id)
            .order_by(VisitNote.visited_on.desc(), VisitNote.id.desc())
        )
    )


def listing(
    actor,
    *,
    branch_id: int | None = None,
    district_id: int | None = None,
    stage: str | None = None,
    assigned_to_id: int | None = None,
    industry: str | None = None,
    store_type: str | None = None,
) -> list[Prospect]:
    stmt = (
        sa.select(Prospect)
        .join(District, Prospect.district_id == District.id)
        .where(access.managed_clause(actor))
        .order_by(
            sa.case({str(s): i for i, s in enumerate(ProspectStage)}, value=Prospect.stage),
            Prospect.updated_at.desc(),
        )
    )
    if branch_id is not None:
        stmt = stmt.where(District.branch_id == branch_id)
    if district_id is not None:
        stmt = stmt.where(Prospect.district_id == district_id)
    if stage:
        stmt = stmt.where(Prospect.stage == stage)
    if assigned_to_id:
        stmt = stmt.where(Prospect.assigned_to_id == assigned_to_id)
    if industry:
        stmt = stmt.where(Prospect.industry == industry)
    if store_type:
        stmt = stmt.where(Prospect.store_type == store_type)
    return list(db.session.scalars(stmt.limit(1000)))


def stage_counts(actor, branch_id: int | None = None) -> dict[str, int]:
    stmt = (
        sa.select(Prospect.stage, sa.func.count(Prospect.id))
        .join(District, Prospect.district_id == District.id)
        .where(access.managed_clause(actor))
        .group_by(Prospect.stage)
    )
    if branch_id is not None:
        stmt = stmt.where(District.branch_id == branch_id)
    counts = {s.value: 0 for s in ProspectStage}
    counts.update(dict(db.session.execute(stmt).all()))
    return counts


# ---- converting a prospect into an application ------------------------------------------------


def invite_token(actor, prospect_id: int) -> str:
    """A signed link token that pre-fills the application with the prospect's details.

    Creating it moves the prospect to "applying".
    """
    prospect = get(actor, prospect_id)
    if prospect.merchant_id is not None:
        raise ValidationFailed({"stage": [_l("This prospect has already applied.")]})
    if prospect.stage in (ProspectStage.TO_VISIT, ProspectStage.VISITED):
        prospect.stage = ProspectStage.APPLYING
        db.session.flush()
        record(actor, "prospect.invite", prospect)
    return signing.dumps(INVITE_PURPOSE, {"p": prospect.id, "iat": int(clock.now_utc().timestamp())})


def from_invite(token: str | None) -> Prospect | None:
    """The prospect behind a valid, unexpired invitation that has not been used yet; else None."""
    if not token:
        return None
    try:
        data = signing.loads(INVITE_PURPOSE, token)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("p"), int)
        or not isinstance(data.get("iat"), int)
    ):
        return None
    issued = datetime.fromtimestamp(data["iat"], tz=clock.UTC)
    if clock.now_utc() - issued > INVITE_MAX_AGE:
        return None
    prospect = db.session.get(Prospect, data["p"])
    if prospect is None or prospect.merchant_id is not None:
        return None
    return prospect


def prefill(prospect: Prospect) -> dict:
    """The application form's starting values for a prospect."""
    return {
        "name": prospect.name,
        "district_id": prospect.district_id,
        "industry": prospect.industry,
        "store_type": prospect.store_type or "",
        "format": prospect.format or "",
        "address": prospect.address or "",
        "phone": prospect.contact_phone or "",
        "display_name": prospect.contact_name or "",
    }


def branch_staff(branch_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.branch_id == branch_id, User.role == Role.STAFF, User.active.is_(True))
            .order_by(User.display_name, User.username)
        )
    )

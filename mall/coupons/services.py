"""Coupons through their life: draft, submit, review, live, withdrawn or ended; and the mall's lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from alliance.audit.services import record
from alliance.branches.models import District
from alliance.branches.services import can_manage_branch, visible_branch_ids
from alliance.core import clock
from alliance.core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import INDUSTRY_LABELS, MerchantStatus
from alliance.merchants.models import Merchant
from alliance.merchants.services import can_trade, ensure_can_trade
from alliance.merchants.services.membership import CANNOT_TRADE_MESSAGES
from mall.coupons import rules, stock, totals
from mall.coupons.models import KIND_LABELS, PUBLISHED, Channel, Coupon, CouponKind, CouponStatus

EDITABLE = (CouponStatus.DRAFT, CouponStatus.REJECTED)
WITHDRAWABLE = (CouponStatus.PENDING_REVIEW, CouponStatus.APPROVED)
REASON_MAX = 500


# ---------------------------------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------------------------------


def is_owner(user, merchant_id: int) -> bool:
    return user is not None and user.role == "merchant" and user.merchant_id == merchant_id


def _is_reviewer(user, coupon: Coupon) -> bool:
    return (
        user is not None
        and user.role in ("staff", "admin")
        and can_manage_branch(user, coupon.merchant.district.branch_id)
    )


def can_see_always(user, coupon: Coupon) -> bool:
    """The owner, its clerks and the branch's staff see a coupon in any state."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role in ("merchant", "clerk") and user.merchant_id == coupon.merchant_id:
        return True
    return _is_reviewer(user, coupon)


def _owned(actor, coupon: Coupon) -> Coupon:
    if not is_owner(actor, coupon.merchant_id):
        if can_see_always(actor, coupon):
            raise Forbidden()
        raise NotFound()
    return coupon


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


def get(coupon_id: int) -> Coupon:
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None:
        raise NotFound()
    return coupon


def get_visible(viewer, coupon_id: int, now: datetime | None = None) -> Coupon:
    """API.md: anyone when live; the owner and staff always; otherwise 404."""
    coupon = get(coupon_id)
    if can_see_always(viewer, coupon) or rules.is_live(coupon, now or clock.now_utc()):
        return coupon
    raise NotFound()


def get_published(viewer, coupon_id: int) -> Coupon:
    """The coupon page: once published its page stays readable (its button says 已抢光 / 已结束)."""
    coupon = get(coupon_id)
    if can_see_always(viewer, coupon):
        return coupon
    # A reward-only coupon has no page in the mall: it comes with a chain or inside a pack.
    if coupon.status in PUBLISHED and coupon.channel != Channel.REWARD:
        return coupon
    raise NotFound()


@dataclass(frozen=True)
class MallFilters:
    district_id: int | None = None
    industry: str | None = None
    kind: str | None = None
    q: str | None = None
    merchant_id: int | None = None
    sort: str = "newest"  # or "popular" (most claimed) or "ending" (claiming ends soonest)


SORTS = ("newest", "popular", "ending")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _labels_matching(term: str, labels: dict) -> list[str]:
    """Keys whose label matches `term` in English or in Chinese, so '餐饮' and 'catering' both work."""
    from flask_babel import force_locale

    term = term.lower()
    texts: dict[str, set[str]] = {str(key): {str(key).lower()} for key in labels}
    for locale in ("en", "zh"):
        with force_locale(locale):
            for key, label in labels.items():
                texts[str(key)].add(str(label).lower())
    return [key for key, words in texts.items() if any(term in w for w in words)]


def _text_clause(q: str) -> sa.ColumnElement[bool]:
    """Every word of `q` must match the title, gift or description, the shop's name, its trade or the
    coupon's kind (the last two by their Chinese or English names)."""
    clauses = []
    for word in q.split()[:5]:
        pattern = f"%{_escape_like(word.lower())}%"
        shops = sa.select(Merchant.id).where(sa.func.lower(Merchant.name).like(pattern, escape="\\"))
        options = [Coupon.search_text.like(pattern, escape="\\"), Coupon.merchant_id.in_(shops)]
        if kinds := _labels_matching(word, KIND_LABELS):
            options.append(Coupon.kind.in_(kinds))
        if industries := _labels_matching(word, INDUSTRY_LABELS):
            trade = sa.select(Merchant.id).where(Merchant.industry.in_(industries))
            options.append(Coupon.merchant_id.in_(trade))
        clauses.append(sa.or_(*options))
    return sa.and_(*clauses)


def _live_filter(filters: MallFilters, now: datetime, *, walk: bool = False) -> sa.ColumnElement[bool]:
    """Live coupons matching the filters, on `coupons` alone: shops are a subquery, not a join, so a
    count reads only the `ix_coupons_live` index.

    `walk` is for a page of many matches: `merchant_id + 0` keeps the planner (SQLite's, which has no
    other hint) off `ix_coupons_live`, so it walks an index in the page's order and stops after a page.
    """
    shops = sa.select(Merchant.id).where(rules.merchant_live_clause())
    if filters.district_id:
        shops = shops.where(Merchant.district_id == filters.district_id)
    if filters.industry:
        shops = shops.where(Merchant.industry == filters.industry)
    merchant = (Coupon.merchant_id + 0) if walk else Coupon.merchant_id
    conditions = [rules.live_clause(now, with_merchant=False), merchant.in_(shops)]
    if filters.kind:
        conditions.append(Coupon.kind == filters.kind)
    if filters.merchant_id:
        conditions.append(Coupon.merchant_id == filters.merchant_id)
    if filters.q and filters.q.strip():
        conditions.append(_text_clause(filters.q.strip()))
    return sa.and_(*conditions)


# With this many matches or more, a page is found fastest by walking the index in approval order (a
# few rows in); below it, sorting the matches is cheaper.
WALK_FROM = 5000


def _load(ids: list[int]) -> list[Coupon]:
    """The coupons with their shops, in the order of `ids` (one statement, plus one for partners)."""
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(sa.select(Coupon).where(Coupon.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _count(where) -> int:
    return int(db.session.scalar(sa.select(sa.func.count(Coupon.id)).where(where)) or 0)


def mall_list(
    filters: MallFilters, page: int = 1, per_page: int = 20, now: datetime | None = None
) -> tuple[list[Coupon], int]:
    """Live coupons, newest approval first: one page and the total, in four statements whatever the
    page size (the total, the page's ids, the coupons with their shops, their partners), three while
    this process has a recent count of the filter (see totals.py)."""
    now = now or clock.now_utc()
    where = _live_filter(filters, now)
    key = (
        filters.district_id,
        filters.industry,
        filters.kind,
        (filters.q or "").strip(),
        filters.merchant_id,
    )
    where_count = where
    total, counted = totals.count(key, lambda: _count(where_count))
    offset = (page - 1) * per_page
    if counted and (total == 0 or offset >= total):
        return [], total
    if filters.sort == "popular":
        order = [(Coupon.stock_total - Coupon.stock_remaining).desc(), Coupon.id.desc()]
    elif filters.sort == "ending":
        # coupons that stop being claimable soonest first; those without an end last
        order = [Coupon.claim_ends_at.is_(None), Coupon.claim_ends_at, Coupon.id]
    else:
        order = [Coupon.approved_at.desc(), Coupon.id.desc()]
        if total >= WALK_FROM:
            where = _live_filter(filters, now, walk=True)
    ids = list(
        db.session.scalars(sa.select(Coupon.id).where(where).order_by(*order).limit(per_page).offset(offset))
    )
    if not ids and page > 1 and not counted:
        # Past the end by an older count: count again, so the answer names the pages there are.
        total, counted = totals.count(key, lambda: _count(where_count), fresh=True)
    if len(ids) < per_page and (ids or page == 1):
        exact = offset + len(ids)  # the last page: the total is known without counting
        if exact != total:
            totals.remember(key, exact)
        total = exact
    elif len(ids) == per_page and total < offset + per_page:
        total = offset + per_page  # an older copy counted fewer: at least this many now
    return _load(ids), total


def live_by_district(
    now: datetime | None = None, per_district: int = 4, scan: int = 2000
) -> list[tuple[District, list]]:
    """Today's offers, district by district (home page): the newest live coupons, a few per district.

    Only the newest `scan` live coupons are looked at, so the page costs the same with a hundred or a
    hundred thousand coupons; a district with none among them still has its own list in the mall.
    """
    now = now or clock.now_utc()
    rows = db.session.execute(
        sa.select(Coupon.id, Merchant.district_id)
        .join(Merchant, Merchant.id == Coupon.merchant_id)
        .where(_live_filter(MallFilters(), now, walk=True))
        .order_by(Coupon.approved_at.desc(), Coupon.id.desc())
        .limit(scan)
    ).all()
    picked: dict[int, list[int]] = {}
    for coupon_id, district_id in rows:
        chosen = picked.setdefault(district_id, [])
        if len(chosen) < per_district:
            chosen.append(coupon_id)
    if not picked:
        return []
    coupons = {c.id: c for c in _load([i for ids in picked.values() for i in ids])}
    districts = db.session.scalars(
        sa.select(District).where(District.id.in_(list(picked))).order_by(District.branch_id, District.name)
    )
    return [(d, [coupons[i] for i in picked[d.id] if i in coupons]) for d in districts]


def ending_soon(now: datetime | None = None, limit: int = 6) -> list[Coupon]:
    """Live coupons whose claim window closes first (the home page's 'last chance' row)."""
    now = now or clock.now_utc()
    ids = db.session.scalars(
        sa.select(Coupon.id)
        .where(_live_filter(MallFilters(), now, walk=True), Coupon.claim_ends_at > now)
        .order_by(Coupon.claim_ends_at, Coupon.id)
        .limit(limit)
    )
    return _load(list(ids))


def merchant_coupons(actor, merchant_id: int) -> list[Coupon]:
    """All of a merchant's coupons, for its owner and clerks and the branch's staff."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound()
    allowed = (actor.role in ("merchant", "clerk") and actor.merchant_id == merchant_id) or (
        actor.role in ("staff", "admin") and can_manage_branch(actor, merchant.district.branch_id)
    )
    if not allowed:
        raise NotFound()
    return list(
        db.session.scalars(
            sa.select(Coupon).where(Coupon.merchant_id == merchant_id).order_by(Coupon.id.desc())
        )
    )


def _review_scope(actor) -> sa.Select:
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()
    stmt = (
        sa.select(Coupon)
        .join(Coupon.merchant)
        .join(Merchant.district)
        .where(Coupon.status == CouponStatus.PENDING_REVIEW)
    )
    ids = visible_branch_ids(actor)
    if ids is not None:
        stmt = stmt.where(District.branch_id.in_(ids))
    return stmt


def review_queue(actor) -> list[Coupon]:
    """Coupons waiting for this staff member's decision, oldest submission first."""
    return list(
        db.session.scalars(
            _review_scope(actor).options(contains_eager(Coupon.merchant)).order_by(Coupon.submitted_at)
        ).unique()
    )


def pending_count(actor) -> int:
    stmt = _review_scope(actor).with_only_columns(sa.func.count(Coupon.id))
    return int(db.session.scalar(stmt) or 0)


def branch_coupons(actor, status: str | None = None, limit: int = 200) -> list[Coupon]:
    """Every coupon of the staff member's branch, newest first (the staff's coupon table)."""
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()
    stmt = sa.select(Coupon).join(Coupon.merchant).join(Merchant.district)
    ids = visible_branch_ids(actor)
    if ids is not None:
        stmt = stmt.where(District.branch_id.in_(ids))
    if status:
        stmt = stmt.where(Coupon.status == status)
    return list(
        db.session.scalars(
            stmt.options(contains_eager(Coupon.merchant)).order_by(Coupon.id.desc()).limit(limit)
        ).unique()
    )


# ---------------------------------------------------------------------------------------------------
# Writing: the workflow
# ---------------------------------------------------------------------------------------------------


def _partners(ids: list[int]) -> list[Merchant]:
    if not ids:
        return []
    found = list(
        db.session.scalars(
            sa.select(Merchant).where(Merchant.id.in_(ids), Merchant.status == MerchantStatus.ACTIVE)
        )
    )
    missing = sorted(set(ids) - {m.id for m in found})
    if missing:
        raise ValidationFailed(
            {
                "partner_merchant_ids": [
                    _l(
                        "Not an active alliance merchant: %(ids)s.",
                        ids=", ".join(str(i) for i in missing),
                    )
                ]
            }
        )
    return sorted(found, key=lambda m: m.id)


def search_text_of(coupon: Coupon) -> str:
    parts = [coupon.title, coupon.gift_name or "", (coupon.description or "")[:200]]
    return " ".join(p for p in parts if p).lower()[:400]


def _apply(coupon: Coupon, clean: dict[str, Any]) -> None:
    partner_ids = clean.pop("partner_merchant_ids")
    for field, value in clean.items():
        setattr(coupon, field, value)
    coupon.stock_remaining = coupon.stock_total
    coupon.search_text = search_text_of(coupon)
    coupon.partners = _partners(partner_ids)


def _transition(coupon: Coupon, expected, message, **values) -> None:
    """Change the coupon's status in one conditional statement (`UPDATE … WHERE status IN
    :expected`): of two steps racing on the same coupon, the second finds the status moved on."""
    expected = [expected] if isinstance(expected, str) else list(expected)
    result = db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status.in_(expected))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.expire(coupon)
        raise InvalidState(message)
    for key, value in values.items():  # the loaded coupon shows what the row now holds
        set_committed_value(coupon, key, value)
    db.session.expire(coupon, ["updated_at"])


def create_coupon(actor, merchant_id: int, data: dict[str, Any]) -> Coupon:
    """A merchant owner writes a draft for its own shop."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound()
    if not is_owner(actor, merchant_id):
        raise Forbidden()
    if not can_trade(merchant):  # a pending application writes no coupons (API.md)
        raise Forbidden(CANNOT_TRADE_MESSAGES.get(merchant.status))
    clean = rules.check_fields(data, merchant_id=merchant_id, now=clock.now_utc())
    coupon = Coupon(merchant_id=merchant_id, status=CouponStatus.DRAFT, created_by_id=actor.id)
    coupon.merchant = merchant
    _apply(coupon, clean)
    db.session.add(coupon)
    db.session.flush()
    record(actor, "coupon.create", coupon, data={"kind": coupon.kind, "title": coupon.title})
    return coupon


def update_coupon(actor, coupon: Coupon, data: dict[str, Any]) -> Coupon:
    """Edit a draft (or a rejected coupon, which becomes a draft again). Published coupons are frozen:
    customers hold vouchers under their rules."""
    _owned(actor, coupon)
    if coupon.status not in EDITABLE:
        raise InvalidState(_l("Only drafts and rejected coupons can be edited."))
    clean = rules.check_fields(data, merchant_id=coupon.merchant_id, now=clock.now_utc())
    # The row is taken back to draft first: a submission racing this edit either came first (and
    # this edit is refused) or waits and submits the edited coupon.
    _transition(
        coupon, EDITABLE, _l("Only drafts and rejected coupons can be edited."), status=CouponStatus.DRAFT
    )
    _apply(coupon, clean)
    db.session.flush()
    record(actor, "coupon.update", coupon)
    return coupon


def current_fields(coupon: Coupon) -> dict[str, Any]:
    data = {
        field: getattr(coupon, field)
        for field in (
            "title",
            "description",
            "kind",
            *rules.VALUE_FIELDS,
            "stock_total",
            "per_customer_limit",
            "daily_limit",
            "claim_starts_at",
            "claim_ends_at",
            "valid_from",
            "valid_until",
            "valid_days_after_claim",
            "audience",
            "channel",
        )
    }
    data["usable_weekdays"] = coupon.weekdays or None
    data["usable_hours"] = coupon.usable_hours
    data["partner_merchant_ids"] = coupon.partner_merchant_ids
    return data


def submit(actor, coupon: Coupon) -> Coupon:
    """The owner sends a draft to the branch for review; its rules are checked again against today."""
    _owned(actor, coupon)
    if coupon.status not in EDITABLE:
        raise InvalidState(_l("Only drafts and rejected coupons can be submitted."))
    ensure_can_trade(coupon.merchant)
    rules.check_fields(current_fields(coupon), merchant_id=coupon.merchant_id, now=clock.now_utc())
    _transition(
        coupon,
        EDITABLE,
        _l("Only drafts and rejected coupons can be submitted."),
        status=CouponStatus.PENDING_REVIEW,
        submitted_at=clock.now_utc(),
        review_reason=None,
    )
    record(actor, "coupon.submit", coupon)
    return coupon


def review(
    actor,
    coupon: Coupon,
    decision: str,
    reason: str | None = None,
    *,
    budget_id: int | None = None,
    bank_share_percent: int | None = None,
) -> Coupon:
    """Staff of the merchant's branch approve or reject (with a reason). A merchant never reviews.
    An approval may fund part of each discount from a budget (mall.funding), reserved at once."""
    if actor is not None:
        if actor.role not in ("staff", "admin"):
            raise Forbidden()
        if not _is_reviewer(actor, coupon):
            raise NotFound()
    reason = (reason or "").strip() or None
    if decision not in ("approve", "reject"):
        raise ValidationFailed({"decision": [_l("Approve or reject.")]})
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=REASON_MAX)]})
    if coupon.status != CouponStatus.PENDING_REVIEW:
        raise InvalidState(_l("Only coupons pending review can be reviewed."))
    now = clock.now_utc()
    decided = {"review_reason": reason, "reviewed_at": now, "reviewed_by_id": getattr(actor, "id", None)}
    if decision == "reject":
        if not reason:
            raise ValidationFailed({"reason": [_l("Tell the merchant why, so they can fix it.")]})
        decided["status"] = CouponStatus.REJECTED
    else:
        ensure_can_trade(coupon.merchant)
        decided.update(status=CouponStatus.APPROVED, approved_at=now)
    _transition(
        coupon, CouponStatus.PENDING_REVIEW, _l("Only coupons pending review can be reviewed."), **decided
    )
    if decision == "approve":
        if budget_id is not None or bank_share_percent:
            from mall.funding.services import budgets

            budgets.fund_coupon(actor, coupon, budget_id, bank_share_percent, now)
        stock.shard_on_approval(coupon)
        db.session.flush()
    record(actor, f"coupon.{decision}", coupon, reason=reason)
    return coupon


def withdraw(actor, coupon: Coupon, reason: str | None = None) -> Coupon:
    """The owner or the branch's staff end a coupon early. Vouchers already claimed stay valid."""
    if not (is_owner(actor, coupon.merchant_id) or _is_reviewer(actor, coupon)):
        if can_see_always(actor, coupon):
            raise Forbidden()
        raise NotFound()
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=REASON_MAX)]})
    if coupon.status not in WITHDRAWABLE:
        raise InvalidState(_l("Only coupons pending review or approved can be withdrawn."))
    ended = {"status": CouponStatus.WITHDRAWN, "ended_at": clock.now_utc()}
    if reason:
        ended["review_reason"] = reason
    _transition(
        coupon, WITHDRAWABLE, _l("Only coupons pending review or approved can be withdrawn."), **ended
    )
    record(actor, "coupon.withdraw", coupon, reason=reason)
    return coupon


def end_finished(now: datetime | None = None) -> int:
    """Mark approved coupons whose claim window (or validity) is over as ended. Idempotent."""
    now = now or clock.now_utc()
    over = sa.or_(
        sa.and_(Coupon.claim_ends_at.is_not(None), Coupon.claim_ends_at <= now),
        sa.and_(Coupon.valid_until.is_not(None), Coupon.valid_until <= now),
    )
    result = db.session.execute(
        sa.update(Coupon)
        .where(Coupon.status == CouponStatus.APPROVED, over)
        .values(status=CouponStatus.ENDED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def kind_choices() -> list[tuple[str, object]]:
    return [(k.value, KIND_LABELS[k]) for k in CouponKind]

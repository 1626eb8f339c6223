"""The reports people read: a merchant's figures per day, week or month and per coupon; a branch's
dashboard (today, this month against last, trends, top and dormant merchants, activation, the
programme's effect, what waits for review); the till's closing summary of a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.accounts.models import User
from alliance.branches.models import Branch, District
from alliance.core import clock
from alliance.core.errors import Forbidden, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant, MerchantCare, MerchantFigures
from alliance.merchants.services import access
from alliance.merchants.services import listing as merchant_listing
from alliance.referrals.models import Referral, ReferralStatus
from mall.coupons import services as coupon_services
from mall.coupons.models import Coupon
from mall.funding.models import Budget
from mall.programme.constants import EntryKind, EntryStatus
from mall.programme.models import ProgrammeEntry
from mall.redemption.models import Redemption
from mall.reports import figures
from mall.reports.figures import Scope, add, empty, rate
from mall.reports.models import FIELDS, RolledUpDay

GROUPS = ("day", "week", "month")
MAX_DAYS = 366
DORMANT_DAYS = 30
TOP_MERCHANTS = 10
# The programme's effect: each theme or festival against this many days before it.
BASELINE_DAYS = 28
EFFECT_ENTRIES = 6
EFFECT_KINDS = (EntryKind.MONTHLY_THEME, EntryKind.FESTIVAL)


# ---- periods ---------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def period_of(day: date, group: str) -> str:
    if group == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if group == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def periods(first: date, last: date, group: str) -> list[str]:
    found: list[str] = []
    day = first
    while day <= last:
        key = period_of(day, group)
        if not found or found[-1] != key:
            found.append(key)
        day += timedelta(days=1)
    return found


def with_rate(values: dict) -> dict:
    """The figures of `values` (nothing else) with their redemption rate."""
    values = {name: values[name] for name in FIELDS}
    values["redemption_rate"] = rate(values["redeemed"], values["claimed"])
    return values


def check_range(first: date | None, last: date | None, group: str, today: date) -> tuple[date, date, str]:
    """The asked range and grouping, or a validation error naming the field."""
    last = last or today
    first = first or month_start(last)
    if group not in GROUPS:
        raise ValidationFailed({"group": [_l("Choose day, week or month.")]})
    if first > last:
        raise ValidationFailed({"from": [_l("The start must not be after the end.")]})
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed({"to": [_l("At most %(n)s days at a time.", n=MAX_DAYS)]})
    return first, last, group


def by_period(cells: list[dict], first: date, last: date, group: str) -> list[dict]:
    """Rows per period (every period of the range, empty ones too), oldest first."""
    rows = {key: empty() for key in periods(first, last, group)}
    for cell in cells:
        add(rows.setdefault(period_of(cell["day"], group), empty()), cell)
    return [dict(period=key, **with_rate(values)) for key, values in rows.items()]


def total_of(rows) -> dict:
    total = empty()
    for row in rows:
        add(total, row)
    return with_rate(total)


# ---- a merchant ------------------------------------------------------------------------------------


def reportable_merchant(actor, merchant_id: int) -> Merchant:
    """A merchant whose figures the actor may read: its owner, the branch's staff, admins."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or actor is None:
        raise NotFound()
    if actor.role == "merchant" and actor.merchant_id == merchant.id:
        return merchant
    if access.can_manage(actor, merchant):
        return merchant
    if access.belongs_to(actor, merchant):
        raise Forbidden(_l("Only the shop's owner reads its figures."))
    raise NotFound()


def merchant_report(
    actor, merchant_id: int, first: date | None = None, last: date | None = None, group: str = "day"
) -> dict:
    """A merchant's figures per period and per coupon; past days from the roll-up, today live."""
    today = clock.local_today()
    first, last, group = check_range(first, last, group, today)
    merchant = reportable_merchant(actor, merchant_id)
    cells = figures.collect(first, last, Scope(merchant_id=merchant.id), ("day", "coupon_id"), today)
    rows = by_period(cells, first, min(last, max(first, today)), group)
    per_coupon = figures.regroup(cells, ("coupon_id",))
    titles = dict(
        db.session.execute(
            sa.select(Coupon.id, Coupon.title).where(
                Coupon.id.in_([c["coupon_id"] for c in per_coupon if c["coupon_id"]])
            )
        ).all()
    )
    coupons = sorted(
        (
            dict(coupon_id=c["coupon_id"], title=titles.get(c["coupon_id"], ""), **with_rate(c))
            for c in per_coupon
            if c["coupon_id"]
        ),
        key=lambda c: (-c["redeemed"], -c["claimed"], c["coupon_id"]),
    )
    return {
        "merchant": merchant,
        "from": first,
        "to": last,
        "group": group,
        "rows": rows,
        "totals": total_of(rows),
        "coupons": coupons,
    }


def merchant_home(actor) -> dict:
    """The owner's dashboard: today, this week, this month (with last month for comparison), the
    last 30 days per day, and this month per coupon."""
    merchant = access.get_own(actor)
    today = clock.local_today()
    first = min(previous_month(today), today - timedelta(days=29))
    cells = figures.collect(first, today, Scope(merchant_id=merchant.id), ("day", "coupon_id"), today)
    days = {row["period"]: row for row in by_period(cells, first, today, "day")}

    def span(a: date, b: date) -> dict:
        return total_of(days[d.isoformat()] for d in _dates(a, b))

    this_month = month_start(today)
    last_month = previous_month(today)
    month_cells = [c for c in cells if c["day"] >= this_month]
    titles = dict(
        db.session.execute(sa.select(Coupon.id, Coupon.title).where(Coupon.merchant_id == merchant.id)).all()
    )
    per_coupon = figures.regroup(month_cells, ("coupon_id",))
    for row in per_coupon:
        titles.setdefault(row["coupon_id"], "")
    missing = [cid for cid, title in titles.items() if cid and not title]
    if missing:  # a partner's coupon redeemed here
        titles.update(
            db.session.execute(sa.select(Coupon.id, Coupon.title).where(Coupon.id.in_(missing))).all()
        )
    coupon_rows = {c["coupon_id"]: with_rate(c) for c in per_coupon}
    coupons = sorted(
        (
            dict(coupon_id=cid, title=title, **coupon_rows.get(cid, with_rate(empty())))
            for cid, title in titles.items()
            if cid
        ),
        key=lambda c: (-c["redeemed"], -c["claimed"], c["coupon_id"]),
    )
    week_start = today - timedelta(days=today.weekday())
    return {
        "merchant": merchant,
        "today": today,
        "figures_today": days[today.isoformat()] if today.isoformat() in days else with_rate(empty()),
        "week": span(week_start, today),
        "month": span(this_month, today),
        "last_month": span(last_month, this_month - timedelta(days=1)),
        "last_month_to_date": span(
            last_month, min(last_month + timedelta(days=today.day - 1), this_month - timedelta(days=1))
        ),
        "daily": [days[d.isoformat()] for d in _dates(today - timedelta(days=29), today)],
        "weekly": by_period(cells, first, today, "week"),
        "coupons": coupons,
    }


def _dates(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# ---- the till's closing summary ----------------------------------------------------------------------


@dataclass
class ClosingLine:
    label: str
    count: int
    order_fen: int
    discount_fen: int
    payable_fen: int
    cashback_fen: int


def closing_summary(actor, day: date | None = None) -> dict:
    """What a till hands over at the end of a day: totals, per clerk and per coupon; reversed ones
    listed apart and not counted."""
    merchant = access.get_own(actor)
    day = day or clock.local_today()
    start, end = figures.day_span(day)
    rows = list(
        db.session.scalars(
            sa.select(Redemption)
            .where(
                Redemption.merchant_id == merchant.id,
                Redemption.redeemed_at >= start,
                Redemption.redeemed_at < end,
            )
            .order_by(Redemption.redeemed_at)
        )
    )
    clerks = {
        u.id: u.name
        for u in db.session.scalars(sa.select(User).where(User.id.in_({r.clerk_id for r in rows})))
    }
    standing = [r for r in rows if r.reversed_at is None]

    def line(label, items) -> ClosingLine:
        return ClosingLine(
            label=label,
            count=len(items),
            order_fen=sum(r.order_amount_fen for r in items),
            discount_fen=sum(r.discount_fen for r in items),
            payable_fen=sum(r.payable_fen for r in items),
            cashback_fen=sum(r.cashback_fen or 0 for r in items),
        )

    def grouped(key, label):
        groups: dict = {}
        for r in standing:
            groups.setdefault(key(r), []).append(r)
        return [line(label(k, items), items) for k, items in groups.items()]

    return {
        "merchant": merchant,
        "day": day,
        "printed_at": clock.now_utc(),
        "total": line(_l("Total"), standing),
        "by_clerk": grouped(lambda r: r.clerk_id, lambda k, _items: clerks.get(k, "")),
        "by_coupon": grouped(
            lambda r: r.voucher_id and r.voucher.coupon_id,
            lambda _k, items: items[0].voucher.coupon.title if items[0].voucher is not None else "",
        ),
        "reversed": [r for r in rows if r.reversed_at is not None],
    }


# ---- a branch ----------------------------------------------------------------------------------------


def reportable_branch(actor, branch_id: int):
    """The branch's id and name (a row, not the model: its districts need not load)."""
    if not access.is_staff(actor):
        raise Forbidden()
    branch = db.session.execute(sa.select(Branch.id, Branch.name).where(Branch.id == branch_id)).first()
    if branch is None or not access.can_manage_branch_id(actor, branch.id):
        raise NotFound()
    return branch


def _merchant_table(branch_id: int, scope: Scope, now: datetime) -> list[dict]:
    """Every merchant of the branch (narrowed by the filters) with its account manager and the time
    of its last standing redemption. One statement."""
    last = (
        sa.select(Redemption.redeemed_at)
        .where(Redemption.merchant_id == Merchant.id, Redemption.reversed_at.is_(None))
        .order_by(Redemption.redeemed_at.desc())
        .limit(1)
        .correlate(Merchant)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            Merchant.id,
            Merchant.name,
            Merchant.status,
            Merchant.tier,
            Merchant.industry,
            District.name,
            User.id,
            User.display_name,
            User.username,
            last.label("last_redeemed_at"),
        )
        .join(District, District.id == Merchant.district_id)
        .outerjoin(MerchantCare, MerchantCare.merchant_id == Merchant.id)
        .outerjoin(User, User.id == MerchantCare.account_manager_id)
        .where(
            District.branch_id == branch_id,
            Merchant.status.in_((MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED)),
        )
        .order_by(Merchant.name, Merchant.id)
    )
    if scope.district_id:
        stmt = stmt.where(Merchant.district_id == scope.district_id)
    if scope.industry:
        stmt = stmt.where(Merchant.industry == scope.industry)
    if scope.tier:
        stmt = stmt.where(Merchant.tier == scope.tier)
    found = []
    for (
        mid,
        name,
        status,
        tier,
        industry,
        district,
        manager_id,
        display,
        username,
        last_at,
    ) in db.session.execute(stmt):
        last_at = (
            clock.ensure_utc(last_at) if last_at is not None and isinstance(last_at, datetime) else last_at
        )
        if isinstance(last_at, str):  # SQLite hands a scalar subquery's timestamp back as text
            last_at = clock.ensure_utc(datetime.fromisoformat(last_at))
        found.append(
            {
                "merchant_id": mid,
                "name": name,
                "status": status,
                "tier": tier,
                "industry": industry,
                "district": district,
                "account_manager_id": manager_id,
                "account_manager": display or username or "",
                "last_redeemed_at": last_at,
                "days_since": (now - last_at).days if last_at is not None else None,
            }
        )
    return found


def _activation(branch_id: int, scope: Scope, today: date) -> dict:
    """Transaction counts month over month per merchant (促活), from the bank's imported figures: the
    latest two months the branch has figures for within the last four months. One statement."""
    since = previous_month(previous_month(previous_month(today)))
    stmt = (
        sa.select(
            MerchantFigures.merchant_id,
            Merchant.name,
            MerchantFigures.month,
            MerchantFigures.transaction_count,
        )
        .join(Merchant, Merchant.id == MerchantFigures.merchant_id)
        .join(District, District.id == Merchant.district_id)
        .where(District.branch_id == branch_id, MerchantFigures.month >= since)
    )
    if scope.district_id:
        stmt = stmt.where(Merchant.district_id == scope.district_id)
    if scope.industry:
        stmt = stmt.where(Merchant.industry == scope.industry)
    if scope.tier:
        stmt = stmt.where(Merchant.tier == scope.tier)
    found = db.session.execute(stmt).all()
    months = sorted({row.month for row in found})[-2:]
    if not months:
        return {"month": None, "previous": None, "rows": []}
    latest, previous = months[-1], (months[0] if len(months) == 2 else None)
    per: dict[int, dict] = {}
    for mid, name, month, count in found:
        row = per.setdefault(mid, {"merchant_id": mid, "name": name, "count": 0, "previous": 0})
        if month == latest:
            row["count"] = int(count or 0)
        elif month == previous:
            row["previous"] = int(count or 0)
    rows = []
    for row in per.values():
        row["change"] = row["count"] - row["previous"]
        row["change_percent"] = round(100 * row["change"] / row["previous"], 1) if row["previous"] else None
        rows.append(row)
    rows.sort(key=lambda r: (r["change"], r["name"]))
    return {"month": latest, "previous": previous, "rows": rows}


def _effect_entries(branch_id: int, today: date) -> list:
    """The branch's themes and festivals that began in the last five months (their columns only)."""
    since = clock.local_midnight_utc(today - timedelta(days=150))
    return list(
        db.session.execute(
            sa.select(
                ProgrammeEntry.id,
                ProgrammeEntry.title,
                ProgrammeEntry.kind,
                ProgrammeEntry.dtstart,
                ProgrammeEntry.dtend,
            )
            .where(
                ProgrammeEntry.branch_id == branch_id,
                ProgrammeEntry.kind.in_(EFFECT_KINDS),
                ProgrammeEntry.status == EntryStatus.PUBLISHED,
                ProgrammeEntry.dtstart >= since,
                ProgrammeEntry.dtstart <= clock.now_utc(),
            )
            .order_by(ProgrammeEntry.dtstart.desc())
            .limit(EFFECT_ENTRIES)
        )
    )


def _entry_days(entry, today: date) -> tuple[date, date]:
    first = clock.to_local(entry.dtstart).date()
    last = clock.to_local(entry.dtend - timedelta(microseconds=1)).date()
    return first, min(last, today)


def effect(entries: list, daily: dict[date, dict], today: date) -> list[dict]:
    """Each entry's redemptions per day while it ran against the same number of days at the rate of
    the `BASELINE_DAYS` before it; lift in percent (None without a baseline)."""
    found = []
    for entry in entries:
        first, last = _entry_days(entry, today)
        during = sum(daily.get(d, {}).get("redeemed", 0) for d in _dates(first, last))
        before = sum(
            daily.get(d, {}).get("redeemed", 0)
            for d in _dates(first - timedelta(days=BASELINE_DAYS), first - timedelta(days=1))
        )
        length = (last - first).days + 1
        baseline = round(before * length / BASELINE_DAYS)
        lift = round(100 * (during - baseline) / baseline, 1) if baseline else None
        found.append(
            {
                "entry_id": entry.id,
                "title": entry.title,
                "kind": entry.kind,
                "first_day": first,
                "last_day": last,
                "redeemed": during,
                "baseline": baseline,
                "lift": lift,
            }
        )
    return found


def _referral_columns(branch_id: int, start: datetime, end: datetime) -> list:
    """MGM referrals of the branch: pending ones, those converted in [start, end) and the rewards
    they earned (referrer's and referee's), as scalar subqueries to select with other figures."""
    of_branch = Referral.branch_id == branch_id
    converted = sa.and_(
        of_branch,
        Referral.status == ReferralStatus.CONVERTED,
        Referral.converted_at >= start,
        Referral.converted_at < end,
    )
    return [
        sa.select(sa.func.count(Referral.id))
        .where(of_branch, Referral.status == ReferralStatus.PENDING)
        .scalar_subquery(),
        sa.select(sa.func.count(Referral.id)).where(converted).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(Referral.reward_fen + Referral.referee_reward_fen), 0))
        .where(converted)
        .scalar_subquery(),
    ]


def _referrals(values) -> dict:
    pending, converted, rewards = values
    return {"pending": int(pending or 0), "converted": int(converted or 0), "rewards_fen": int(rewards or 0)}


def _through_and_referrals(branch_id: int, first: date, last: date) -> tuple[date | None, dict]:
    """The last rolled-up day and the branch's referral figures of [first, last]: one statement."""
    start, end = clock.local_midnight_utc(first), clock.local_midnight_utc(last + timedelta(days=1))
    through = sa.select(sa.func.max(RolledUpDay.day)).scalar_subquery()
    row = db.session.execute(sa.select(through, *_referral_columns(branch_id, start, end))).one()
    return row[0], _referrals(row[1:])


def _budgets(branch_id: int, today: date) -> list[dict]:
    """The branch's budgets running today and how much of each the bank has spent or holds."""
    found = db.session.execute(
        sa.select(Budget.id, Budget.name, Budget.total_fen, Budget.reserved_fen, Budget.spent_fen)
        .where(Budget.branch_id == branch_id, Budget.starts_on <= today, Budget.ends_on >= today)
        .order_by(Budget.ends_on, Budget.id)
    )
    return [
        {
            "budget_id": bid,
            "name": name,
            "total_fen": int(total or 0),
            "reserved_fen": int(reserved or 0),
            "spent_fen": int(spent or 0),
            "used_fen": int(spent or 0),
            "use_rate": rate(int(spent or 0), int(total or 0)),
        }
        for bid, name, total, reserved, spent in found
    ]


def branch_dashboard(actor, branch_id: int, scope: Scope, today: date | None = None) -> dict:
    """The staff home: today live, this month against last month (to the same day and whole), the
    daily trend, top and dormant merchants, activation, the programme's effect, reviews waiting.
    Past days come from the roll-up; about a dozen statements whatever the branch's size."""
    branch = reportable_branch(actor, branch_id)
    scope = Scope(
        branch_id=branch.id,
        district_id=scope.district_id,
        industry=scope.industry,
        tier=scope.tier,
        entry_id=scope.entry_id,
    )
    now = clock.now_utc()
    today = today or clock.local_today()
    this_month, last_month = month_start(today), previous_month(today)
    entries = _effect_entries(branch.id, today)
    first = min([last_month] + [_entry_days(e, today)[0] - timedelta(days=BASELINE_DAYS) for e in entries])
    yesterday = today - timedelta(days=1)

    through, referrals = _through_and_referrals(branch.id, this_month, today)
    rolled_last = min(yesterday, through) if through is not None else first - timedelta(days=1)
    daily_rows = figures.rolled_up(first, rolled_last, scope, ("day",)) if rolled_last >= first else []
    by_merchant = (
        figures.rolled_up(max(this_month, first), rolled_last, scope, ("merchant_id",))
        if rolled_last >= this_month
        else []
    )
    live_cells: list[dict] = []
    day = max(first, rolled_last + timedelta(days=1))
    while day <= today:  # today, and any day the roll-up has not reached yet
        live_cells += figures.live(day, scope, by=("merchant_id",))
        day += timedelta(days=1)
    daily_rows += figures.regroup(live_cells, ("day",))
    by_merchant += figures.regroup([c for c in live_cells if c["day"] >= this_month], ("merchant_id",))

    daily: dict[date, dict] = {}
    for row in figures.regroup(daily_rows, ("day",)):
        daily[row["day"]] = with_rate(row)

    def span(a: date, b: date) -> dict:
        return total_of(daily.get(d, empty()) for d in _dates(a, b))

    same_day_last_month = min(last_month + timedelta(days=today.day - 1), this_month - timedelta(days=1))
    month_figures = {row["merchant_id"]: row for row in figures.regroup(by_merchant, ("merchant_id",))}
    merchants = _merchant_table(branch.id, scope, now)
    for m in merchants:
        m.update(with_rate(month_figures.get(m["merchant_id"], empty())))
    top = sorted(
        (m for m in merchants if m["redeemed"]), key=lambda m: (-m["redeemed"], -m["discount_fen"], m["name"])
    )[:TOP_MERCHANTS]
    dormant = sorted(
        (
            m
            for m in merchants
            if m["status"] == MerchantStatus.ACTIVE
            and (m["days_since"] is None or m["days_since"] >= DORMANT_DAYS)
        ),
        key=lambda m: (-(m["days_since"] if m["days_since"] is not None else 10**6), m["name"]),
    )
    trend_days = list(_dates(last_month, today))
    return {
        "branch": branch,
        "scope": scope,
        "today": today,
        "figures_today": daily.get(today, with_rate(empty())),
        "month": span(this_month, today),
        "last_month_to_date": span(last_month, same_day_last_month),
        "last_month": span(last_month, this_month - timedelta(days=1)),
        "trend": [dict(day=d, **daily.get(d, with_rate(empty()))) for d in trend_days],
        "this_month_start": this_month,
        "last_month_start": last_month,
        "merchants": merchants,
        "top": top,
        "dormant": dormant,
        "activation": _activation(branch.id, scope, today),
        "programme": effect(entries, daily, today),
        "reviews": {
            "coupons": coupon_services.pending_count(actor),
            "applications": merchant_listing.pending_count(actor),
        },
        "referrals": referrals,
        "budgets": _budgets(branch.id, today),
    }


def branch_report(
    actor,
    branch_id: int,
    scope: Scope,
    first: date | None = None,
    last: date | None = None,
    group: str = "day",
) -> dict:
    """The BI feed of a branch: figures per period of [first, last], its merchants, the dormant ones,
    the programme's effect, referrals and budgets."""
    today = clock.local_today()
    first, last, group = check_range(first, last, group, today)
    branch = reportable_branch(actor, branch_id)
    scope = Scope(
        branch_id=branch.id,
        district_id=scope.district_id,
        industry=scope.industry,
        tier=scope.tier,
        entry_id=scope.entry_id,
    )
    cells, per_merchant = figures.collect_many(first, last, scope, [("day",), ("merchant_id",)], today)
    rows = by_period(cells, first, min(last, max(first, today)), group)
    per_merchant = {r["merchant_id"]: r for r in per_merchant}
    merchants = _merchant_table(branch.id, scope, clock.now_utc())
    for m in merchants:
        m.update(with_rate(per_merchant.get(m["merchant_id"], empty())))
    entries = _effect_entries(branch.id, today)
    if entries:
        since = min(_entry_days(e, today)[0] for e in entries) - timedelta(days=BASELINE_DAYS)
        daily = {r["day"]: r for r in figures.collect(since, today, scope, ("day",), today)}
    else:
        daily = {}
    return {
        "branch": branch,
        "from": first,
        "to": last,
        "group": group,
        "totals": total_of(rows),
        "rows": rows,
        "merchants": sorted(merchants, key=lambda m: (-m["redeemed"], m["name"])),
        "dormant": [
            m
            for m in merchants
            if m["status"] == MerchantStatus.ACTIVE
            and (m["days_since"] is None or m["days_since"] >= DORMANT_DAYS)
        ],
        "programme": effect(entries, daily, today),
        "referrals": _through_and_referrals(branch.id, first, last)[1],
        "budgets": _budgets(branch.id, today),
    }


__all__ = ["FIELDS", "GROUPS", "Scope"]

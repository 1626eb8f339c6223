"""Budgets and the bank's share of coupons: reserving the worst case at approval, spending at the till,
giving back what a coupon can no longer use.

Every move of money between a budget's figures is one conditional UPDATE checked by its rowcount, so
however many approvals, tills and jobs run at once a budget never holds or spends more than it has.
Lock order is always reservation row, then budget row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from alliance.audit.services import record
from alliance.branches.models import Branch
from alliance.branches.services import can_manage_branch, visible_branch_ids
from alliance.core import clock
from alliance.core.errors import DomainError, Forbidden, InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.core.money import MAX_FEN
from mall.coupons.models import Coupon, CouponKind, CouponStatus
from mall.funding.models import Budget, IncentiveCharge, Reservation
from mall.redemption.models import Redemption
from mall.vouchers.models import Voucher, VoucherStatus

NAME_MAX = 100
PERIOD_MAX_DAYS = 3 * 366


class BudgetExhausted(DomainError):
    code, status = "budget_exhausted", 409
    default_message = _l("The budget does not have enough left to fund this coupon.")


# ---------------------------------------------------------------------------------------------------
# The arithmetic
# ---------------------------------------------------------------------------------------------------


def bank_part(discount_fen: int, share_percent: int | None) -> int:
    """The bank's part of a discount: rounded down, so the merchant carries any fraction of a fen."""
    if not share_percent or discount_fen <= 0:
        return 0
    return discount_fen * share_percent // 100


def largest_discount(coupon: Coupon) -> int | None:
    """The most one voucher of `coupon` can take off an order; None when it has no upper bound."""
    if coupon.kind == CouponKind.THRESHOLD_CUT:
        return coupon.cut_fen or 0
    if coupon.kind == CouponKind.CASH:
        return coupon.amount_fen or 0
    if coupon.kind == CouponKind.DISCOUNT:
        return coupon.cap_fen
    return 0  # gifts and cashback take nothing off the order


def worst_case(coupon: Coupon, share_percent: int) -> tuple[int, int]:
    """(per voucher, for the whole stock): what the bank could pay at most."""
    per_voucher = bank_part(largest_discount(coupon) or 0, share_percent)
    return per_voucher, per_voucher * coupon.stock_total


# ---------------------------------------------------------------------------------------------------
# Budgets
# ---------------------------------------------------------------------------------------------------


def _staff(actor) -> None:
    if actor is None or actor.role not in ("staff", "admin"):
        raise Forbidden()


def create_budget(actor, data: dict[str, Any]) -> Budget:
    """Staff open a budget for their branch: a name, an amount and the days it covers."""
    _staff(actor)
    errors: dict[str, list] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_l("Please enter a name."))
    elif len(name) > NAME_MAX:
        errors.setdefault("name", []).append(_l("At most %(n)s characters.", n=NAME_MAX))
    total = data.get("total_fen")
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0 or total > MAX_FEN:
        errors.setdefault("total_fen", []).append(_l("Give an amount above zero."))
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts, date):
        errors.setdefault("starts_on", []).append(_l("Give the first day."))
    if not isinstance(ends, date):
        errors.setdefault("ends_on", []).append(_l("Give the last day."))
    if isinstance(starts, date) and isinstance(ends, date):
        if ends < starts:
            errors.setdefault("ends_on", []).append(_l("The last day cannot be before the first."))
        elif (ends - starts).days > PERIOD_MAX_DAYS:
            errors.setdefault("ends_on", []).append(_l("A budget covers at most three years."))
    branch_id = data.get("branch_id") or getattr(actor, "branch_id", None)
    branch = db.session.get(Branch, branch_id) if branch_id else None
    if branch is None:
        errors.setdefault("branch_id", []).append(_l("Choose a branch."))
    elif not can_manage_branch(actor, branch.id):
        raise Forbidden(_l("You can only open budgets for your own branch."))
    if errors:
        raise ValidationFailed(errors)
    budget = Budget(
        branch_id=branch.id,
        name=name,
        total_fen=total,
        reserved_fen=0,
        spent_fen=0,
        starts_on=starts,
        ends_on=ends,
        funds_incentives=bool(data.get("funds_incentives")),
        created_by_id=actor.id,
    )
    db.session.add(budget)
    db.session.flush()
    if budget.funds_incentives:
        _only_incentive_budget(budget)
    record(actor, "budget.create", budget, data={"total_fen": total, "name": name})
    return budget


def _only_incentive_budget(budget: Budget) -> None:
    """A branch names one budget for incentive cash at a time: the newest one."""
    db.session.execute(
        sa.update(Budget)
        .where(Budget.branch_id == budget.branch_id, Budget.id != budget.id, Budget.funds_incentives)
        .values(funds_incentives=False)
        .execution_options(synchronize_session=False)
    )


def _visible(actor):
    ids = visible_branch_ids(actor)
    stmt = sa.select(Budget)
    if ids is not None:
        stmt = stmt.where(Budget.branch_id.in_(ids or {-1}))
    return stmt


def list_budgets(actor, page: int = 1, per_page: int = 20) -> tuple[list[Budget], int]:
    _staff(actor)
    stmt = _visible(actor)
    total = db.session.scalar(stmt.with_only_columns(sa.func.count(Budget.id)).order_by(None)) or 0
    items = db.session.scalars(
        stmt.order_by(Budget.ends_on.desc(), Budget.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(items), int(total)


def get_budget(actor, budget_id: int) -> Budget:
    _staff(actor)
    budget = db.session.get(Budget, budget_id)
    if budget is None or not can_manage_branch(actor, budget.branch_id):
        raise NotFound()
    return budget


def funded(budget: Budget) -> list[Reservation]:
    """The coupons a budget funds, with what each holds and spent, newest first."""
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .where(Reservation.budget_id == budget.id)
            .order_by(Reservation.created_at.desc(), Reservation.coupon_id.desc())
        )
    )


def choices_for(actor, coupon: Coupon, today: date | None = None) -> list[Budget]:
    """Budgets that may fund `coupon`: its branch's, running today, newest first."""
    today = today or clock.local_today()
    return list(
        db.session.scalars(
            sa.select(Budget)
            .where(
                Budget.branch_id == coupon.merchant.district.branch_id,
                Budget.starts_on <= today,
                Budget.ends_on >= today,
            )
            .order_by(Budget.id.desc())
        )
    )


# ---------------------------------------------------------------------------------------------------
# Funding a coupon at its approval
# ---------------------------------------------------------------------------------------------------


def check_funding(budget_id: int | None, share_percent: int | None) -> None:
    """The two approval fields go together: a budget and a share, or neither."""
    errors: dict[str, list] = {}
    if share_percent is not None and (
        not isinstance(share_percent, int) or isinstance(share_percent, bool) or not 0 <= share_percent <= 100
    ):
        errors["bank_share_percent"] = [_l("A share between 0 and 100 percent.")]
    if budget_id is not None and share_percent is None:
        errors["bank_share_percent"] = [_l("Give the bank's share of the discount.")]
    if share_percent and budget_id is None:
        errors["budget_id"] = [_l("Choose the budget that pays the bank's share.")]
    if errors:
        raise ValidationFailed(errors)


def fund_coupon(
    actor, coupon: Coupon, budget_id: int | None, share_percent: int | None, now: datetime | None = None
) -> Reservation | None:
    """Reserve the most the bank could pay for `coupon` (stock × the bank's part of its largest
    discount) from the budget, in one conditional UPDATE; 409 `budget_exhausted` when it cannot.
    Called while the coupon is being approved, in the same transaction."""
    check_funding(budget_id, share_percent)
    if budget_id is None:
        return None
    now = now or clock.now_utc()
    budget = db.session.get(Budget, budget_id)
    branch_id = coupon.merchant.district.branch_id
    if budget is None or (actor is not None and not can_manage_branch(actor, budget.branch_id)):
        raise ValidationFailed({"budget_id": [_l("No such budget.")]})
    if budget.branch_id != branch_id:
        raise ValidationFailed({"budget_id": [_l("The budget must belong to the shop's branch.")]})
    today = clock.to_local(now).date()
    if not budget.starts_on <= today <= budget.ends_on:
        raise ValidationFailed({"budget_id": [_l("This budget does not run today.")]})
    if share_percent and coupon.kind in (CouponKind.GIFT, CouponKind.CASHBACK):
        raise ValidationFailed(
            {"bank_share_percent": [_l("This kind of coupon takes nothing off the order to share.")]}
        )
    if share_percent and largest_discount(coupon) is None:
        raise ValidationFailed(
            {"bank_share_percent": [_l("A percentage coupon the bank pays for needs a cap on its discount.")]}
        )
    per_voucher, need = worst_case(coupon, share_percent or 0)
    try:
        with db.session.begin_nested():
            won = db.session.execute(
                sa.update(Budget)
                .where(
                    Budget.id == budget.id, Budget.total_fen - Budget.reserved_fen - Budget.spent_fen >= need
                )
                .values(reserved_fen=Budget.reserved_fen + need)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not won:
                raise BudgetExhausted()
            reservation = Reservation(
                coupon_id=coupon.id,
                budget_id=budget.id,
                per_voucher_fen=per_voucher,
                reserved_fen=need,
                held_fen=need,
                spent_fen=0,
                released_fen=0,
            )
            db.session.add(reservation)
            db.session.flush()
    except IntegrityError:
        raise InvalidState(_l("This coupon is funded already.")) from None
    coupon.budget_id = budget.id
    coupon.bank_share_percent = share_percent or 0
    db.session.expire(budget)
    db.session.flush()
    record(actor, "coupon.fund", coupon, data={"budget_id": budget.id, "share": share_percent, "fen": need})
    return reservation


# ---------------------------------------------------------------------------------------------------
# At the till: the bank's share is spent from the coupon's reservation
# ---------------------------------------------------------------------------------------------------


def spend(coupon_id: int, budget_id: int, amount: int) -> int:
    """Move `amount` from the coupon's reservation to spent; what was really covered (normally all).

    Should a reservation fall short (a voucher reversed after its coupon's reservation was released,
    then redeemed for more), the rest comes from what the budget has available; what neither covers
    is the merchant's, so a budget never overspends.
    """
    if amount <= 0:
        return 0
    held = db.session.execute(
        sa.update(Reservation)
        .where(Reservation.coupon_id == coupon_id, Reservation.held_fen >= amount)
        .values(held_fen=Reservation.held_fen - amount, spent_fen=Reservation.spent_fen + amount)
        .execution_options(synchronize_session=False)
    ).rowcount
    if held:
        db.session.execute(
            sa.update(Budget)
            .where(Budget.id == budget_id)
            .values(reserved_fen=Budget.reserved_fen - amount, spent_fen=Budget.spent_fen + amount)
            .execution_options(synchronize_session=False)
        )
        return amount
    extra = db.session.execute(
        sa.update(Budget)
        .where(Budget.id == budget_id, Budget.total_fen - Budget.reserved_fen - Budget.spent_fen >= amount)
        .values(spent_fen=Budget.spent_fen + amount)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not extra:
        return 0
    db.session.execute(
        sa.update(Reservation)
        .where(Reservation.coupon_id == coupon_id)
        .values(reserved_fen=Reservation.reserved_fen + amount, spent_fen=Reservation.spent_fen + amount)
        .execution_options(synchronize_session=False)
    )
    return amount


def give_back(coupon_id: int, budget_id: int, amount: int) -> None:
    """A reversed redemption's bank share goes back to its coupon's reservation."""
    if amount <= 0:
        return
    db.session.execute(
        sa.update(Reservation)
        .where(Reservation.coupon_id == coupon_id, Reservation.spent_fen >= amount)
        .values(held_fen=Reservation.held_fen + amount, spent_fen=Reservation.spent_fen - amount)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Budget)
        .where(Budget.id == budget_id, Budget.spent_fen >= amount)
        .values(reserved_fen=Budget.reserved_fen + amount, spent_fen=Budget.spent_fen - amount)
        .execution_options(synchronize_session=False)
    )


def incentive_budget_for(branch_id: int, day: date) -> Budget | None:
    return db.session.scalar(
        sa.select(Budget)
        .where(
            Budget.branch_id == branch_id,
            Budget.funds_incentives,
            Budget.starts_on <= day,
            Budget.ends_on >= day,
        )
        .order_by(Budget.id.desc())
        .limit(1)
    )


def charge_incentive(redemption_id: int, branch_id: int, amount: int, now: datetime) -> int | None:
    """Incentive cash spent at a till is the bank's: the branch's incentive budget running that day
    records it spent, as far as it has money available (the customer's cash is theirs either way).
    The budget's id, or None when none was charged."""
    if amount <= 0:
        return None
    budget = incentive_budget_for(branch_id, clock.to_local(now).date())
    if budget is None:
        return None
    done = db.session.execute(
        sa.update(Budget)
        .where(Budget.id == budget.id, Budget.total_fen - Budget.reserved_fen - Budget.spent_fen >= amount)
        .values(spent_fen=Budget.spent_fen + amount)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return None
    db.session.add(
        IncentiveCharge(redemption_id=redemption_id, budget_id=budget.id, amount_fen=amount, charged_at=now)
    )
    db.session.flush()
    return budget.id


def refund_incentive(redemption_id: int) -> None:
    """A reversal takes the redemption's incentive charge off its budget, once."""
    charge = db.session.get(IncentiveCharge, redemption_id)
    if charge is None:
        return
    gone = db.session.execute(
        sa.delete(IncentiveCharge)
        .where(IncentiveCharge.redemption_id == redemption_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if gone:
        db.session.execute(
            sa.update(Budget)
            .where(Budget.id == charge.budget_id, Budget.spent_fen >= charge.amount_fen)
            .values(spent_fen=Budget.spent_fen - charge.amount_fen)
            .execution_options(synchronize_session=False)
        )
    db.session.expunge(charge)


# ---------------------------------------------------------------------------------------------------
# Giving back what a coupon can no longer use
# ---------------------------------------------------------------------------------------------------

FINISHED = (CouponStatus.WITHDRAWN, CouponStatus.ENDED)


def still_needed(reservation: Reservation, now: datetime) -> int:
    """What a finished coupon may still spend: its vouchers that can still be redeemed, each at the
    bank's worst case."""
    usable = db.session.scalar(
        sa.select(sa.func.count(Voucher.id)).where(
            Voucher.coupon_id == reservation.coupon_id,
            Voucher.status == VoucherStatus.ACTIVE,
            sa.or_(Voucher.valid_until.is_(None), Voucher.valid_until > now),
        )
    )
    return int(usable or 0) * reservation.per_voucher_fen


def release_unusable(now: datetime | None = None) -> dict[str, int]:
    """Give back to their budgets what ended and withdrawn coupons can no longer use. Idempotent: a
    second run finds nothing more to give; each release is conditional on the held amount it read."""
    now = now or clock.now_utc()
    candidates = db.session.scalars(
        sa.select(Reservation)
        .join(Coupon, Coupon.id == Reservation.coupon_id)
        .where(Reservation.held_fen > 0, Coupon.status.in_(FINISHED))
        .order_by(Reservation.coupon_id)
    ).all()
    released = coupons = 0
    for reservation in candidates:
        seen = reservation.held_fen
        extra = seen - still_needed(reservation, now)
        if extra <= 0:
            continue
        done = db.session.execute(
            sa.update(Reservation)
            .where(Reservation.coupon_id == reservation.coupon_id, Reservation.held_fen == seen)
            .values(held_fen=Reservation.held_fen - extra, released_fen=Reservation.released_fen + extra)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not done:
            continue  # a till moved it meanwhile: the next run looks again
        db.session.execute(
            sa.update(Budget)
            .where(Budget.id == reservation.budget_id)
            .values(reserved_fen=Budget.reserved_fen - extra)
            .execution_options(synchronize_session=False)
        )
        released += extra
        coupons += 1
    db.session.expire_all()
    return {"coupons": coupons, "released_fen": released}


# ---------------------------------------------------------------------------------------------------
# The burn-down: what is left of a budget day by day
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurnDay:
    day: date
    spent_fen: int  # the bank's share of that day's redemptions
    left_fen: int  # total less everything spent up to that day
    ideal_fen: int  # where an even pace over the period would be


def spent_by_day(budget: Budget) -> dict[date, int]:
    """What the budget paid by local day: the bank's share of standing redemptions of the coupons it
    funds, and the incentive cash charged to it."""
    rows = db.session.execute(
        sa.select(Redemption.redeemed_at, Redemption.bank_fen)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .join(Coupon, Coupon.id == Voucher.coupon_id)
        .where(Coupon.budget_id == budget.id, Redemption.reversed_at.is_(None), Redemption.bank_fen > 0)
    )
    charges = db.session.execute(
        sa.select(IncentiveCharge.charged_at, IncentiveCharge.amount_fen).where(
            IncentiveCharge.budget_id == budget.id
        )
    )
    days: dict[date, int] = {}
    for moment, amount in [*rows, *charges]:
        day = clock.to_local(moment).date()
        days[day] = days.get(day, 0) + amount
    return days


def burn_down(budget: Budget, today: date | None = None) -> list[BurnDay]:
    """One point per day of the budget's period up to today (the whole period once it is over)."""
    today = today or clock.local_today()
    spent = spent_by_day(budget)
    length = (budget.ends_on - budget.starts_on).days + 1
    last = min(budget.ends_on, max(today, budget.starts_on))
    before = sum(v for d, v in spent.items() if d < budget.starts_on)
    points, running = [], before
    day = budget.starts_on
    while day <= last:
        running += spent.get(day, 0)
        elapsed = (day - budget.starts_on).days + 1
        points.append(
            BurnDay(
                day=day,
                spent_fen=spent.get(day, 0),
                left_fen=budget.total_fen - running,
                ideal_fen=budget.total_fen - budget.total_fen * elapsed // length,
            )
        )
        day += timedelta(days=1)
    return points

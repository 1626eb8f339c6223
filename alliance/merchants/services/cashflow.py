"""Looking after a merchant: its account manager and its cash-flow rhythm (回款日、付款日).

A merchant's money follows its sales; on its usual collection and payment days the account
manager should call. The reminder goes out the day before.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.accounts.models import Role, User
from alliance.audit.services import record
from alliance.branches.models import District
from alliance.core import clock
from alliance.core.db import insert_ignore
from alliance.core.errors import ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant, MerchantCare
from alliance.merchants.services import access
from alliance.merchants.services.links import path_for
from alliance.notifications.services import notify, register_kind

register_kind(
    "cashflow_collection",
    title=_l("Tomorrow is %(merchant)s's collection day"),
    body=_l("%(merchant)s usually collects its money on %(day_on)s: a good day to call about deposits."),
)
register_kind(
    "cashflow_payment",
    title=_l("Tomorrow is %(merchant)s's payment day"),
    body=_l("%(merchant)s usually pays its suppliers on %(day_on)s: a good day to call about financing."),
)

KINDS = (("collection_day", "cashflow_collection"), ("payment_day", "cashflow_payment"))


def care_for(merchant_id: int) -> MerchantCare | None:
    return db.session.get(MerchantCare, merchant_id)


def effective_day(day_of_month: int, year: int, month: int) -> int:
    """Day 31 in a 30-day month (or 29–31 in February) falls on the month's last day."""
    return min(day_of_month, calendar.monthrange(year, month)[1])


def falls_on(day_of_month: int | None, on: date) -> bool:
    return bool(day_of_month) and effective_day(day_of_month, on.year, on.month) == on.day


def set_care(
    actor,
    merchant_id: int,
    *,
    account_manager_id: int | None,
    collection_day: int | None,
    payment_day: int | None,
) -> MerchantCare:
    merchant = access.get_managed(merchant_id, actor)
    fields: dict[str, list] = {}
    for name, value in (("collection_day", collection_day), ("payment_day", payment_day)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31
        ):
            fields[name] = [_l("A day of the month, 1 to 31.")]
    if account_manager_id is not None:
        manager = db.session.get(User, account_manager_id) if isinstance(account_manager_id, int) else None
        if (
            manager is None
            or manager.role != Role.STAFF
            or not manager.active
            or manager.branch_id != merchant.district.branch_id
        ):
            fields["account_manager_id"] = [_l("Choose a staff member of the district's branch.")]
    if fields:
        raise ValidationFailed(fields)
    care = care_for(merchant.id)
    before = (
        {
            "account_manager_id": care.account_manager_id,
            "collection_day": care.collection_day,
            "payment_day": care.payment_day,
        }
        if care
        else None
    )
    if care is None:
        # Get-or-create as one statement: two staff saving the first care of a merchant at once
        # both land on the one row (the second write wins), never on a duplicate key.
        db.session.execute(
            insert_ignore(MerchantCare.__table__, db.session.get_bind(), merchant_id=merchant.id)
        )
        care = db.session.scalar(
            sa.select(MerchantCare)
            .where(MerchantCare.merchant_id == merchant.id)
            .with_for_update(of=MerchantCare)
            .execution_options(populate_existing=True)
        )
    care.account_manager_id = account_manager_id
    care.collection_day = collection_day
    care.payment_day = payment_day
    db.session.flush()
    record(
        actor,
        "merchant.care",
        merchant,
        data={
            "before": before,
            "after": {
                "account_manager_id": account_manager_id,
                "collection_day": collection_day,
                "payment_day": payment_day,
            },
        },
    )
    return care


def send_reminders(today: date | None = None) -> int:
    """Tell account managers about tomorrow's collection and payment days. Safe to run again:
    each reminder has a dedupe key, so a re-run (or a second scheduler) sends nothing twice.

    A merchant without an account manager reminds every active staff member of its branch.
    """
    today = today or clock.local_today()
    tomorrow = today + timedelta(days=1)
    # Days that land on `tomorrow`: the day itself, and at a month's end every later day too.
    last = calendar.monthrange(tomorrow.year, tomorrow.month)[1]
    days = list(range(tomorrow.day, 32)) if tomorrow.day == last else [tomorrow.day]
    rows = db.session.execute(
        sa.select(Merchant.id, Merchant.name, District.branch_id, MerchantCare)
        .join(MerchantCare, MerchantCare.merchant_id == Merchant.id)
        .join(District, Merchant.district_id == District.id)
        .where(
            Merchant.status == MerchantStatus.ACTIVE,
            sa.or_(MerchantCare.collection_day.in_(days), MerchantCare.payment_day.in_(days)),
        )
    ).all()
    staff_by_branch: dict[int, list[int]] = {}
    sent = 0
    for merchant_id, name, branch_id, care in rows:
        manager = care.account_manager
        if manager is not None and manager.active:
            recipients = [manager.id]
        else:
            if branch_id not in staff_by_branch:
                staff_by_branch[branch_id] = list(
                    db.session.scalars(
                        sa.select(User.id).where(
                            User.branch_id == branch_id, User.role == Role.STAFF, User.active.is_(True)
                        )
                    )
                )
            recipients = staff_by_branch[branch_id]
        for attribute, kind in KINDS:
            if not falls_on(getattr(care, attribute), tomorrow):
                continue
            for user_id in recipients:
                sent += notify(
                    user_id,
                    kind,
                    {"merchant": name, "day_on": tomorrow.isoformat()},
                    link=path_for("merchants.staff_merchant", merchant_id=merchant_id),
                    dedupe_key=f"cashflow:{kind}:{merchant_id}:{tomorrow.isoformat()}:{user_id}",
                )
    return sent


def upcoming(actor, days: int = 7) -> list[dict]:
    """The next week's collection and payment days of the members the staff member manages."""
    today = clock.local_today()
    window = [today + timedelta(days=i) for i in range(days + 1)]
    rows = db.session.execute(
        sa.select(Merchant, MerchantCare)
        .join(MerchantCare, MerchantCare.merchant_id == Merchant.id)
        .join(District, Merchant.district_id == District.id)
        .where(
            Merchant.status == MerchantStatus.ACTIVE,
            access.managed_clause(actor),
            sa.or_(MerchantCare.collection_day.is_not(None), MerchantCare.payment_day.is_not(None)),
        )
    ).all()
    found = []
    for merchant, care in rows:
        for on in window:
            for attribute, kind in KINDS:
                if falls_on(getattr(care, attribute), on):
                    found.append({"on": on, "kind": kind, "merchant": merchant, "care": care})
    found.sort(key=lambda x: (x["on"], x["merchant"].name))
    return found

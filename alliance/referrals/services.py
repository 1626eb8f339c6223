"""Referrals (MGM 转介绍): checking a code when someone signs up with it, recording the pending
referral, converting it (a customer's at their first redemption, a shop's at its approval) under the
branch's rules, the monthly cap per referrer, and the figures staff read.

Exactly once: a referral turns pending → converted by one conditional UPDATE, and its rewards are
ledger entries unique per (referral, kind). The cap: a referrer's rewards in one local month live in a
counter row that one UPDATE raises only while it stays under the cap, so racing conversions never
pass it; a conversion past the cap is recorded with reward 0 and `capped`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from alliance.accounts.models import Role, User
from alliance.audit.services import record
from alliance.branches.models import Branch
from alliance.branches.services import can_manage_branch
from alliance.core import clock, codes
from alliance.core.db import insert_ignore
from alliance.core.errors import Forbidden, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.core.money import format_fen
from alliance.incentives import services as incentives
from alliance.merchants.models import Merchant
from alliance.notifications.services import notify, register_kind
from alliance.referrals.models import (
    Referral,
    ReferralKind,
    ReferralMonth,
    ReferralRules,
    ReferralStatus,
)

CODE_LENGTH = 8
SOURCE = "referral"
REWARD = "referral_reward"  # to the referrer, when their referral converts
WELCOME = "referral_welcome"  # to the referee, when they convert
MAX_REWARD_FEN = 1_000_000  # ¥10,000: anything above is a typing slip
DEFAULT_RULES = {"referrer_reward_fen": 1000, "referee_reward_fen": 500, "monthly_cap_fen": 5000}

incentives.register_kind(REWARD, _l("Referral reward"))
incentives.register_kind(WELCOME, _l("Welcome reward (you were referred)"))
register_kind(
    "referral_converted",
    title=_l("Your referral converted: %(name)s"),
    body=_l("%(name)s joined through your code. %(reward)s incentive cash was credited to you."),
)
register_kind(
    "referral_capped",
    title=_l("Your referral converted: %(name)s"),
    body=_l("%(name)s joined through your code. This month's referral rewards have reached the cap."),
)
register_kind(
    "referral_welcome",
    title=_l("Welcome reward: %(reward)s"),
    body=_l("You joined through %(name)s's invitation: %(reward)s incentive cash was credited to you."),
)

NO_ACCOUNT = _l("This referral code matches no active account.")
SELF_REFERRAL = _l("This code belongs to the same phone number: you cannot refer yourself.")
ALREADY_MEMBER = _l("This phone number already has an account: someone already with us cannot be referred.")


# ---------------------------------------------------------------------------------------------------
# Codes and checks at sign-up
# ---------------------------------------------------------------------------------------------------


def normalise_phone(phone: str | None) -> str:
    """Digits only, without a leading +86 / 86 on an 11-digit mobile number."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _phone_digits_sql(column):
    expr = column
    for ch in (" ", "-", "(", ")", "+"):
        expr = sa.func.replace(expr, ch, "")
    return expr


def phone_has_account(phone: str | None) -> bool:
    digits = normalise_phone(phone)
    if not digits:
        return False
    return (
        db.session.scalar(
            sa.select(User.id).where(_phone_digits_sql(User.phone).in_([digits, "86" + digits])).limit(1)
        )
        is not None
    )


def user_by_code(code: str | None) -> User | None:
    normalised = codes.normalise(code or "")
    if not codes.is_well_formed(normalised, CODE_LENGTH):
        return None
    return db.session.scalar(sa.select(User).where(User.referral_code == normalised))


def check_code(code: str | None, phone: str | None) -> User | None:
    """The referrer a new account's code names (None without a code), or 422 on `referral_code`:
    a code of no active account, the new account's own phone behind the code, or a phone that
    already has an account."""
    if not (code or "").strip():
        return None
    referrer = user_by_code(code)
    if referrer is None or not referrer.active or referrer.role not in (Role.CUSTOMER, Role.MERCHANT):
        raise ValidationFailed({"referral_code": [NO_ACCOUNT]})
    digits = normalise_phone(phone)
    if digits and normalise_phone(referrer.phone) == digits:
        raise ValidationFailed({"referral_code": [SELF_REFERRAL]})
    if digits and phone_has_account(digits):
        raise ValidationFailed({"referral_code": [ALREADY_MEMBER]})
    return referrer


def _home_branch(user: User) -> int | None:
    """The branch a referrer belongs to, when it can be told: a shop owner's shop's branch, else the
    branch where the referrer's own referral converted."""
    if user.merchant_id:
        merchant = db.session.get(Merchant, user.merchant_id)
        return merchant.branch_id if merchant else None
    return db.session.scalar(sa.select(Referral.branch_id).where(Referral.referee_id == user.id))


def record_referral(
    referrer: User | None, referee: User, *, merchant: Merchant | None = None
) -> Referral | None:
    """A pending referral of `referee` (a new customer, or the owner of a new shop) by `referrer`."""
    if referrer is None:
        return None
    referral = Referral(
        kind=ReferralKind.MERCHANT if merchant is not None else ReferralKind.CUSTOMER,
        referrer_id=referrer.id,
        referee_id=referee.id,
        merchant_id=merchant.id if merchant is not None else None,
        branch_id=merchant.branch_id if merchant is not None else _home_branch(referrer),
        status=ReferralStatus.PENDING,
        reward_fen=0,
        referee_reward_fen=0,
        capped=False,
    )
    db.session.add(referral)
    db.session.flush()
    referee.referred_by_id = referrer.id
    return referral


def code_for(user: User) -> str | None:
    """The user's referral code; a customer or shop owner without one gets one now."""
    if user.referral_code or user.role not in (Role.CUSTOMER, Role.MERCHANT):
        return user.referral_code
    for _attempt in range(5):
        code = codes.new_code(CODE_LENGTH)
        try:
            with db.session.begin_nested():
                db.session.execute(
                    sa.update(User)
                    .where(User.id == user.id, User.referral_code.is_(None))
                    .values(referral_code=code)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue
        break
    db.session.refresh(user, ["referral_code"])
    return user.referral_code


def owner_of(merchant_id: int) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .where(User.merchant_id == merchant_id, User.role == Role.MERCHANT, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def share_words(user: User):
    """「老王面馆邀请你加入商户联盟」: the referrer in their own words (the shop's name for an owner)."""
    name = user.name
    if user.merchant_id:
        merchant = db.session.get(Merchant, user.merchant_id)
        if merchant is not None:
            name = merchant.name
    return _l("%(name)s invites you to join the merchant alliance", name=name)


# ---------------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    branch_id: int
    referrer_reward_fen: int
    referee_reward_fen: int
    monthly_cap_fen: int


def rules_for(branch_id: int | None) -> Rules:
    row = db.session.get(ReferralRules, branch_id) if branch_id else None
    if row is not None:
        return Rules(branch_id, row.referrer_reward_fen, row.referee_reward_fen, row.monthly_cap_fen)
    defaults = {**DEFAULT_RULES, **current_app.config.get("REFERRAL_DEFAULT_RULES", {})}
    return Rules(branch_id or 0, **defaults)


def _managed_branch(actor, branch_id: int) -> Branch:
    if actor is None or actor.role not in (Role.STAFF, Role.ADMIN):
        raise Forbidden()
    branch = db.session.get(Branch, branch_id)
    if branch is None or not can_manage_branch(actor, branch_id):
        raise NotFound()
    return branch


def get_rules(actor, branch_id: int) -> Rules:
    _managed_branch(actor, branch_id)
    return rules_for(branch_id)


def set_rules(actor, branch_id: int, values: dict) -> Rules:
    """Staff of the branch (and admins) set its rewards and cap; one upsert, audited."""
    branch = _managed_branch(actor, branch_id)
    fields = {}
    clean = {}
    for key in ("referrer_reward_fen", "referee_reward_fen", "monthly_cap_fen"):
        value = values.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            fields[key] = [_l("Enter an amount.")]
        elif value < 0:
            fields[key] = [_l("Must not be negative.")]
        elif value > MAX_REWARD_FEN * 100:
            fields[key] = [_l("This amount is too large.")]
        else:
            clean[key] = value
    if fields:
        raise ValidationFailed(fields)
    table = ReferralRules.__table__
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = clock.now_utc()
    stmt = insert(table).values(branch_id=branch_id, updated_by_id=actor.id, updated_at=now, **clean)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.branch_id],
            set_={**clean, "updated_by_id": actor.id, "updated_at": now},
        )
    )
    db.session.expire_all()
    record(actor, "referrals.rules", branch, data={"branch_id": branch_id, **clean})
    return rules_for(branch_id)


# ---------------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------------


def month_key(now: datetime) -> str:
    return clock.to_local(now).strftime("%Y-%m")


def _convert(where, *, branch_id: int | None, by: str, by_id: int, now: datetime) -> Referral | None:
    """Win pending → converted for the referral `where` names (one conditional UPDATE), then book its
    rewards under the branch's rules. None when there was nothing pending (or another won it)."""
    month = month_key(now)
    # One statement both finds and wins the pending referral (most redemptions find none).
    won = db.session.execute(
        sa.update(Referral)
        .where(where, Referral.status == ReferralStatus.PENDING)
        .values(
            status=ReferralStatus.CONVERTED,
            converted_at=now,
            branch_id=branch_id,
            month=month,
            converted_by=by,
            converted_by_id=by_id,
        )
        .returning(Referral.id)
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        return None
    referral = db.session.get(Referral, won.id)
    db.session.refresh(referral)
    rules = rules_for(branch_id)
    granted, capped = 0, False
    if rules.referrer_reward_fen > 0:
        db.session.execute(
            insert_ignore(
                ReferralMonth.__table__,
                db.session.get_bind(),
                referrer_id=referral.referrer_id,
                month=month,
                rewards_fen=0,
            )
        )
        under_cap = db.session.execute(
            sa.update(ReferralMonth)
            .where(
                ReferralMonth.referrer_id == referral.referrer_id,
                ReferralMonth.month == month,
                ReferralMonth.rewards_fen + rules.referrer_reward_fen <= rules.monthly_cap_fen,
            )
            .values(rewards_fen=ReferralMonth.rewards_fen + rules.referrer_reward_fen)
            .execution_options(synchronize_session=False)
        ).rowcount
        if under_cap:
            granted = rules.referrer_reward_fen
        else:
            capped = True
    db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id)
        .values(reward_fen=granted, referee_reward_fen=rules.referee_reward_fen, capped=capped)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(referral)
    referee_name = referral.referee.name[:100]
    referrer_name = referral.referrer.name[:100]
    incentives.credit(
        referral.referrer_id,
        granted,
        REWARD,
        source_type=SOURCE,
        source_id=referral.id,
        note=referee_name,
        branch_id=branch_id,
    )
    incentives.credit(
        referral.referee_id,
        rules.referee_reward_fen,
        WELCOME,
        source_type=SOURCE,
        source_id=referral.id,
        note=referrer_name,
        branch_id=branch_id,
    )
    kind = "referral_capped" if capped else "referral_converted"
    notify(
        referral.referrer_id,
        kind,
        {"name": referee_name, "reward": format_fen(granted)},
        dedupe_key=f"referral:{referral.id}",
    )
    if rules.referee_reward_fen > 0:
        notify(
            referral.referee_id,
            "referral_welcome",
            {"name": referrer_name, "reward": format_fen(rules.referee_reward_fen)},
            dedupe_key=f"referral-welcome:{referral.id}",
        )
    return referral


def convert_customer(customer_id: int, *, branch_id: int | None, redemption_id: int, now: datetime):
    """The referee's first redemption anywhere converts their referral (rules of the shop's branch).
    Called inside the redemption's transaction: a retried or racing redemption converts it once."""
    return _convert(
        sa.and_(Referral.referee_id == customer_id, Referral.kind == ReferralKind.CUSTOMER),
        branch_id=branch_id,
        by="redemption",
        by_id=redemption_id,
        now=now,
    )


def convert_merchant(merchant: Merchant, now: datetime | None = None):
    """A referred shop's approval converts its referral (rules of the shop's branch)."""
    return _convert(
        sa.and_(Referral.merchant_id == merchant.id, Referral.kind == ReferralKind.MERCHANT),
        branch_id=merchant.branch_id,
        by="approval",
        by_id=merchant.id,
        now=now or clock.now_utc(),
    )


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


def _require_referrer(user) -> None:
    if user is None or user.role not in (Role.CUSTOMER, Role.MERCHANT):
        raise Forbidden(_l("Only customers and shop owners have a referral code."))


def summary(user, url_for_code) -> dict:
    """`{code, url, pending, converted, rewards_fen}` for a customer or shop owner."""
    _require_referrer(user)
    code = code_for(user)
    counts = dict(
        db.session.execute(
            sa.select(Referral.status, sa.func.count(Referral.id))
            .where(Referral.referrer_id == user.id)
            .group_by(Referral.status)
        ).all()
    )
    rewards = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Referral.reward_fen), 0)).where(
            Referral.referrer_id == user.id
        )
    )
    return {
        "code": code,
        "url": url_for_code(code),
        "pending": int(counts.get(ReferralStatus.PENDING, 0)),
        "converted": int(counts.get(ReferralStatus.CONVERTED, 0)),
        "rewards_fen": int(rewards or 0),
    }


def referrals_of(user, limit: int = 500) -> list[Referral]:
    _require_referrer(user)
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.referrer_id == user.id)
            .order_by(Referral.created_at.desc(), Referral.id.desc())
            .limit(limit)
        )
    )


def parse_month(text: str | None) -> date:
    """'2026-12' → date(2026, 12, 1); the current local month when empty; 422 otherwise."""
    if not text:
        return clock.local_today().replace(day=1)
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationFailed({"month": [_l("Use the form YYYY-MM.")]})


def leaderboard(actor, branch_id: int, month: date) -> list[dict]:
    """Referrers by referrals converted in the branch in the month, most first."""
    _managed_branch(actor, branch_id)
    key = month.strftime("%Y-%m")
    rows = db.session.execute(
        sa.select(
            Referral.referrer_id,
            sa.func.count(Referral.id).label("converted"),
            sa.func.coalesce(sa.func.sum(Referral.reward_fen), 0).label("rewards_fen"),
        )
        .where(
            Referral.branch_id == branch_id,
            Referral.month == key,
            Referral.status == ReferralStatus.CONVERTED,
        )
        .group_by(Referral.referrer_id)
        .order_by(sa.desc("converted"), sa.desc("rewards_fen"), Referral.referrer_id)
    ).all()
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_([r[0] for r in rows])))}
    return [
        {
            "user_id": r.referrer_id,
            "name": users[r.referrer_id].name,
            "converted": int(r.converted),
            "rewards_fen": int(r.rewards_fen),
        }
        for r in rows
    ]


def chain(referrer_id: int, depth: int = 3) -> list[dict]:
    """Who a referrer brought, and whom those brought, `depth` levels down (for the leaderboard)."""
    if depth <= 0:
        return []
    found = db.session.scalars(
        sa.select(Referral).where(Referral.referrer_id == referrer_id).order_by(Referral.id).limit(100)
    ).all()
    return [{"referral": r, "children": chain(r.referee_id, depth - 1)} for r in found]


def pending(actor, branch_id: int, limit: int = 200) -> list[Referral]:
    """Referrals of the branch that never converted, oldest first."""
    _managed_branch(actor, branch_id)
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.branch_id == branch_id, Referral.status == ReferralStatus.PENDING)
            .order_by(Referral.created_at, Referral.id)
            .limit(limit)
        )
    )


def incentive_months(actor, branch_id: int, count: int = 6) -> list[dict]:
    """Incentive cash credited and spent in the branch, month by month, newest first."""
    _managed_branch(actor, branch_id)
    first = clock.local_today().replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return incentives.monthly_figures(branch_id, months)

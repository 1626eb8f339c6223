"""Demo referrals: the east branch's rules; alice (a customer) and owner1 (a shop owner) have brought
friends who registered with their codes. Whether those referrals convert is up to the till (the mall's
redemption demo); here they are pending."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.branches.models import Branch
from alliance.core.extensions import db
from alliance.referrals import services
from alliance.referrals.models import ReferralRules

DEMO_PASSWORD = "demo12345"
# (username, display name, phone, referrer)
REFERRED = (
    ("carol", "Carol 陈", "13900000101", "alice"),
    ("dave", "Dave 刘", "13900000102", "alice"),
    ("erin", "Erin 赵", "13900000103", "alice"),
    ("frank", "Frank 周", "13900000104", "owner1"),
    ("grace", "Grace 吴", "13900000105", "owner1"),
)
RULES = {"referrer_reward_fen": 1000, "referee_reward_fen": 500, "monthly_cap_fen": 5000}


def seed() -> list[tuple[str, str, str]]:
    logins: list[tuple[str, str, str]] = []
    east = db.session.scalar(sa.select(Branch).where(Branch.name == "城东支行"))
    staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
    if east is not None and staff is not None and db.session.get(ReferralRules, east.id) is None:
        services.set_rules(staff, east.id, RULES)
    for username, name, phone, referrer_name in REFERRED:
        referrer = db.session.scalar(sa.select(User).where(User.username == referrer_name))
        if referrer is None or db.session.scalar(sa.select(User.id).where(User.username == username)):
            continue
        accounts.register_customer(
            username,
            DEMO_PASSWORD,
            display_name=name,
            phone=phone,
            referral_code=services.code_for(referrer),
        )
        logins.append(("customer", username, DEMO_PASSWORD))
    db.session.flush()
    return logins

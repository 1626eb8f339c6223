"""Real races for referrals: the converting redemption retried 50 times with one Idempotency-Key, two
first redemptions of one referee at two tills, and 20 conversions at once against a monthly cap of
three rewards. Threads against a real server (gunicorn, several workers), SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from alliance.incentives import services as incentives
from alliance.incentives.models import IncentiveEntry
from alliance.referrals import services as referrals
from alliance.referrals.models import Referral, ReferralMonth
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf
from tests.mall.test_races import fire_at_once

pytestmark = pytest.mark.slow


def attempts_ready(app) -> None:
    """The failed-attempt counters' side table (SQLite) exists before the workers race to make it."""
    store = app.extensions["attempts"]["store"]
    if hasattr(store, "engine"):
        store.engine()


REWARD = 1000


def set_rules(shop, cap_fen: int, referee_fen: int = 200):
    referrals.set_rules(
        mf.staff_for(shop),
        shop.branch_id,
        {"referrer_reward_fen": REWARD, "referee_reward_fen": referee_fen, "monthly_cap_fen": cap_fen},
    )


def reward_entries(db, user_id: int) -> list[IncentiveEntry]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(IncentiveEntry).where(
            IncentiveEntry.user_id == user_id, IncentiveEntry.source_type == "referral"
        )
    ).all()


def test_fifty_retries_of_the_converting_redemption_with_one_key_reward_once(app, db, live_server):
    shop = mf.merchant()
    set_rules(shop, cap_fen=10 * REWARD)
    alice = factories.user("customer", "alice")
    bob = factories.user("customer", "bob", referral_code=alice.referral_code)
    voucher = vouchers.claim(bob, mf.live_coupon(shop).id)
    token = mf.token_for(mf.clerk(shop))
    db.session.commit()
    headers = {**mf.bearer(token), "Idempotency-Key": "till-1-first-visit"}
    body = {"code": voucher.code, "order_amount_fen": 12000}

    def redeem():
        r = requests.post(live_server.api("/redemptions"), json=body, headers=headers, timeout=120)
        return r.status_code, r.json()

    attempts_ready(app)
    results = fire_at_once([redeem] * 50)
    # A duplicate waits for the first and answers the same, or says 409 `conflict`; one that could not
    # get a database connection in time says 503 `unavailable` (safe to retry) and is retried below.
    allowed = {(409, "conflict"), (503, "unavailable")}
    refused = [(s, b["error"]["code"]) for s, b in results if s != 201]
    assert set(refused) <= allowed, (Counter(refused), live_server.log()[-3000:])
    results = [redeem() if s == 503 else (s, b) for s, b in results]
    winners = [b for s, b in results if s == 201]
    assert winners and all(b == winners[0] for b in winners)
    assert redeem() == (201, winners[0])
    assert db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 1
    assert [(e.kind, e.amount_fen) for e in reward_entries(db, alice.id)] == [("referral_reward", REWARD)]
    assert [(e.kind, e.amount_fen) for e in reward_entries(db, bob.id)] == [("referral_welcome", 200)]
    assert incentives.balance(alice.id) == incentives.ledger_sum(alice.id) == REWARD
    referral = db.session.scalar(sa.select(Referral).where(Referral.referee_id == bob.id))
    assert (referral.status, referral.reward_fen, referral.converted_by_id) == (
        "converted",
        REWARD,
        winners[0]["id"],
    )


def test_two_first_redemptions_racing_at_two_tills_convert_once(app, db, live_server):
    shop, other_shop = mf.merchant(), mf.merchant()
    set_rules(shop, cap_fen=10 * REWARD)
    set_rules(other_shop, cap_fen=10 * REWARD)
    alice = factories.user("customer", "alice")
    bob = factories.user("customer", "bob", referral_code=alice.referral_code)
    here = vouchers.claim(bob, mf.live_coupon(shop).id)
    there = vouchers.claim(bob, mf.live_coupon(other_shop).id)
    tokens = [mf.token_for(mf.clerk(shop)), mf.token_for(mf.clerk(other_shop))]
    db.session.commit()

    def redeem(token, voucher):
        body = {"code": voucher.code, "order_amount_fen": 12000}
        return lambda: (
            requests.post(
                live_server.api("/redemptions"), json=body, headers=mf.bearer(token), timeout=120
            ).status_code
        )

    attempts_ready(app)
    assert fire_at_once([redeem(tokens[0], here), redeem(tokens[1], there)]) == [201, 201]
    assert db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 2
    assert [(e.kind, e.amount_fen) for e in reward_entries(db, alice.id)] == [("referral_reward", REWARD)]
    assert len(reward_entries(db, bob.id)) == 1
    assert incentives.balance(alice.id) == REWARD
    assert (
        db.session.scalar(sa.select(ReferralMonth.rewards_fen).where(ReferralMonth.referrer_id == alice.id))
        == REWARD
    )


def test_twenty_conversions_at_once_hold_a_cap_of_three_rewards(app, db, live_server):
    shop = mf.merchant()
    set_rules(shop, cap_fen=3 * REWARD, referee_fen=0)
    alice = factories.user("customer", "alice")
    coupon = mf.live_coupon(shop)
    friends = [factories.user("customer", f"friend{i}", referral_code=alice.referral_code) for i in range(20)]
    held = [vouchers.claim(friend, coupon.id) for friend in friends]
    tokens = [mf.token_for(mf.clerk(shop)) for _ in range(20)]
    db.session.commit()

    def redeem(token, voucher):
        body = {"code": voucher.code, "order_amount_fen": 12000}
        return lambda: (
            requests.post(
                live_server.api("/redemptions"), json=body, headers=mf.bearer(token), timeout=120
            ).status_code
        )

    attempts_ready(app)
    results = fire_at_once([redeem(t, v) for t, v in zip(tokens, held, strict=True)])
    assert results == [201] * 20, live_server.log()[-3000:]
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Referral).where(Referral.referrer_id == alice.id)).all()
    assert Counter((r.status, r.reward_fen, r.capped) for r in rows) == {
        ("converted", REWARD, False): 3,
        ("converted", 0, True): 17,
    }
    assert len(reward_entries(db, alice.id)) == 3
    assert incentives.balance(alice.id) == incentives.ledger_sum(alice.id) == 3 * REWARD
    assert db.session.scalar(sa.select(ReferralMonth.rewards_fen)) == 3 * REWARD

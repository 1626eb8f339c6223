"""A property-based test of the coupon and voucher state machines: random sequences of claim, redeem,
reverse, expire (the clock moves, the job runs) and withdraw never break the invariants:
stock never below zero; vouchers issued = stock taken; per-customer limits hold; a voucher has at
most one standing redemption and is `redeemed` exactly when it has one; the incentive balance is the
sum of the ledger and matches the cashback of standing redemptions."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from alliance.core import clock
from alliance.core.errors import (
    AlreadyRedeemed,
    Expired,
    InvalidState,
    LimitReached,
    MinSpendNotMet,
    NotClaimable,
    NotValidNow,
    SoldOut,
)
from alliance.incentives import services as incentives
from alliance.incentives.models import IncentiveEntry
from mall.coupons import services as coupons
from mall.coupons.models import Coupon
from mall.redemption import services as redemption
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import ClaimCounter, Voucher
from tests.mall import factories as mf

START = mf.at("2026-12-07 10:00")  # a Monday morning


def test_random_sequences_keep_the_invariants(app, db):
    session = db.session
    shop = mf.merchant()
    owner, clerk = mf.owner(shop), mf.clerk(shop)
    session.commit()

    class MallMachine(RuleBasedStateMachine):
        voucher_ids = Bundle("vouchers")
        redemption_ids = Bundle("redemptions")

        def __init__(self):
            super().__init__()
            clock.freeze(START)
            self.shop, self.owner, self.clerk = shop, owner, clerk
            self.coupon_ids = [
                mf.live_coupon(
                    self.shop,
                    self.owner,
                    kind="cashback",
                    amount_fen=300,
                    threshold_fen=1000,
                    stock_total=4,
                    per_customer_limit=2,
                    valid_days_after_claim=1,
                ).id,
                mf.live_coupon(
                    self.shop,
                    self.owner,
                    title="满50减10",
                    threshold_fen=5000,
                    cut_fen=1000,
                    stock_total=3,
                    daily_limit=1,
                    per_customer_limit=2,
                    claim_ends_at=START + timedelta(hours=30),
                ).id,
            ]
            self.customers = mf.fast_customers(3)
            self.customer_ids = [c.id for c in self.customers]
            session.commit()

        def teardown(self):
            session.rollback()
            clock.reset()

        @rule(target=voucher_ids, who=st.integers(0, 2), which=st.integers(0, 1))
        def claim(self, who, which):
            try:
                voucher = vouchers.claim(self.customers[who], self.coupon_ids[which])
            except (SoldOut, LimitReached, NotClaimable):
                session.rollback()
                return multiple()
            session.commit()
            return voucher.id

        @rule(target=redemption_ids, voucher_id=voucher_ids, amount=st.integers(0, 20000))
        def redeem(self, voucher_id, amount):
            voucher = session.get(Voucher, voucher_id)
            try:
                done = redemption.redeem(self.clerk, voucher, amount)
            except (AlreadyRedeemed, Expired, MinSpendNotMet, NotValidNow):
                session.rollback()
                return multiple()
            session.commit()
            return done.id

        @rule(redemption_id=redemption_ids)
        def reverse(self, redemption_id):
            try:
                redemption.reverse(self.clerk, redemption_id, "测试撤销")
            except InvalidState:
                session.rollback()
                return
            session.commit()

        @rule(minutes=st.sampled_from([1, 20, 45, 300, 1500]))
        def time_passes(self, minutes):
            clock.advance(timedelta(minutes=minutes))

        @rule()
        def expiry_job(self):
            vouchers.expire_due()
            coupons.end_finished()
            session.commit()

        @rule(which=st.integers(0, 1))
        def withdraw(self, which):
            try:
                coupons.withdraw(self.owner, session.get(Coupon, self.coupon_ids[which]))
            except InvalidState:
                session.rollback()
                return
            session.commit()

        @invariant()
        def stock_and_issue_agree(self):
            session.expire_all()
            rows = session.execute(
                sa.select(Voucher.coupon_id, Voucher.user_id, sa.func.count(Voucher.id))
                .where(Voucher.coupon_id.in_(self.coupon_ids))
                .group_by(Voucher.coupon_id, Voucher.user_id)
            ).all()
            held = {(coupon_id, user_id): n for coupon_id, user_id, n in rows}
            counters = {
                (c.coupon_id, c.user_id): c.claimed
                for c in session.scalars(
                    sa.select(ClaimCounter).where(ClaimCounter.coupon_id.in_(self.coupon_ids))
                )
            }
            for coupon in session.scalars(sa.select(Coupon).where(Coupon.id.in_(self.coupon_ids))):
                assert coupon.stock_remaining >= 0
                issued = sum(n for (coupon_id, _), n in held.items() if coupon_id == coupon.id)
                assert issued == coupon.stock_total - coupon.stock_remaining
            for key, n in held.items():
                assert n == counters[key] <= 2

        @invariant()
        def a_voucher_is_redeemed_at_most_once(self):
            standing = dict(
                session.execute(
                    sa.select(Redemption.voucher_id, sa.func.count(Redemption.id))
                    .where(Redemption.reversed_at.is_(None))
                    .group_by(Redemption.voucher_id)
                ).all()
            )
            assert all(n == 1 for n in standing.values())
            for voucher in session.scalars(sa.select(Voucher).where(Voucher.coupon_id.in_(self.coupon_ids))):
                assert (voucher.status == "redeemed") == (voucher.id in standing)
                assert (voucher.redeemed_at is not None) == (voucher.status == "redeemed")

        @invariant()
        def balance_is_the_sum_of_the_ledger(self):
            ledger = dict(
                session.execute(
                    sa.select(IncentiveEntry.user_id, sa.func.sum(IncentiveEntry.amount_fen))
                    .where(IncentiveEntry.user_id.in_(self.customer_ids))
                    .group_by(IncentiveEntry.user_id)
                ).all()
            )
            cashback = dict(
                session.execute(
                    sa.select(Redemption.customer_id, sa.func.sum(Redemption.cashback_fen))
                    .where(Redemption.customer_id.in_(self.customer_ids), Redemption.reversed_at.is_(None))
                    .group_by(Redemption.customer_id)
                ).all()
            )
            for customer_id in self.customer_ids:
                expected = cashback.get(customer_id) or 0
                assert incentives.balance(customer_id) == (ledger.get(customer_id) or 0) == expected

    run_state_machine_as_test(
        MallMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )

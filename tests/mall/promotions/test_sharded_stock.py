"""Rewards and packs take their units from stock shards when a coupon's stock is sharded."""

from __future__ import annotations

import pytest

from alliance.core import clock
from mall.coupons.models import Coupon
from mall.promotions import packs
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf


@pytest.fixture
def app_config(app_config):
    return {**app_config, "STOCK_SHARD_MIN": 10, "STOCK_SHARDS": 4}


def left(db, coupon_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Coupon, coupon_id).stock_left


def test_a_chain_reward_comes_from_a_shard_and_goes_back_on_reversal(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, lead, _owner, partners = pf.approved("chain", partner_coupons=[{"stock_total": 40}])
    reward = partners[0][2]
    assert db.session.get(Coupon, reward.id).stock_shards == 4
    clerk = mf.clerk(lead)
    done = redemption.redeem(clerk, vouchers.claim(mf.customer(), promotion.coupon_id), 20000)
    assert [v.coupon_id for v in redemption.issued_by(done)] == [reward.id]
    assert left(db, reward.id) == 39
    redemption.reverse(clerk, done.id, "退单")
    assert left(db, reward.id) == 40


def test_a_pack_with_a_sharded_reward_member_is_claimed_whole(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, _lead, _owner, partners = pf.approved(
        "pack", lead_coupon={"kind": "cash", "amount_fen": 3000}, partner_coupons=[{"stock_total": 40}]
    )
    got = packs.claim_pack(mf.customer(), promotion.id)
    assert len(got) == 2 and left(db, partners[0][2].id) == 39

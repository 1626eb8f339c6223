"""Real races against a gunicorn server, on SQLite and PostgreSQL: a chain issues one voucher per
partner coupon however the till retries; a pack is all or nothing however many claim at once."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from alliance.core.extensions import db as _db
from mall.coupons.models import Coupon
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import ClaimCounter, Voucher
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf
from tests.mall.test_races import fire_at_once

pytestmark = pytest.mark.slow


def issued_by(redemption_ids) -> list[Voucher]:
    _db.session.rollback()  # a fresh snapshot: an open SQLite read keeps its old one
    return list(
        _db.session.scalars(
            sa.select(Voucher).where(Voucher.issued_by_redemption_id.in_(list(redemption_ids)))
        )
    )


def stock(coupon_id: int) -> int:
    _db.session.rollback()  # a fresh snapshot: an open SQLite read keeps its old one
    return _db.session.get(Coupon, coupon_id).stock_remaining


@pytest.fixture
def chain(db):
    promotion, lead, _owner, partners = pf.approved(
        "chain",
        industries=("entertainment", "housekeeping", "travel"),
        # the third partner's coupon has nothing left: the till must not notice
        partner_coupons=[{}, {}, {"stock_total": 1}],
    )
    empty = partners[2][2]
    db.session.execute(sa.update(Coupon).where(Coupon.id == empty.id).values(stock_remaining=0))
    customer = mf.customer()
    voucher = vouchers.claim(customer, promotion.coupon_id)
    db.session.commit()
    return promotion, lead, partners, customer, voucher


def test_fifty_retries_of_one_chain_redemption_issue_one_voucher_per_partner_coupon(
    app, db, live_server, chain
):
    _promotion, lead, partners, customer, voucher = chain
    token = mf.token_for(mf.clerk(lead))
    db.session.commit()
    headers = {**mf.bearer(token), "Idempotency-Key": "till-7-000123"}
    body = {"code": voucher.code, "order_amount_fen": 20000}

    def redeem():
        r = requests.post(live_server.api("/redemptions"), json=body, headers=headers, timeout=120)
        return r.status_code, r.json()

    results = fire_at_once([redeem] * 50)
    winners = [b for s, b in results if s == 201]
    conflicts = [b for s, b in results if s == 409 and b["error"]["code"] == "conflict"]
    assert len(winners) + len(conflicts) == 50, (Counter(s for s, _ in results), live_server.log()[-3000:])
    assert winners and all(b == winners[0] for b in winners)
    answer = winners[0]
    assert [v["coupon_id"] for v in answer["issued_vouchers"]] == [partners[0][2].id, partners[1][2].id]
    rewards = issued_by([answer["id"]])
    assert sorted(v.coupon_id for v in rewards) == [partners[0][2].id, partners[1][2].id]
    assert {v.user_id for v in rewards} == {customer.id}
    assert (
        _db.session.scalar(sa.select(sa.func.count(Redemption.id)).where(Redemption.voucher_id == voucher.id))
        == 1
    )
    assert [stock(c.id) for _, _, c in partners] == [
        partners[0][2].stock_total - 1,
        partners[1][2].stock_total - 1,
        0,
    ]

    back = requests.post(
        live_server.api(f"/redemptions/{answer['id']}/reversal"),
        json={"reason": "退单"},
        headers=mf.bearer(token),
        timeout=60,
    )
    assert back.status_code == 200, back.text
    assert {v.status for v in issued_by([answer["id"]])} == {"revoked"}
    assert [stock(c.id) for _, _, c in partners[:2]] == [c.stock_total for _, _, c in partners[:2]]


def test_twelve_tills_on_one_chain_voucher_issue_each_reward_once(app, db, live_server, chain):
    promotion, lead, partners, _customer, voucher = chain
    tokens = [mf.token_for(mf.owner(lead))] + [mf.token_for(mf.clerk(lead)) for _ in range(11)]
    db.session.commit()
    body = {"code": voucher.code, "order_amount_fen": 20000}

    def redeem(token):
        def call():
            r = requests.post(
                live_server.api("/redemptions"), json=body, headers=mf.bearer(token), timeout=120
            )
            return r.status_code, r.json()

        return call

    results = fire_at_once([redeem(t) for t in tokens])
    assert Counter(s for s, _ in results) == {201: 1, 409: 11}, live_server.log()[-3000:]
    [won] = [b for s, b in results if s == 201]
    assert len(won["issued_vouchers"]) == 2
    all_rewards = _db.session.scalars(sa.select(Voucher).where(Voucher.promotion_id == promotion.id)).all()
    assert sorted(v.coupon_id for v in all_rewards) == [partners[0][2].id, partners[1][2].id]


@pytest.fixture
def pack(db):
    promotion, _lead, _owner, partners = pf.approved(
        "pack",
        lead_coupon={"kind": "cash", "amount_fen": 3000, "stock_total": 100},
        industries=("entertainment", "housekeeping"),
        partner_coupons=[{"stock_total": 60}, {"stock_total": 10}],
    )
    members = sorted([promotion.coupon_id, *(c.id for _, _, c in partners)])
    db.session.commit()
    return promotion, members


def _claim(server, promotion, token):
    url = server.api(f"/mall/promotions/{promotion.id}/claims")

    def call():
        r = requests.post(url, headers=mf.bearer(token), timeout=120)
        return r.status_code, r.json()

    return call


def _holdings(members) -> Counter:
    _db.session.rollback()  # a fresh snapshot: an open SQLite read keeps its old one
    rows = _db.session.execute(
        sa.select(Voucher.user_id, sa.func.count(Voucher.id))
        .where(Voucher.coupon_id.in_(members))
        .group_by(Voucher.user_id)
    ).all()
    return Counter(dict(rows))


def test_forty_claimants_of_a_pack_whose_smallest_member_has_ten_get_ten_packs(app, db, live_server, pack):
    promotion, members = pack
    before = [stock(i) for i in members]
    racers = mf.customers_with_tokens(40)
    db.session.commit()
    results = fire_at_once([_claim(live_server, promotion, t) for _, t in racers])
    statuses = Counter(s for s, _ in results)
    assert statuses == {201: 10, 409: 30}, (statuses, live_server.log()[-3000:])
    assert {b["error"]["code"] for s, b in results if s == 409} == {"sold_out"}
    assert all(len(b["vouchers"]) == 3 for s, b in results if s == 201)
    assert [stock(i) for i in members] == [n - 10 for n in before]
    held = _holdings(members)
    assert len(held) == 10 and set(held.values()) == {3}  # nobody holds part of a pack


def test_a_per_customer_limit_holds_for_a_pack_under_fire(app, db, live_server, pack):
    promotion, members = pack
    before = [stock(i) for i in members]
    racers = mf.customers_with_tokens(20)
    db.session.commit()
    # every customer fires twice at once; each member allows one per customer
    results = fire_at_once([_claim(live_server, promotion, t) for _, t in racers for _ in range(2)])
    statuses = Counter(s for s, _ in results)
    assert statuses[201] == 10 and statuses[409] == 30, (statuses, live_server.log()[-3000:])
    assert {b["error"]["code"] for s, b in results if s == 409} <= {"sold_out", "limit_reached"}
    held = _holdings(members)
    assert len(held) == 10 and set(held.values()) == {3}
    assert [stock(i) for i in members] == [n - 10 for n in before]
    counters = _db.session.scalars(sa.select(ClaimCounter).where(ClaimCounter.coupon_id.in_(members))).all()
    assert all(c.claimed <= 1 for c in counters)

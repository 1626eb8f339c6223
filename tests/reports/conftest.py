"""The reports' fixed data set, whose figures the tests work out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from alliance.core import clock
from alliance.core.extensions import db
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf

DEC1, DEC2 = date(2026, 12, 1), date(2026, 12, 2)


def redeem_at(when: str, till, voucher, amount_fen: int):
    clock.freeze(mf.at(when))
    return redemption.redeem(till, db.session.get(type(voucher), voucher.id), amount_fen)


@pytest.fixture
def world(db):
    """Shop A (district D1) with a 满100减20 coupon that partner shop P (district D2) also accepts.

    2026-12-01: c1, c2, c3 claim; c1 redeems at A (150.00), c2 at the partner P (120.00), c3 at A
    (100.00) but that is reversed ten minutes later.
    2026-12-02 (today, 10:30): c1 claims again and redeems at A (200.00); c3 redeems the voucher the
    reversal gave back (100.00), a first standing redemption at A, so a new customer.
    """
    clock.freeze(mf.at("2026-11-30 09:00"))
    branch = factories.branch("城东支行")
    d1, d2 = factories.district(branch, "东湖商圈"), factories.district(branch, "西街商圈")
    shop = mf.merchant(d1, name="海底捞东湖店")
    partner = mf.merchant(d2, name="理发小铺", industry="beauty")
    owner, clerk, partner_clerk = mf.owner(shop), mf.clerk(shop), mf.clerk(partner)
    coupon = mf.live_coupon(
        shop, owner, title="满100减20", per_customer_limit=2, partner_merchant_ids=[partner.id]
    )
    c1, c2, c3 = mf.customer(), mf.customer(), mf.customer()

    clock.freeze(mf.at("2026-12-01 09:00"))
    v1, v2, v3 = (vouchers.claim(c, coupon.id) for c in (c1, c2, c3))
    redeem_at("2026-12-01 12:00", clerk, v1, 15000)
    redeem_at("2026-12-01 13:00", partner_clerk, v2, 12000)
    r3 = redeem_at("2026-12-01 14:00", clerk, v3, 10000)
    clock.freeze(mf.at("2026-12-01 14:10"))
    redemption.reverse(clerk, r3.id, "顾客取消")

    clock.freeze(mf.at("2026-12-02 09:00"))
    v4 = vouchers.claim(c1, coupon.id)
    redeem_at("2026-12-02 10:00", clerk, v4, 20000)
    redeem_at("2026-12-02 10:20", clerk, v3, 10000)
    clock.freeze(mf.at("2026-12-02 10:30"))
    staff = factories.user("staff", branch_id=branch.id)
    db.session.commit()
    return {
        "branch": branch,
        "shop": shop,
        "partner": partner,
        "owner": owner,
        "clerk": clerk,
        "coupon": coupon,
        "staff": staff,
        "d1": d1,
        "d2": d2,
    }

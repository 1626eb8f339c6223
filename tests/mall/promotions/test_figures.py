"""Attribution figures against values counted by hand on a fixed data set."""

from __future__ import annotations

from datetime import timedelta

from alliance.core import clock
from mall.promotions import services as promotions
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf


def test_figures_match_the_hand_count(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    promotion, lead, _owner, partners = pf.approved("chain", industries=("entertainment", "housekeeping"))
    (ktv, _, _), (home, _, _) = partners
    lead_till, ktv_till = mf.clerk(lead), mf.clerk(ktv)
    c1, c2, c3 = mf.customer(), mf.customer(), mf.customer()
    # 10:00 c2 already knows the KTV: an ordinary coupon redeemed there before the chain.
    ktv_plain = mf.live_coupon(ktv, None, title="KTV 满100减20")
    redemption.redeem(ktv_till, vouchers.claim(c2, ktv_plain.id), 12000)

    clock.advance(timedelta(hours=2))  # 12:00: all three eat at the lead's restaurant
    rewards = {}
    for customer in (c1, c2, c3):
        r = redemption.redeem(lead_till, vouchers.claim(customer, promotion.coupon_id), 20000)
        rewards[customer.id] = (r, {v.coupon.merchant_id: v for v in redemption.issued_by(r)})
    # c3's meal is reversed: its two rewards are revoked and count for nothing.
    redemption.reverse(lead_till, rewards[c3.id][0].id, "退单")

    clock.advance(timedelta(hours=3))  # 15:00: c1 and c2 sing with their KTV rewards
    for customer in (c1, c2):
        redemption.redeem(ktv_till, rewards[customer.id][1][ktv.id], 10000)
    # c1 also uses the KTV's ordinary coupon: a redemption, but not of the promotion
    redemption.redeem(ktv_till, vouchers.claim(c1, ktv_plain.id), 12000)

    # Hand count: issued = c1's 2 + c2's 2 (c3's revoked) = 4; redeemed = 2, both at the KTV;
    # sent to the KTV: c1 only (c2 had been before); housekeeping: nothing redeemed.
    assert promotions.figures(promotion) == {
        "issued": 4,
        "redeemed": 2,
        "by_merchant": [
            {"merchant_id": ktv.id, "issued": 2, "redeemed": 2, "customers": 1},
            {"merchant_id": home.id, "issued": 2, "redeemed": 0, "customers": 0},
        ],
    }
    db.session.commit()
    staff = mf.staff_for(lead)
    body = client.get(f"/api/v1/promotions/{promotion.id}", headers=factories.auth(staff)).get_json()
    assert body["figures"]["issued"] == 4 and body["figures"]["by_merchant"][0]["customers"] == 1


def test_pack_figures_count_every_member_and_the_redeeming_shop(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    promotion, lead, _owner, partners = pf.approved(
        "pack", lead_coupon={"kind": "cash", "amount_fen": 3000}, industries=("entertainment",)
    )
    (ktv, _, ktv_coupon) = partners[0]
    c1, c2 = mf.customer(), mf.customer()
    from mall.promotions import packs

    got = {c.id: {v.coupon_id: v for v in packs.claim_pack(c, promotion.id)} for c in (c1, c2)}
    clock.advance(timedelta(hours=1))
    redemption.redeem(mf.clerk(ktv), got[c1.id][ktv_coupon.id], 10000)
    redemption.redeem(mf.clerk(lead), got[c2.id][promotion.coupon_id], 10000)
    # Hand count: 4 issued (2 packs of 2); c1 redeemed at the KTV, c2 at the lead; each first visits.
    assert promotions.figures(promotion) == {
        "issued": 4,
        "redeemed": 2,
        "by_merchant": [
            {"merchant_id": lead.id, "issued": 2, "redeemed": 1, "customers": 1},
            {"merchant_id": ktv.id, "issued": 2, "redeemed": 1, "customers": 1},
        ],
    }

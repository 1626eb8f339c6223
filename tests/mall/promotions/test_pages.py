"""Promotion pages: the lead's set-up, a partner's invitation, staff review with its count, the pack's
card, page and claim, the till's receipt of a chain redemption and the wallet."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.core import clock
from mall.promotions.models import Promotion
from mall.redemption import services as redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests import factories
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_lead_sets_up_a_promotion_from_its_pages(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    lead, owner = pf.shop("catering", name="海底捞")
    coupon = mf.live_coupon(lead, owner)
    salon, _ = pf.shop("housekeeping", lead.district, name="隔壁保洁")
    same, _ = pf.shop("catering", lead.district, name="另一家饭店")
    factories.login(client, owner)
    page = text(client.get("/merchant/promotions/new"))
    assert "隔壁保洁" in page and "另一家饭店" not in page and coupon.title in page
    assert "隔壁保洁" not in text(client.get("/merchant/promotions/new?industry=travel"))
    r = client.post(
        "/merchant/promotions/new",
        data={
            "title": "吃完火锅去保洁",
            "shape": "chain",
            "coupon_id": coupon.id,
            "partner_merchant_ids": [salon.id],
        },
    )
    assert r.status_code == 302, text(r)
    promotion = db.session.scalar(sa.select(Promotion))
    assert promotion.title == "吃完火锅去保洁" and [p.merchant_id for p in promotion.partners] == [salon.id]
    refused = client.post(
        "/merchant/promotions/new",
        data={"title": "x", "shape": "chain", "coupon_id": coupon.id, "partner_merchant_ids": [same.id]},
    )
    assert refused.status_code == 422 and "另一家饭店" in text(refused)


def test_a_partner_sees_what_it_is_asked_and_accepts(app, client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    lead, owner = pf.shop("catering", name="海底捞")
    coupon = mf.live_coupon(lead, owner)
    partner, partner_owner = pf.shop("entertainment", lead.district, name="好乐迪")
    own = mf.live_coupon(
        partner, partner_owner, title="K歌 ¥20", channel="reward", kind="cash", amount_fen=2000
    )
    from mall.promotions import services

    promotion = services.create_promotion(
        owner,
        {
            "merchant_id": lead.id,
            "title": "吃完去唱歌",
            "shape": "chain",
            "coupon_id": coupon.id,
            "partner_merchant_ids": [partner.id],
        },
    )
    factories.login(client, partner_owner)
    assert "待答复的异业联盟邀请：1" in text(client.get("/"))
    listing = text(client.get("/merchant/promotions"))
    assert "吃完去唱歌" in listing
    page = text(client.get(f"/merchant/promotions/{promotion.id}"))
    assert 'id="invitation"' in page and coupon.title in page and "K歌 ¥20" in page
    r = client.post(
        f"/merchant/promotions/{promotion.id}/decision", data={"coupon_id": own.id, "accept": "1"}
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert promotion.partners[0].status == "accepted" and promotion.partners[0].coupon_id == own.id
    _other, other_owner = pf.shop("travel", lead.district)
    stranger = app.test_client()
    factories.login(stranger, other_owner)
    assert stranger.get(f"/merchant/promotions/{promotion.id}").status_code == 404


def test_staff_review_promotions_beside_coupons_with_a_count(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, lead, _owner, _ = pf.approved("chain")
    db.session.execute(sa.update(Promotion).values(status="pending_review"))
    staff = mf.staff_for(lead)
    factories.login(client, staff)
    queue = text(client.get("/staff/promotions"))
    assert promotion.title in queue and "/staff/promotions" in queue
    home = text(client.get("/"))
    assert 'id="home-promotion-review"' in home and "待审核的异业联盟活动：1" in home
    r = client.post(f"/staff/promotions/{promotion.id}", data={"approve": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Promotion, promotion.id).status == "approved"


def test_a_customer_finds_the_pack_claims_it_and_sees_it_together(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, _lead, _owner, partners = pf.approved(
        "pack", lead_coupon={"kind": "cash", "amount_fen": 3000, "title": "火锅 ¥30"}
    )
    mall = text(client.get("/mall"))
    assert f"/mall/promotions/{promotion.id}" in mall and "¥50.00" in mall  # ¥30 + ¥20: the whole pack
    page = text(client.get(f"/mall/promotions/{promotion.id}"))
    assert "火锅 ¥30" in page and partners[0][2].title in page
    customer = mf.customer()
    factories.login(client, customer)
    r = client.post(f"/mall/promotions/{promotion.id}/claim", data={"token": "t1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wallet")
    again = client.post(f"/mall/promotions/{promotion.id}/claim", data={"token": "t1"})  # a double tap
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Voucher.id)).where(Voucher.user_id == customer.id)) == 2
    wallet = text(client.get("/wallet"))
    assert 'class="wallet-group"' in wallet and promotion.title in wallet


def test_the_receipt_and_the_wallet_tell_what_a_chain_gave(app, client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, lead, _owner, partners = pf.approved("chain")
    customer = mf.customer()
    clerk = mf.clerk(lead)
    done = redemption.redeem(clerk, vouchers.claim(customer, promotion.coupon_id), 20000)
    factories.login(client, clerk)
    receipt = text(client.get(f"/till/receipts/{done.id}"))
    assert 'id="receipt-rewards"' in receipt and f"{partners[0][0].name} {partners[0][2].title}" in receipt
    shopper = app.test_client()
    factories.login(shopper, customer)
    wallet = text(shopper.get("/wallet"))
    assert 'class="voucher-origin"' in wallet and lead.name in wallet


def test_a_partner_leaves_a_shared_coupon_and_staff_see_who_redeemed(app, client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop, owner = pf.shop("catering", name="海底捞")
    partner, partner_owner = pf.shop("entertainment", shop.district, name="好乐迪")
    coupon = mf.live_coupon(shop, owner, partner_merchant_ids=[partner.id])
    customer = mf.customer()
    redemption.redeem(mf.clerk(partner), vouchers.claim(customer, coupon.id), 20000)
    staff = mf.staff_for(shop)
    factories.login(client, staff)
    page = text(client.get("/staff/shared-coupons"))
    assert "好乐迪 (1)" in page and coupon.title in page
    r = client.delete(f"/api/v1/coupons/{coupon.id}/partners/{partner.id}", headers=factories.auth(owner))
    assert r.status_code == 403
    r = client.delete(
        f"/api/v1/coupons/{coupon.id}/partners/{partner.id}", headers=factories.auth(partner_owner)
    )
    assert r.status_code == 200 and r.get_json()["partner_merchant_ids"] == []
    again = client.delete(
        f"/api/v1/coupons/{coupon.id}/partners/{partner.id}", headers=factories.auth(partner_owner)
    )
    assert again.status_code == 409
    later = vouchers.claim(mf.customer(), coupon.id)
    db.session.commit()
    refused = client.post(
        "/api/v1/redemptions",
        json={"code": later.code, "order_amount_fen": 20000},
        headers=factories.auth(mf.clerk(partner)),
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "wrong_merchant"


def test_promotion_pages_speak_english_too(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, lead, lead_owner, _ = pf.approved("pack", lead_coupon={"kind": "cash", "amount_fen": 3000})
    client.set_cookie("lang", "en")
    page = text(client.get(f"/mall/promotions/{promotion.id}"))
    assert "In this pack" in page and "Claim the pack" in page and "券包内容" not in page
    assert "Joint offers across shops" in text(client.get("/mall"))
    factories.login(client, lead_owner)
    client.set_cookie("lang", "en")
    detail = text(client.get(f"/merchant/promotions/{promotion.id}"))
    assert "Vouchers issued" in detail and "Partners" in detail
    client.set_cookie("lang", "zh")
    setup = text(client.get("/merchant/promotions/new"))
    assert "发起异业联盟" in setup and lead.name in setup

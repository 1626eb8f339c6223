"""API.md, Cross-industry promotions: set-up refusals (403/422), decisions, submit, review, visibility."""

from __future__ import annotations

import pytest

from alliance.core import clock
from alliance.notifications.models import Notification
from tests import factories
from tests.mall import factories as mf
from tests.mall.promotions import factories as pf


@pytest.fixture
def shops(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    lead, lead_owner = pf.shop("catering", name="海底捞")
    partner, partner_owner = pf.shop("entertainment", lead.district, name="好乐迪KTV")
    other, other_owner = pf.shop("culture_sports", lead.district, name="书店")
    return lead, lead_owner, partner, partner_owner, other, other_owner


def propose(client, owner, **body):
    return client.post("/api/v1/promotions", json=body, headers=factories.auth(owner))


def body_for(lead, coupon, partner_ids, shape="chain", **extra):
    return {
        "merchant_id": lead.id,
        "title": "吃完火锅去唱歌",
        "shape": shape,
        "coupon_id": coupon.id,
        "partner_merchant_ids": partner_ids,
        **extra,
    }


def test_a_lead_proposes_and_each_partner_is_invited(client, db, shops):
    lead, lead_owner, partner, partner_owner, other, _ = shops
    coupon = mf.live_coupon(lead, lead_owner)
    r = propose(client, lead_owner, **body_for(lead, coupon, [partner.id, other.id], min_order_fen=5000))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "inviting" and body["shape"] == "chain"
    assert body["merchant_id"] == lead.id and body["coupon_id"] == coupon.id and body["min_order_fen"] == 5000
    assert [(p["merchant_id"], p["status"], p["coupon_id"]) for p in body["partners"]] == [
        (partner.id, "invited", None),
        (other.id, "invited", None),
    ]
    invited = db.session.query(Notification).filter_by(kind="promotion_invited").all()
    assert {n.user_id for n in invited} == {partner_owner.id, shops[5].id}


@pytest.mark.parametrize("which", ["lead", "inactive", "same_trade", "unknown"])
def test_set_up_refuses_unfit_partners_on_partner_merchant_ids(client, db, shops, which):
    lead, lead_owner, partner, *_ = shops
    coupon = mf.live_coupon(lead, lead_owner)
    bad = {
        "lead": lambda: lead.id,
        "inactive": lambda: mf.merchant(lead.district, status="suspended", industry="travel").id,
        "same_trade": lambda: mf.merchant(lead.district, industry="catering").id,
        "unknown": lambda: 999999,
    }[which]()
    r = propose(client, lead_owner, **body_for(lead, coupon, [partner.id, bad]))
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "validation_error"
    assert list(r.get_json()["error"]["fields"]) == ["partner_merchant_ids"]


def test_a_lead_cannot_use_another_merchants_coupon(client, db, shops):
    lead, lead_owner, partner, partner_owner, *_ = shops
    theirs = mf.live_coupon(partner, partner_owner)
    r = propose(client, lead_owner, **body_for(lead, theirs, [partner.id]))
    assert r.status_code == 422
    assert list(r.get_json()["error"]["fields"]) == ["coupon_id"]


def test_only_the_leads_owner_proposes(client, db, shops):
    lead, lead_owner, partner, partner_owner, *_ = shops
    coupon = mf.live_coupon(lead, lead_owner)
    r = propose(client, partner_owner, **body_for(lead, coupon, [partner.id]))
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"


def _proposed(client, shops, shape="chain"):
    lead, lead_owner, partner, _partner_owner, _other, _other_owner = shops
    coupon = mf.live_coupon(lead, lead_owner)
    r = propose(client, lead_owner, **body_for(lead, coupon, [partner.id], shape=shape))
    return r.get_json()["id"]


def decide(client, user, promotion_id, merchant_id, **body):
    return client.post(
        f"/api/v1/promotions/{promotion_id}/partners/{merchant_id}/decision",
        json=body,
        headers=factories.auth(user),
    )


def test_a_merchant_not_invited_cannot_decide(client, db, shops):
    _lead, _lead_owner, partner, _partner_owner, other, other_owner = shops
    pid = _proposed(client, shops)
    theirs = mf.live_coupon(other, other_owner)
    r = decide(client, other_owner, pid, other.id, decision="accept", coupon_id=theirs.id)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    # nor for the invited partner, on its behalf
    r = decide(client, other_owner, pid, partner.id, decision="decline")
    assert r.status_code == 403


def test_accepting_needs_the_partners_own_coupon_and_decides_once(client, db, shops):
    lead, lead_owner, partner, partner_owner, *_ = shops
    pid = _proposed(client, shops)
    leads = mf.live_coupon(lead, lead_owner)
    r = decide(client, partner_owner, pid, partner.id, decision="accept", coupon_id=leads.id)
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["coupon_id"]
    own = mf.live_coupon(partner, partner_owner, channel="reward")
    r = decide(client, partner_owner, pid, partner.id, decision="accept", coupon_id=own.id)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["partners"][0]["status"] == "accepted"
    assert r.get_json()["partners"][0]["coupon_id"] == own.id
    again = decide(client, partner_owner, pid, partner.id, decision="decline", reason="changed my mind")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"


def test_submit_waits_for_every_decision_and_one_acceptance(client, db, shops):
    lead, lead_owner, partner, partner_owner, other, other_owner = shops
    coupon = mf.live_coupon(lead, lead_owner)
    pid = propose(client, lead_owner, **body_for(lead, coupon, [partner.id, other.id])).get_json()["id"]
    submit = lambda: client.post(f"/api/v1/promotions/{pid}/submit", headers=factories.auth(lead_owner))  # noqa: E731
    assert submit().status_code == 409
    decide(client, other_owner, pid, other.id, decision="decline", reason="不合适")
    assert submit().status_code == 409
    own = mf.live_coupon(partner, partner_owner)
    decide(client, partner_owner, pid, partner.id, decision="accept", coupon_id=own.id)
    r = submit()
    assert r.status_code == 200 and r.get_json()["status"] == "pending_review"
    assert submit().status_code == 409


def test_staff_review_and_everyone_involved_is_told(client, db, shops):
    lead, lead_owner, partner, partner_owner, *_ = shops
    pid = _proposed(client, shops)
    own = mf.live_coupon(partner, partner_owner)
    decide(client, partner_owner, pid, partner.id, decision="accept", coupon_id=own.id)
    client.post(f"/api/v1/promotions/{pid}/submit", headers=factories.auth(lead_owner))
    staff = mf.staff_for(lead)
    r = client.post(
        f"/api/v1/promotions/{pid}/review", json={"decision": "reject"}, headers=factories.auth(staff)
    )
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = client.post(
        f"/api/v1/promotions/{pid}/review", json={"decision": "approve"}, headers=factories.auth(staff)
    )
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    told = {n.user_id for n in db.session.query(Notification).filter_by(kind="promotion_approved")}
    assert told == {lead_owner.id, partner_owner.id}
    elsewhere = factories.user("staff")
    r = client.post(
        f"/api/v1/promotions/{pid}/review",
        json={"decision": "approve"},
        headers=factories.auth(elsewhere),
    )
    assert r.status_code == 404


def test_who_sees_a_promotion_and_its_figures(client, db, shops):
    _lead, lead_owner, partner, partner_owner, _other, other_owner = shops
    pid = _proposed(client, shops)
    assert client.get(f"/api/v1/promotions/{pid}").status_code == 404
    assert client.get(f"/api/v1/promotions/{pid}", headers=factories.auth(other_owner)).status_code == 404
    seen = client.get(f"/api/v1/promotions/{pid}", headers=factories.auth(partner_owner))
    assert seen.status_code == 200 and seen.get_json()["figures"]["issued"] == 0
    assert seen.get_json()["figures"]["by_merchant"] == []  # only partners that accepted have rows
    own = mf.live_coupon(partner, partner_owner)
    decide(client, partner_owner, pid, partner.id, decision="accept", coupon_id=own.id)
    seen = client.get(f"/api/v1/promotions/{pid}", headers=factories.auth(lead_owner))
    assert seen.get_json()["figures"]["by_merchant"] == [
        {"merchant_id": partner.id, "issued": 0, "redeemed": 0, "customers": 0}
    ]


def test_an_approved_promotion_is_public_without_figures(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    promotion, *_ = pf.approved("pack")
    r = client.get(f"/api/v1/promotions/{promotion.id}")
    assert r.status_code == 200 and "figures" not in r.get_json()
    listed = client.get("/api/v1/mall/promotions").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == promotion.id
    assert set(listed) == {"items", "page", "per_page", "total"}

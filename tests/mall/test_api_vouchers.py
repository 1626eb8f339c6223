"""API.md, claims and vouchers: claiming with its answers, the customer's vouchers, QR images that a
real decoder reads and the redemption endpoint accepts."""

from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from alliance.core import clock, codes
from tests import factories
from tests.mall import factories as mf

VOUCHER_FIELDS = {
    "id",
    "code",
    "qr_payload",
    "status",
    "coupon_id",
    "merchant_id",
    "claimed_at",
    "valid_from",
    "valid_until",
    "redeemed_at",
}


def test_claim_answers_201_with_the_voucher(client, db):
    coupon = mf.live_coupon(valid_days_after_claim=7)
    customer = mf.customer()
    r = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=factories.auth(customer))
    assert r.status_code == 201, r.get_json()
    voucher = r.get_json()
    assert set(voucher) >= VOUCHER_FIELDS
    assert voucher["status"] == "active" and voucher["coupon_id"] == coupon.id
    assert voucher["merchant_id"] == coupon.merchant_id and voucher["redeemed_at"] is None
    assert codes.is_well_formed(voucher["code"], 12)
    assert voucher["claimed_at"].endswith("+08:00")
    assert client.get(f"/api/v1/coupons/{coupon.id}").get_json()["remaining"] == 99


def test_claim_refusals_in_words(client, db):
    customer = mf.customer()
    headers = factories.auth(customer)
    one_left = mf.live_coupon(stock_total=1, per_customer_limit=1)
    assert client.post(f"/api/v1/mall/coupons/{one_left.id}/claims", headers=headers).status_code == 201
    r = client.post(f"/api/v1/mall/coupons/{one_left.id}/claims", headers=factories.auth(mf.customer()))
    assert r.status_code == 409
    assert r.get_json()["error"] == {"code": "sold_out", "message": "已抢光。"}
    two_each = mf.live_coupon(per_customer_limit=2)
    for _ in range(2):
        assert client.post(f"/api/v1/mall/coupons/{two_each.id}/claims", headers=headers).status_code == 201
    r = client.post(f"/api/v1/mall/coupons/{two_each.id}/claims", headers=headers)
    assert r.status_code == 409
    assert r.get_json()["error"] == {"code": "limit_reached", "message": "每人限领2张"}
    later = mf.live_coupon(claim_starts_at=clock.now_utc() + timedelta(hours=1))
    r = client.post(f"/api/v1/mall/coupons/{later.id}/claims", headers=headers)
    assert r.status_code == 409
    assert r.get_json()["error"] == {"code": "not_claimable", "message": "活动未开始"}
    r = client.post(f"/api/v1/mall/coupons/{later.id}/claims", headers={**headers, "Accept-Language": "en"})
    assert r.get_json()["error"]["message"] == "Not started yet."
    draft = mf.draft()
    r = client.post(f"/api/v1/mall/coupons/{draft.id}/claims", headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_claimable"
    assert client.post("/api/v1/mall/coupons/999999/claims", headers=headers).status_code == 404


def test_sold_out_is_not_not_claimable_inside_the_window(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(stock_total=1, claim_ends_at=mf.at("2026-12-02 12:00"))
    client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=factories.auth(mf.customer()))
    r = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=factories.auth(mf.customer()))
    assert r.get_json()["error"]["code"] == "sold_out"
    clock.freeze(mf.at("2026-12-02 12:00"))
    r = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=factories.auth(mf.customer()))
    assert r.get_json()["error"]["code"] == "not_claimable"


def test_only_customers_claim(client, db):
    coupon = mf.live_coupon()
    assert client.post(f"/api/v1/mall/coupons/{coupon.id}/claims").status_code == 401
    clerk = factories.auth(mf.clerk(coupon.merchant))
    r = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=clerk)
    assert r.status_code == 403


def test_my_vouchers_by_status(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant()
    owner = mf.owner(shop)
    customer = mf.customer()
    headers = factories.auth(customer)
    short = mf.live_coupon(shop, owner, valid_days_after_claim=1, title="short")
    long = mf.live_coupon(shop, owner, per_customer_limit=2, title="long")
    ids = {}
    for name, coupon in (("short", short), ("long1", long), ("long2", long)):
        ids[name] = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers).get_json()["id"]
    clerk_headers = factories.auth(mf.clerk(shop))
    code = client.get(f"/api/v1/me/vouchers/{ids['long2']}", headers=headers).get_json()["code"]
    body = {"code": code, "order_amount_fen": 20000}
    r = client.post("/api/v1/redemptions", json=body, headers=clerk_headers)
    assert r.status_code == 201
    clock.freeze(mf.at("2026-12-03 00:00"))

    def listed(status):
        r = client.get(f"/api/v1/me/vouchers?status={status}", headers=headers)
        return sorted(v["id"] for v in r.get_json())

    assert listed("active") == [ids["long1"]]
    assert listed("redeemed") == [ids["long2"]]
    assert listed("expired") == [ids["short"]]  # past its validity: expired, job or no job
    everything = client.get("/api/v1/me/vouchers", headers=headers).get_json()
    assert len(everything) == 3
    assert client.get("/api/v1/me/vouchers?status=used", headers=headers).status_code == 422
    other = factories.auth(mf.customer())
    assert client.get(f"/api/v1/me/vouchers/{ids['long1']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/me/vouchers/{ids['long1']}/qr.png", headers=other).status_code == 404


def test_each_read_gives_a_fresh_qr_payload(client, db):
    coupon = mf.live_coupon()
    headers = factories.auth(mf.customer())
    vid = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers).get_json()["id"]
    first = client.get(f"/api/v1/me/vouchers/{vid}", headers=headers).get_json()["qr_payload"]
    second = client.get(f"/api/v1/me/vouchers/{vid}", headers=headers).get_json()["qr_payload"]
    assert first != second


def _decode_png(data: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(found) == 1
    return found[0].text


def test_the_png_qr_decodes_to_a_payload_the_till_accepts(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    shop = mf.merchant()
    coupon = mf.live_coupon(shop, kind="discount", percent_off=15, cap_fen=5000)
    headers = factories.auth(mf.customer())
    vid = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers).get_json()["id"]
    r = client.get(f"/api/v1/me/vouchers/{vid}/qr.png", headers=headers)
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert r.headers["Cache-Control"] == "no-store"
    payload = _decode_png(r.data)
    clock.advance(timedelta(seconds=20))
    clerk_headers = factories.auth(mf.clerk(shop))
    r = client.post(
        "/api/v1/redemptions", json={"qr_payload": payload, "order_amount_fen": 9999}, headers=clerk_headers
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["voucher_id"], body["discount_fen"], body["payable_fen"]) == (vid, 1499, 8500)
    assert client.get(f"/api/v1/me/vouchers/{vid}", headers=headers).get_json()["status"] == "redeemed"


def test_the_svg_qr_is_an_svg_of_a_valid_payload(client, db):
    coupon = mf.live_coupon()
    headers = factories.auth(mf.customer())
    vid = client.post(f"/api/v1/mall/coupons/{coupon.id}/claims", headers=headers).get_json()["id"]
    r = client.get(f"/api/v1/me/vouchers/{vid}/qr.svg", headers=headers)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.data.lstrip().startswith(b"<svg") or b"<svg" in r.data[:200]
    from mall.vouchers import qr

    # the same renderer, rasterised by the PNG path, round-trips through a real decoder
    payload = client.get(f"/api/v1/me/vouchers/{vid}", headers=headers).get_json()["qr_payload"]
    assert _decode_png(qr.png(payload)) == payload
    assert qr.decode_photo(qr.png(payload)) == payload
    assert qr.decode_photo(b"not an image") is None

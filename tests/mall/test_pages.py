"""The mall's pages: customers find, claim and show vouchers; owners write and submit coupons; staff
review them; clerks redeem at the till and reverse with a reason."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from alliance.core import clock
from alliance.core.extensions import db as _db
from mall.coupons.models import Coupon
from mall.redemption import services as redemption
from mall.redemption.models import Redemption
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests import factories
from tests.mall import factories as mf


def text(response) -> str:
    return response.get_data(as_text=True)


def test_anonymous_visitors_browse_the_mall(client, db):
    district = factories.district(name="万达广场商圈")
    shop = mf.merchant(district, name="老王面馆")
    coupon = mf.live_coupon(shop, usable_weekdays=[3], valid_days_after_claim=7, stock_total=60)
    home = text(client.get("/"))
    assert "万达广场商圈 · 今日好券" in home and "老王面馆" in home and "立即领取" in home
    listing = text(client.get("/mall?q=面馆"))
    assert "共 1 张券" in listing and "¥20" in listing and "满100可用" in listing
    page = client.get(f"/mall/coupons/{coupon.id}")
    assert page.status_code == 200
    assert "满100减20 · 周三可用 · 领取后7天内有效 · 每人限领1张 · 剩余 60 张" in text(page)
    assert f"/login?next=/mall/coupons/{coupon.id}" in text(page)
    assert "老王面馆" in text(client.get(f"/mall/shops/{shop.id}"))
    assert client.get(f"/mall/coupons/{mf.draft(shop).id}").status_code == 404
    assert "没有找到" in text(client.get("/mall?q=不存在的东西"))


def test_the_coupon_page_speaks_english_too(client, db):
    coupon = mf.live_coupon(usable_weekdays=[1, 2, 3, 4, 5], valid_days_after_claim=7, stock_total=12)
    client.set_cookie("lang", "en")
    page = text(client.get(f"/mall/coupons/{coupon.id}"))
    assert "¥20 off orders of ¥100 or more · Usable on Mon to Fri · Valid for 7 days after claiming" in page
    assert "12 left" in page and "Claim now" in page


def test_a_customer_claims_once_per_tap_and_sees_use_it(client, db):
    coupon = mf.live_coupon(per_customer_limit=2)
    customer = mf.customer()
    factories.login(client, customer)
    page = text(client.get(f"/mall/coupons/{coupon.id}"))
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    form = {"token": token, "next": f"/mall/coupons/{coupon.id}"}
    first = client.post(f"/mall/coupons/{coupon.id}/claim", data=form)
    double_tap = client.post(f"/mall/coupons/{coupon.id}/claim", data=form)
    assert first.status_code == double_tap.status_code == 302
    held = _db.session.scalar(sa.select(sa.func.count(Voucher.id)).where(Voucher.user_id == customer.id))
    assert held == 1
    after = text(client.get(f"/mall/coupons/{coupon.id}"))
    assert "领取成功" in after and "去使用" in after


def test_claim_refusals_are_flashed_in_words(client, db):
    coupon = mf.live_coupon(stock_total=1)
    factories.login(client, mf.customer())
    vouchers.claim(mf.customer(), coupon.id)
    r = client.post(f"/mall/coupons/{coupon.id}/claim", data={"token": "t1"})
    assert "已抢光" in text(client.get(r.headers["Location"]))
    later = mf.live_coupon(claim_starts_at=clock.now_utc() + timedelta(days=1))
    r = client.post(f"/mall/coupons/{later.id}/claim", data={"token": "t2"})
    page = text(client.get(r.headers["Location"]))
    assert "活动未开始" in page and "即将开抢" in page


def test_anonymous_claim_goes_to_sign_in(client, db):
    coupon = mf.live_coupon()
    r = client.post(f"/mall/coupons/{coupon.id}/claim", data={"token": "x"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_wallet_and_the_voucher_screen(client, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(kind="cashback", amount_fen=500, valid_days_after_claim=3)
    customer = mf.customer()
    voucher = vouchers.claim(customer, coupon.id)
    factories.login(client, customer)
    wallet = text(client.get("/wallet"))
    assert "激励金余额" in wallet and "¥0.00" in wallet and coupon.title in wallet and "还剩 2 天" in wallet
    screen = client.get(f"/wallet/{voucher.id}")
    assert screen.headers["Cache-Control"] == "no-store"
    body = text(screen)
    grouped = "-".join(voucher.code[i : i + 4] for i in range(0, 12, 4))
    assert grouped in body and f"/wallet/{voucher.id}/qr.svg" in body
    svg = client.get(f"/wallet/{voucher.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data[:300]
    assert client.get(f"/wallet/{voucher.id}/state").get_json()["status"] == "active"
    other = mf.customer()
    client.post("/logout")
    factories.login(client, other)
    assert client.get(f"/wallet/{voucher.id}").status_code == 404
    assert "还没有券，去领券中心看看" in text(client.get("/wallet"))


def test_an_owner_writes_submits_and_staff_approve_with_a_badge(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    factories.login(client, owner)
    bad = {
        "title": "周三午餐",
        "kind": "discount",
        "percent_off": "0",
        "stock_total": "30",
        "per_customer_limit": "1",
        "validity": "days",
        "valid_days_after_claim": "7",
        "audience": "all",
    }
    r = client.post("/merchant/coupons/new", data=bad)
    assert r.status_code == 200
    assert "折扣须在 1% 到 99% 之间" in text(r) and 'value="周三午餐"' in text(r)
    both = client.post("/merchant/coupons/new", data={**bad, "stock_total": "-5"})
    assert "请填写 1 到 1000000 之间的数。" in text(both) and "折扣须在 1% 到 99% 之间" in text(both)
    for stock in ("-5", "0", str(10**30)):
        r = client.post("/merchant/coupons/new", data={**bad, "percent_off": "15", "stock_total": stock})
        assert "请填写 1 到 1000000 之间的数。" in text(r), stock
    r = client.post("/merchant/coupons/new", data={**bad, "kind": "cash", "amount": "99999999999999"})
    assert "金额太大了，请核对。" in text(r) and 'value="99999999999999"' in text(r)
    good = {
        **bad,
        "percent_off": "15",
        "cap": "50",
        "usable_weekdays": ["3"],
        "usable_from": "11:00",
        "usable_until": "14:00",
    }
    r = client.post("/merchant/coupons/new", data=good)
    assert r.status_code == 302
    coupon = _db.session.scalar(sa.select(Coupon).where(Coupon.merchant_id == shop.id))
    assert (coupon.percent_off, coupon.cap_fen, coupon.usable_hours, coupon.usable_weekdays) == (
        15,
        5000,
        "11:00-14:00",
        "3",
    )
    assert "8.5折" in text(client.get("/merchant/coupons"))
    client.post(f"/merchant/coupons/{coupon.id}/submit")
    assert _db.session.get(Coupon, coupon.id).status == "pending_review"
    client.post("/logout")
    factories.login(client, staff)
    queue = text(client.get("/staff/coupons"))
    assert "周三午餐" in queue
    r = client.post(f"/staff/coupons/{coupon.id}", data={"reason": "", "reject": "驳回"})
    assert "请写明原因" in text(r)
    r = client.post(f"/staff/coupons/{coupon.id}", data={"reason": "", "approve": "通过"})
    assert r.status_code == 302 and _db.session.get(Coupon, coupon.id).status == "approved"
    csv = client.get("/staff/coupons?format=csv")
    assert csv.mimetype == "text/csv" and "周三午餐" in text(csv)


def test_the_staff_menu_counts_coupons_waiting(client, db):
    shop = mf.merchant()
    owner = mf.owner(shop)
    from mall.coupons import services

    services.submit(owner, mf.draft(shop, owner))
    services.submit(owner, mf.draft(shop, owner, title="second"))
    factories.login(client, mf.staff_for(shop))
    page = text(client.get("/staff/coupons"))
    assert re.search(r"券审核\s*<span class=\"badge[^\"]*\">2</span>", page)


def _nonce(page: str) -> str:
    return re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)


def test_the_till_redeems_on_one_screen_and_shows_a_receipt(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    coupon = mf.live_coupon(shop, title="满100减20")
    voucher = vouchers.claim(mf.customer(), coupon.id)
    factories.login(client, clerk)
    console = text(client.get("/till"))
    assert "核销券" in console and "确认核销" in console and "autofocus" in console
    nonce = _nonce(console)
    r = client.post("/till/confirm", data={"code": voucher.code, "amount": "99999999999999", "nonce": nonce})
    assert "金额太大了，请核对。" in text(r)
    r = client.post("/till/confirm", data={"code": voucher.code.lower(), "amount": "99.99", "nonce": nonce})
    assert r.status_code == 422 and "未满¥100.00" in text(r) and 'value="99.99"' in text(r)
    fresh = _nonce(text(r))
    assert fresh != nonce  # a refused screen gets a new one, so the corrected try is a new request
    done = client.post("/till/confirm", data={"code": voucher.code, "amount": "128.5", "nonce": fresh})
    assert done.status_code == 302 and "/till/receipts/" in done.headers["Location"]
    again = client.post("/till/confirm", data={"code": voucher.code, "amount": "128.5", "nonce": fresh})
    assert again.headers["Location"] == done.headers["Location"]  # a second tap: the same receipt
    receipt = text(client.get(done.headers["Location"]))
    assert "核销成功" in receipt and "¥108.50" in receipt and "剩 30 分钟" in receipt
    assert _db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 1
    r = client.post("/till/confirm", data={"code": voucher.code, "amount": "200", "nonce": "n" * 16})
    assert "已被使用 12:00" in text(r)
    r = client.post("/till/confirm", data={"code": "K7Q9-M2XP-ABCD", "amount": "200", "nonce": "m" * 16})
    assert r.status_code == 422 and "券码无效" in text(r)


def test_the_till_recognises_a_voucher_and_quotes_as_the_amount_is_typed(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    coupon = mf.live_coupon(shop, title="满100减20")
    voucher = vouchers.claim(mf.customer(), coupon.id)
    _db.session.commit()
    factories.login(client, clerk)
    client.get("/till")

    def ask(**body):
        return client.post("/till/lookup", json=body)

    r = ask(code=voucher.code.lower())
    body = r.get_json()
    assert r.status_code == 200 and body["ok"] and body["title"] == "满100减20"
    assert body["value"] == "¥20" and body["rules"].startswith("满100减20")
    assert body["quote"] is None and body["amount_error"] is None
    body = ask(code=voucher.code, amount="128.5").get_json()
    assert body["quote"] == {
        "order": "¥128.50",
        "discount": "¥20.00",
        "payable": "¥108.50",
        "cashback": None,
        "gift": None,
    }
    body = ask(code=voucher.code, amount="99").get_json()
    assert body["ok"] and body["quote"] is None and "¥100.00" in body["amount_error"]
    wrong = ask(code=voucher.code, amount="abc").get_json()
    assert wrong["amount_error"] == "请输入金额，例如 128 或 128.50。"
    payload = vouchers.qr_payload(voucher)
    assert ask(qr_payload=payload, amount="100").get_json()["quote"]["payable"] == "¥80.00"
    assert ask(code=payload).get_json()["ok"]  # a scanner gun typing the payload into the code field
    r = ask(code="K7Q9-M2XP-ABCD")
    assert r.status_code == 422
    assert r.get_json() == {"ok": False, "error": "券码无效。", "code": "invalid_code"}
    assert ask().status_code == 422
    redemption.redeem(clerk, voucher, 20000)
    _db.session.commit()
    r = ask(code=voucher.code)
    assert r.status_code == 409 and "已被使用 12:00" in r.get_json()["error"]
    assert _db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 1


def test_clerks_and_owners_land_on_the_till_when_they_sign_in(client, db):
    shop = mf.merchant()
    for user in (mf.clerk(shop), mf.owner(shop)):
        r = client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
        assert r.status_code == 302 and r.headers["Location"] == "/till"
        client.post("/logout")
    customer = mf.customer()
    r = client.post("/login", data={"username": customer.username, "password": factories.PASSWORD})
    assert r.headers["Location"] == "/"


def test_the_till_reverses_with_a_reason_within_the_window(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    voucher = vouchers.claim(mf.customer(), mf.live_coupon(shop).id)
    from mall.redemption import services as redemption

    done = redemption.redeem(clerk, voucher, 20000)
    factories.login(client, clerk)
    today = text(client.get("/till/today"))
    assert "今日核销" in today and f"/till/redemptions/{done.id}/reverse" in today
    assert "撤销 · 剩 30 分钟" in today
    form = text(client.get(f"/till/redemptions/{done.id}/reverse"))
    assert "还剩 30 分钟可以撤销。" in form and "顾客取消了订单" in form
    r = client.post(f"/till/redemptions/{done.id}/reverse", data={"reason": ""})
    assert "请写明原因" in text(r)
    r = client.post(f"/till/redemptions/{done.id}/reverse", data={"preset": "other", "reason": ""})
    assert "请写明原因" in text(r)
    r = client.post(f"/till/redemptions/{done.id}/reverse", data={"preset": "0"})
    assert r.status_code == 302
    assert _db.session.get(Redemption, done.id).reversal_reason == "顾客取消了订单"
    assert _db.session.get(Voucher, voucher.id).status == "active"
    again = redemption.redeem(clerk, _db.session.get(Voucher, voucher.id), 20000)
    _db.session.commit()
    clock.advance(timedelta(minutes=31))
    assert f"/till/redemptions/{again.id}/reverse" not in text(client.get("/till/today"))
    assert "只能撤销 30 分钟内的核销" in text(client.get(f"/till/redemptions/{again.id}/reverse"))


def test_the_till_reads_a_photo_of_the_qr(client, db):
    from mall.vouchers import qr

    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    voucher = vouchers.claim(mf.customer(), mf.live_coupon(shop).id)
    _db.session.commit()
    factories.login(client, clerk)
    import io

    png = qr.png(vouchers.qr_payload(voucher))
    r = client.post(
        "/till/decode", data={"photo": (io.BytesIO(png), "qr.png")}, content_type="multipart/form-data"
    )
    assert r.status_code == 200 and r.get_json()["qr_payload"]
    r = client.post(
        "/till/confirm",
        data={"photo": (io.BytesIO(png), "qr.jpg"), "amount": "150", "nonce": "p" * 16},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert "¥130.00" in text(client.get(r.headers["Location"]))
    r = client.post(
        "/till/decode", data={"photo": (io.BytesIO(b"nope"), "x.png")}, content_type="multipart/form-data"
    )
    assert r.status_code == 422


def test_pages_keep_to_their_roles(client, db):
    factories.login(client, mf.customer())
    assert client.get("/till").status_code == 403
    assert client.get("/merchant/coupons").status_code == 403
    assert client.get("/staff/coupons").status_code == 403


def test_the_days_list_shows_incentive_cash_given_on_cashback_vouchers(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    clerk = mf.clerk(shop)
    coupon = mf.live_coupon(shop, kind="cashback", amount_fen=500, threshold_fen=3000)
    voucher = vouchers.claim(mf.customer(), coupon.id)
    redemption.redeem(clerk, voucher, 3000)
    _db.session.commit()
    factories.login(client, clerk)
    today = text(client.get("/till/today"))
    assert "激励金 ¥5.00" in today and re.search(r"激励金</div><div class=\"figure\">¥5.00", today)


def test_staff_open_the_site_on_what_waits_for_their_decision(client, db):
    shop = mf.merchant()
    mf.merchant(shop.district, status="pending")
    mf.merchant(shop.district, status="pending")
    draft = mf.draft(shop)
    from mall.coupons import services as coupon_services

    coupon_services.submit(mf.owner(shop), draft)
    staff = mf.staff_for(shop)
    _db.session.commit()
    factories.login(client, staff)
    page = text(client.get("/"))
    assert "待审核的入驻申请：2 份" in page and "待审核的券：1 张" in page
    assert 'href="/staff/merchants/review"' in page

"""Details a real user notices: validity and stock on every card, sorting, the shop's address, hours and
phone on the coupon page, the voucher's expiry date, how incentive cash is spent, an unread badge that
does not read 新新的."""

from __future__ import annotations

from alliance.core import clock
from alliance.core.extensions import db as _db
from mall.vouchers import services as vouchers
from tests import factories
from tests.mall import factories as mf


def text(response) -> str:
    return response.get_data(as_text=True)


def test_cards_show_validity_and_what_is_left(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    mf.live_coupon(mf.merchant(), title="七天券", valid_days_after_claim=7, stock_total=60)
    page = text(client.get("/mall"))
    assert "领取后7天内有效" in page and "剩余 60 张" in page


def test_the_mall_sorts_by_newest_most_claimed_and_ending_soon(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    shop = mf.merchant()
    old = mf.live_coupon(shop, title="老券甲", approved_at=mf.at("2026-11-01 10:00"), stock_total=10)
    popular = mf.live_coupon(shop, title="热门券乙", approved_at=mf.at("2026-11-10 10:00"), stock_total=10)
    ending = mf.live_coupon(
        shop, title="快结束丙", approved_at=mf.at("2026-11-20 10:00"), claim_ends_at=mf.at("2026-12-03 10:00")
    )
    for _ in range(3):
        vouchers.claim(mf.customer(), popular.id)
    _db.session.commit()

    def order(sort):
        page = text(client.get(f"/mall?sort={sort}"))
        return sorted((page.index(t), t) for t in (old.title, popular.title, ending.title))

    assert [t for _, t in order("newest")] == ["快结束丙", "热门券乙", "老券甲"]
    assert order("popular")[0][1] == "热门券乙"
    assert order("ending")[0][1] == "快结束丙"
    assert "领取最多" in text(client.get("/mall")) and text(client.get("/mall?sort=nonsense"))


def test_the_coupon_page_tells_where_when_and_how_to_call_the_shop(client, db):
    shop = mf.merchant(name="老王面馆")
    shop.address, shop.opening_hours, shop.phone = "老街 12 号", "10:00–22:00", "0571 8888 1234"
    coupon = mf.live_coupon(shop)
    page = text(client.get(f"/mall/coupons/{coupon.id}"))
    assert "老街 12 号" in page and "10:00–22:00" in page and 'href="tel:057188881234"' in page


def test_the_voucher_shows_its_expiry_date_and_the_incentive_page_how_to_spend(client, db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    customer = mf.customer()
    voucher = vouchers.claim(customer, mf.live_coupon(mf.merchant(), valid_days_after_claim=30).id)
    _db.session.commit()
    factories.login(client, customer)
    page = text(client.get(f"/wallet/{voucher.id}"))
    assert '<span id="valid-until">有效期至 12月31日</span>' in page
    incentives = text(client.get("/wallet/incentives"))
    assert "怎么使用" in incentives and "付款码" in incentives and "<h1" in incentives


def test_an_unread_notice_is_marked_unread_not_new(client, db):
    from alliance.notifications.services import notify

    staff = factories.user("staff", branch_id=factories.branch().id)
    notify(staff.id, "merchant_application", {"merchant": "新店"})
    _db.session.commit()
    factories.login(client, staff)
    page = text(client.get("/inbox"))
    assert ">未读</span>" in page and ">新</span>" not in page


def test_a_new_programme_entry_starts_as_a_draft(client, db):
    staff = factories.user("staff", branch_id=factories.branch().id)
    _db.session.commit()
    factories.login(client, staff)
    page = text(client.get("/staff/programme/entries/new/daily_deal"))
    assert '<option selected value="draft">' in page

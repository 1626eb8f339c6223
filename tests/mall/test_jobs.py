"""The mall's scheduled jobs: plain functions that run in an app context (no request), commit for
themselves, and are idempotent."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

import wsgi
from alliance.core import clock
from alliance.notifications.models import Notification
from mall.coupons.models import Coupon
from mall.redemption import services as redemption
from mall.vouchers import jobs
from mall.vouchers import services as vouchers
from mall.vouchers.models import Voucher
from tests.mall import factories as mf


def test_the_jobs_are_registered_once_each():
    ids = [job.id for job in wsgi.JOBS]
    assert len(ids) == len(set(ids))
    assert {"mall.expire_vouchers", "mall.remind_expiring_vouchers", "mall.end_finished_coupons"} <= set(ids)
    assert "core.purge_idempotency_keys" in ids


def test_expiry_marks_vouchers_past_their_validity_once(app, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(valid_days_after_claim=1, per_customer_limit=2)
    customer = mf.customer()
    old = vouchers.claim(customer, coupon.id)
    db.session.commit()
    clock.freeze(mf.at("2026-12-03 00:00"))
    fresh = vouchers.claim(customer, coupon.id)
    db.session.commit()
    assert jobs.expire_vouchers() == {"expired": 1}
    assert jobs.expire_vouchers() == {"expired": 0}
    db.session.expire_all()
    assert db.session.get(Voucher, old.id).status == "expired"
    assert db.session.get(Voucher, fresh.id).status == "active"


def test_reminders_go_out_once_three_days_before_expiry(app, db):
    clock.freeze(mf.at("2026-12-01 10:00"))
    shop = mf.merchant(name="老王面馆")
    soon = mf.live_coupon(shop, valid_days_after_claim=3, title="满100减20")
    later = mf.live_coupon(shop, valid_days_after_claim=30, title="later")
    customer = mf.customer()
    used = mf.customer()
    reminded = vouchers.claim(customer, soon.id)
    vouchers.claim(customer, later.id)
    redemption.redeem(mf.clerk(shop), vouchers.claim(used, soon.id), 20000)
    db.session.commit()
    assert jobs.remind_expiring_vouchers() == {"reminded": 1}
    assert jobs.remind_expiring_vouchers() == {"reminded": 0}
    notes = db.session.scalars(sa.select(Notification)).all()
    assert len(notes) == 1
    note = notes[0]
    assert note.user_id == customer.id and note.kind == "voucher_expiring"
    assert note.link == f"/wallet/{reminded.id}" and note.params["shop"] == "老王面馆"


def test_the_inbox_shows_the_reminder_in_words(app, db, client):
    from tests import factories

    clock.freeze(mf.at("2026-12-01 10:00"))
    coupon = mf.live_coupon(valid_days_after_claim=2, title="满100减20")
    customer = mf.customer()
    vouchers.claim(customer, coupon.id)
    db.session.commit()
    jobs.remind_expiring_vouchers()
    factories.login(client, customer)
    page = client.get("/inbox").get_data(as_text=True)
    assert "您的券即将过期" in page and "满100减20" in page and "2026年12月3日 周四 00:00" in page


def test_coupons_whose_window_is_over_are_ended(app, db):
    clock.freeze(mf.at("2026-12-02 10:00"))
    coupon = mf.live_coupon(claim_ends_at=mf.at("2026-12-02 12:00"))
    other = mf.live_coupon()
    db.session.commit()
    assert jobs.end_finished_coupons() == {"ended": 0}
    clock.advance(timedelta(hours=2))
    assert jobs.end_finished_coupons() == {"ended": 1}
    assert jobs.end_finished_coupons() == {"ended": 0}
    db.session.expire_all()
    assert db.session.get(Coupon, coupon.id).status == "ended"
    assert db.session.get(Coupon, other.id).status == "approved"

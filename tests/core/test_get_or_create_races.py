"""Picks and get-or-creates that two requests can make at once: the database decides, once."""

from __future__ import annotations

import sqlalchemy as sa

from alliance.accounts import services as accounts
from alliance.accounts.models import User
from alliance.merchants.models import MerchantCare
from alliance.merchants.services import cashflow
from tests import factories
from tests.mall import factories as mf


def test_a_referral_code_taken_in_the_meantime_is_drawn_again(db, monkeypatch):
    first = factories.user("customer", username="first")
    db.session.commit()
    drawn = iter([first.referral_code, "XYZ23456"])
    real = accounts._new_referral_code
    # The check-then-insert race, made certain: the first pick is a code another sign-up just took.
    monkeypatch.setattr(accounts, "_new_referral_code", lambda: next(drawn, None) or real())
    second = accounts.register_customer("second", factories.PASSWORD)
    db.session.commit()
    assert second.referral_code != first.referral_code
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_a_taken_username_is_still_a_conflict(db):
    factories.user("customer", username="same")
    db.session.commit()
    import pytest

    from alliance.core.errors import Conflict

    with pytest.raises(Conflict):
        accounts.register_customer("same", factories.PASSWORD)


def test_the_first_care_of_a_merchant_saved_twice_at_once_lands_on_one_row(app, db, monkeypatch):
    shop = mf.merchant()
    staff = mf.staff_for(shop)
    db.session.commit()
    # The other request inserted the row after this one looked and found none.
    shop_id = shop.id
    db.session.rollback()  # no snapshot of ours older than the other request's insert
    with db.engine.begin() as conn:
        conn.execute(sa.insert(MerchantCare.__table__).values(merchant_id=shop_id, collection_day=3))
    monkeypatch.setattr(cashflow, "care_for", lambda merchant_id: None)
    care = cashflow.set_care(staff, shop.id, account_manager_id=None, collection_day=12, payment_day=20)
    db.session.commit()
    assert care.collection_day == 12 and care.payment_day == 20
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MerchantCare.__table__)) == 1

"""Spending incentive cash (激励金): the balance row moves with every ledger entry, a spend past the
balance is refused, payment codes name their customer for a short while, paying without a voucher."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.errors import Forbidden, InvalidCode
from alliance.core.extensions import db as _db
from alliance.incentives import services as incentives
from alliance.incentives.models import IncentiveEntry
from mall.redemption import incentive_pay
from tests import factories
from tests.mall import factories as mf


@pytest.fixture
def customer(db):
    clock.freeze(mf.at("2026-12-02 12:00"))
    user = mf.customer()
    incentives.credit(user.id, 1000, incentives.CASHBACK, source_type="test", source_id=1)
    return user


def test_a_spend_takes_from_the_balance_and_books_a_debit(customer):
    entry = incentives.spend(customer.id, 400, source_type="redemption", source_id=7, note="老王面馆")
    assert (entry.kind, entry.amount_fen, entry.note) == ("spend", -400, "老王面馆")
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 600


def test_a_spend_past_the_balance_is_refused_and_changes_nothing(customer):
    with pytest.raises(incentives.InsufficientBalance) as err:
        incentives.spend(customer.id, 1001, source_type="redemption", source_id=7)
    assert err.value.code == "insufficient_balance" and err.value.status == 409
    assert incentives.balance(customer.id) == 1000
    assert _db.session.scalar(sa.select(sa.func.count(IncentiveEntry.id))) == 1
    nobody = mf.customer()
    with pytest.raises(incentives.InsufficientBalance):
        incentives.spend(nobody.id, 1, source_type="redemption", source_id=8)


def test_a_refund_puts_the_spend_back_once(customer):
    incentives.spend(customer.id, 1000, source_type="redemption", source_id=7)
    assert incentives.balance(customer.id) == 0
    assert incentives.refund_spend(source_type="redemption", source_id=7).amount_fen == 1000
    assert incentives.refund_spend(source_type="redemption", source_id=7) is None
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 1000


def test_a_payment_code_names_its_customer_until_it_expires(customer):
    issued = incentives.issue_payment_code(customer)
    assert len(issued["code"]) == incentives.PAYMENT_CODE_LENGTH
    grouped = issued["code"][:5] + "-" + issued["code"][5:].lower()
    assert incentives.customer_for_code(grouped) == customer.id
    assert incentives.customer_for_code(issued["qr_payload"]) == customer.id
    assert incentives.is_payment_code(issued["code"]) and incentives.is_payment_code(issued["qr_payload"])
    clock.advance(timedelta(seconds=incentives.PAYMENT_CODE_TTL_SECONDS + 1))
    for text in (issued["code"], issued["qr_payload"]):
        with pytest.raises(InvalidCode) as err:
            incentives.customer_for_code(text)
        assert not isinstance(err.value, incentives.ForgedPaymentCode)


def test_forged_and_unknown_payment_codes_are_invalid(customer):
    issued = incentives.issue_payment_code(customer)
    for text in (issued["qr_payload"][:-2] + "xx", "23456789AB", "", "x" * 2000):
        with pytest.raises(incentives.ForgedPaymentCode):
            incentives.customer_for_code(text)


def test_only_customers_have_a_payment_code(db):
    with pytest.raises(Forbidden):
        incentives.issue_payment_code(factories.user("staff"))


def test_paying_with_incentive_cash_alone_reduces_what_is_paid(customer):
    shop = mf.merchant(name="老王面馆")
    clerk = mf.clerk(shop)
    done = incentive_pay.pay(clerk, customer.id, 3000, 500)
    assert (done.voucher_id, done.discount_fen, done.incentive_fen, done.payable_fen) == (None, 0, 500, 2500)
    assert incentives.balance(customer.id) == 500
    spend = _db.session.scalar(sa.select(IncentiveEntry).where(IncentiveEntry.kind == "spend"))
    assert (spend.source_id, spend.note, spend.branch_id) == (done.id, "老王面馆", shop.branch_id)
    with pytest.raises(incentives.InsufficientBalance):
        incentive_pay.pay(clerk, customer.id, 3000, 600)


def test_api_lists_the_balance_and_entries_newest_first(client, customer):
    incentives.spend(customer.id, 300, source_type="redemption", source_id=9, note="老王面馆")
    body = client.get("/api/v1/me/incentives", headers=factories.auth(customer)).get_json()
    assert body["balance_fen"] == 700
    assert [(e["kind"], e["amount_fen"], e["note"]) for e in body["entries"]] == [
        ("spend", -300, "老王面馆"),
        ("cashback", 1000, None),
    ]
    assert set(body["entries"][0]) >= {"id", "amount_fen", "kind", "created_at", "note"}
    code = client.get("/api/v1/me/payment-code", headers=factories.auth(customer)).get_json()
    assert set(code) == {"code", "qr_payload", "expires_at"}
    assert code["expires_at"] == "2026-12-02T12:02:00+08:00"
    assert (
        client.get("/api/v1/me/payment-code", headers=factories.auth(mf.clerk(mf.merchant()))).status_code
        == 403
    )


def test_taking_back_cashback_already_spent_never_goes_below_zero(customer):
    """The fixture's ¥10.00 came as cashback; ¥8.00 of it is spent, then its redemption is reversed:
    the ¥2.00 left is taken back, the rest stays spent, and the balance is 0, never -¥8.00."""
    incentives.spend(customer.id, 800, source_type="redemption", source_id=7)
    undo = incentives.reverse(
        source_type="test", source_id=1, kind=incentives.CASHBACK, reversal_kind=incentives.CASHBACK_REVERSAL
    )
    assert undo.amount_fen == -200
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 0
    assert (
        incentives.reverse(
            source_type="test",
            source_id=1,
            kind=incentives.CASHBACK,
            reversal_kind=incentives.CASHBACK_REVERSAL,
        )
        is None
    )
    assert incentives.balance(customer.id) == 0


def test_taking_back_cashback_wholly_spent_books_nothing(customer):
    incentives.spend(customer.id, 1000, source_type="redemption", source_id=7)
    assert (
        incentives.reverse(
            source_type="test",
            source_id=1,
            kind=incentives.CASHBACK,
            reversal_kind=incentives.CASHBACK_REVERSAL,
        )
        is None
    )
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 0


def test_cashback_spent_then_both_redemptions_reversed_leaves_nothing(customer):
    """¥10.00 cashback, all of it spent at another till; the cashback's redemption is reversed (nothing
    left to take: ¥10.00 owed), then the spending one (¥10.00 put back): the put-back pays what is
    owed, so the customer keeps neither, and every move is in the ledger."""
    incentives.spend(customer.id, 1000, source_type="redemption", source_id=7)
    incentives.reverse(
        source_type="test", source_id=1, kind=incentives.CASHBACK, reversal_kind=incentives.CASHBACK_REVERSAL
    )
    assert incentives.refund_spend(source_type="redemption", source_id=7).amount_fen == 1000
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 0
    paid = _db.session.scalar(sa.select(IncentiveEntry).where(IncentiveEntry.source_type == "owed"))
    assert (paid.kind, paid.amount_fen) == (incentives.CASHBACK_REVERSAL, -1000)
    # Nothing is owed any more: the next credit is the customer's whole.
    incentives.credit(customer.id, 300, incentives.CASHBACK, source_type="test", source_id=2)
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 300


def test_what_is_owed_is_paid_off_as_far_as_each_credit_goes(customer):
    incentives.spend(customer.id, 1000, source_type="redemption", source_id=7)
    incentives.reverse(
        source_type="test", source_id=1, kind=incentives.CASHBACK, reversal_kind=incentives.CASHBACK_REVERSAL
    )
    incentives.credit(customer.id, 400, incentives.CASHBACK, source_type="test", source_id=2)
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 0
    incentives.credit(customer.id, 900, incentives.CASHBACK, source_type="test", source_id=3)
    assert incentives.balance(customer.id) == incentives.ledger_sum(customer.id) == 300

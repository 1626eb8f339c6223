"""The incentive ledger is append-only and its balance is the sum of its entries."""

from __future__ import annotations

import pytest

from alliance.incentives import services as incentives
from alliance.incentives.models import AppendOnlyError
from tests.mall import factories as mf


def test_balance_is_the_sum_and_a_source_books_once(db):
    customer = mf.customer()
    assert incentives.balance(customer.id) == 0
    first = incentives.credit(customer.id, 500, "cashback", source_type="redemption", source_id=1)
    assert first is not None
    assert incentives.credit(customer.id, 500, "cashback", source_type="redemption", source_id=1) is None
    incentives.credit(customer.id, 1200, "referral", source_type="referral", source_id=7)
    assert incentives.balance(customer.id) == 1700
    undo = incentives.reverse(
        source_type="redemption", source_id=1, kind="cashback", reversal_kind="cashback_reversal"
    )
    assert undo.amount_fen == -500 and undo.reverses_id == first.id
    assert (
        incentives.reverse(
            source_type="redemption", source_id=1, kind="cashback", reversal_kind="cashback_reversal"
        )
        is None
    )
    assert incentives.balance(customer.id) == 1200
    assert incentives.balance(mf.customer().id) == 0


def test_entries_cannot_be_changed_or_deleted(db):
    customer = mf.customer()
    db.session.commit()
    entry = incentives.credit(customer.id, 500, "cashback", source_type="redemption", source_id=2)
    entry.amount_fen = 5000
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    entry = incentives.credit(customer.id, 500, "cashback", source_type="redemption", source_id=3)
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.flush()

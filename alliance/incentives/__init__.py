"""Incentive cash (激励金): an append-only ledger per customer; the balance is the sum of its entries."""

"""Redemption at the till (核销): checks, the one winner of a race, receipts, reversal."""

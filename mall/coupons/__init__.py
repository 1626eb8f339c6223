"""Coupons: the five kinds and their rules, the review workflow, and what makes one claimable now."""

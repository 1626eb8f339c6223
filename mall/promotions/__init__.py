"""Cross-industry promotions (异业联盟): chains, coupon packs, shared coupons and their attribution."""

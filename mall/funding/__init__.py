"""Who pays for a discount: the bank's budgets, its share of coupons, the merchants' monthly settlement."""

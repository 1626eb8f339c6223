"""The funding rules: `budgets` (budgets, reservations, the bank's share) and `settlement` (monthly
statements)."""

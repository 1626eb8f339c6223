"""Member-get-member referrals (MGM 转介绍): codes, pending and converted referrals, the branch's rules."""

"""The alliance's merchants: applications, review, profiles, groups, tiers and service levels."""

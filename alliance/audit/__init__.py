"""The audit trail: every decision with who, when, what and why."""

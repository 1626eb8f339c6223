"""Users and roles, web login, API tokens."""

"""The landing page that greets each kind of user."""

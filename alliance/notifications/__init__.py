"""The in-app notification inbox: reminders and notices for every kind of user."""

"""Links stored in notifications: site-relative paths, buildable in jobs and commands too."""

from __future__ import annotations

from flask import current_app


def path_for(endpoint: str, **values) -> str:
    """`/staff/merchants/7`: like url_for, but also outside a request (jobs, the demo command)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)

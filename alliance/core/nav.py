"""Navigation entries, registered by each feature; the base layout shows those for the reader's role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, url_for


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    icon: str
    roles: frozenset[str]
    order: int = 100
    # "tab": the phone's bottom tab bar (customers, merchants, clerks); "top": the menu bar.
    place: str = "top"
    badge: Callable[[object], int] | None = field(default=None, compare=False)
    prefix: str | None = None  # URL prefix that marks the item active


def add_nav(app, item: NavItem) -> None:
    app.extensions.setdefault("alliance.nav", []).append(item)


def items_for(user, place: str) -> list[dict]:
    role = user.role if getattr(user, "is_authenticated", False) else "anonymous"
    found = []
    for item in sorted(current_app.extensions.get("alliance.nav", []), key=lambda i: i.order):
        if item.place != place or role not in item.roles:
            continue
        url = url_for(item.endpoint)
        badge = item.badge(user) if item.badge and getattr(user, "is_authenticated", False) else 0
        found.append(
            {"url": url, "label": item.label, "icon": item.icon, "badge": badge, "prefix": item.prefix or url}
        )
    return found

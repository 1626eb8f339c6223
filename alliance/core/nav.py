"""Navigation entries, registered by each feature; the base layout shows those for the reader's role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, has_request_context, request, url_for


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
    # Items of the top menu with the same group label share one dropdown (a lazy string).
    group: object = field(default=None, compare=False)
    # Shown only to readers for whom this says yes (e.g. owners of a shop that may trade).
    visible: Callable[[object], bool] | None = field(default=None, compare=False)


def add_nav(app, item: NavItem) -> None:
    app.extensions.setdefault("alliance.nav", []).append(item)


def items_for(user, place: str) -> list[dict]:
    """The reader's entries for `place`, in order; grouped items of the top menu become one dropdown
    entry `{"group": label, "children": [...], "badge": total}` where the group's first item stands.
    """
    role = user.role if getattr(user, "is_authenticated", False) else "anonymous"
    found: list[dict] = []
    groups: dict[str, dict] = {}
    path = request.path if has_request_context() else ""
    mine = [i for i in current_app.extensions.get("alliance.nav", []) if role in i.roles]
    # The page is marked in one place only: of the entries (tab or top) whose prefix it falls under,
    # the longest prefix wins (/my-shop/dashboard is the figures, not the shop page).
    best = max(
        (len(p) for p in (i.prefix or url_for(i.endpoint) for i in mine) if _under(path, p)), default=-1
    )
    for item in sorted(mine, key=lambda i: i.order):
        if item.place != place or role not in item.roles:
            continue
        if item.visible is not None and not item.visible(user):
            continue
        url = url_for(item.endpoint)
        badge = item.badge(user) if item.badge and getattr(user, "is_authenticated", False) else 0
        prefix = item.prefix or url
        active = _under(path, prefix) and len(prefix) == best
        entry = {
            "url": url,
            "label": item.label,
            "icon": item.icon,
            "badge": badge,
            "prefix": prefix,
            "active": active,
        }
        if item.group is None or place != "top":
            found.append(entry)
            continue
        key = str(item.group)
        if key not in groups:
            groups[key] = {
                "group": item.group,
                "icon": item.icon,
                "children": [],
                "badge": 0,
                "active": False,
            }
            found.append(groups[key])
        groups[key]["children"].append(entry)
        groups[key]["badge"] += badge
        groups[key]["active"] = groups[key]["active"] or active
    return found


def _under(path: str, prefix: str) -> bool:
    return path == "/" if prefix == "/" else path.startswith(prefix)

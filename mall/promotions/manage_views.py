"""Pages for merchants (set-up, invitations, figures) and staff (review) of cross-industry promotions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("promotion_admin", __name__)


def register_nav(app) -> None:
    pass

"""Customer pages of cross-industry promotions: the mall's packs and chains, a promotion's page, the
pack's claim."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("promotions", __name__)


def register_nav(app) -> None:
    pass

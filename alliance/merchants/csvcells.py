"""CSV cells that spreadsheets cannot mistake for formulas (CSV injection), and back again.

A shop's name comes from anyone who applies; Excel would run `=HYPERLINK(...)` typed as a name.
Text that starts with = + - @ or a tab/return gets a leading apostrophe, which Excel shows as text.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        Decimal(text.replace(",", ""))
    except InvalidOperation:
        return False
    return True


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def read_cell(text: str | None) -> str:
    """What a cell written by `safe_cell` said."""
    text = (text or "").strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text

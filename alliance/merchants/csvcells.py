"""CSV cells that spreadsheets cannot mistake for formulas: the one writer lives in core.csvfile."""

from __future__ import annotations

from alliance.core.csvfile import FORMULA_STARTS, read_cell, safe_cell

__all__ = ["FORMULA_STARTS", "read_cell", "safe_cell"]

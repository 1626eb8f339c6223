"""Every CSV the application writes: one writer, cells spreadsheets cannot mistake for formulas.

A shop's name or a coupon's title comes from anyone; Excel would run `=HYPERLINK(...)` typed as a
title. Text that starts with = + - @ or a tab or carriage return gets a leading apostrophe, which
spreadsheets show as text (numbers such as -5 stay numbers). Files are UTF-8 with a BOM, so Excel
reads the Chinese right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


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


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A CSV download, built before the answer leaves (while the request's session is open)."""
    return text_response(filename, csv_text(header, rows))


def text_response(filename: str, text: str) -> Response:
    response = Response(text, content_type=CSV_CONTENT_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response

"""A month's statements for the bank's payment run: CSV (through the formula-safe cell writer) and
XLSX (openpyxl), the same columns in both, amounts in yuan with two decimals."""

from __future__ import annotations

import io
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _

from alliance.merchants.csvcells import safe_cell
from alliance.merchants.views.common import csv_response
from mall.funding.models import STATUS_LABELS
from mall.funding.services.settlement import Overview

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def header() -> list[str]:
    return [
        _("Month"),
        _("Merchant ID"),
        _("Shop"),
        _("Status"),
        _("Redemptions"),
        _("Discount (yuan)"),
        _("Bank's part (yuan)"),
        _("Merchant's part (yuan)"),
        _("Incentive cash (yuan)"),
        _("To pay (yuan)"),
        _("Payment reference"),
    ]


def rows(overview: Overview) -> list[list]:
    found = []
    for view in overview.rows:
        t = view.totals
        found.append(
            [
                overview.month,
                view.merchant.id,
                view.merchant.name,
                str(STATUS_LABELS.get(view.status, view.status)),
                t["redemptions"],
                _yuan(t["discount_fen"]),
                _yuan(t["bank_fen"]),
                _yuan(t["merchant_fen"]),
                _yuan(t["incentive_fen"]),
                _yuan(t["due_fen"]),
                view.paid_reference or "",
            ]
        )
    return found


def total_row(overview: Overview) -> list:
    t = overview.totals
    return [
        overview.month,
        "",
        _("Total"),
        "",
        t["redemptions"],
        _yuan(t["discount_fen"]),
        _yuan(t["bank_fen"]),
        _yuan(t["merchant_fen"]),
        _yuan(t["incentive_fen"]),
        _yuan(t["due_fen"]),
        "",
    ]


def csv_export(overview: Overview) -> Response:
    return csv_response(f"settlement-{overview.month}.csv", header(), [*rows(overview), total_row(overview)])


def xlsx_export(overview: Overview) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = overview.month
    sheet.append([safe_cell(h) for h in header()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in [*rows(overview), total_row(overview)]:
        sheet.append([safe_cell(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in "FGHIJ":
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    sheet.column_dimensions["C"].width = 28
    sheet.column_dimensions["K"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f"attachment; filename=settlement-{overview.month}.xlsx"
    return response

"""Report tables: what a dashboard shows under its charts, and what its CSV and XLSX downloads hold, built
once so the three cannot disagree. Headers are translated (Chinese in the Chinese UI); money is shown
in yuan, rates in percent."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from alliance.core.i18n import localtime
from alliance.core.money import format_fen
from alliance.merchants.constants import INDUSTRY_LABELS
from alliance.merchants.csvcells import safe_cell
from mall.programme.constants import KIND_LABELS

TEXT, COUNT, MONEY, RATE, PERCENT, WHEN = "text", "count", "money", "rate", "percent", "when"


@dataclass
class Column:
    label: object  # a lazy string
    kind: str = COUNT


@dataclass
class Table:
    key: str
    title: object
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row, the first cell's link (pages only)

    def shown(self, value, column: Column) -> str:
        """A cell as the page shows it."""
        if value is None:
            return "—"
        if column.kind == MONEY:
            return format_fen(value)
        if column.kind == RATE:
            return f"{value * 100:.1f}%"
        if column.kind == PERCENT:
            return f"{value:+.1f}%"
        if column.kind == WHEN:
            return localtime(value, "short") if isinstance(value, datetime) else str(value)
        if column.kind == COUNT:
            return f"{value:,}"
        return str(value)

    def csv_value(self, value, column: Column) -> str:
        if value is None:
            return ""
        if column.kind == MONEY:
            yuan, cents = divmod(abs(int(value)), 100)
            return f"{'-' if value < 0 else ''}{yuan}.{cents:02d}"
        if column.kind in (RATE, PERCENT, WHEN):
            return self.shown(value, column)
        return str(value)

    def xlsx_value(self, value, column: Column):
        if value is None:
            return None
        if column.kind == MONEY:
            return Decimal(int(value)) / 100
        if column.kind == RATE:
            return value
        if column.kind == PERCENT:
            return value / 100
        if column.kind == WHEN:
            return self.shown(value, column)
        if column.kind == COUNT:
            return int(value)
        return str(value)


NUMBER_FORMATS = {MONEY: "#,##0.00", RATE: "0.0%", PERCENT: "+0.0%;-0.0%;0.0%", COUNT: "#,##0"}


def csv_response(table: Table, filename: str) -> Response:
    """UTF-8 with a BOM (Excel reads it), every cell formula-safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(c.label)) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(table.csv_value(v, c)) for v, c in zip(row, table.columns, strict=True)])
    response = Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}.csv"
    return response


def _sheet_title(text: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", text)[:28] or "Sheet"
    base, n = title, 2
    while title in taken:
        title = f"{base[:26]} {n}"
        n += 1
    taken.add(title)
    return title


def xlsx_response(tables: list[Table], filename: str) -> Response:
    """One sheet per table; numbers stay numbers (money in yuan), text is never read as a formula."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_title(str(table.title), taken))
        sheet.append([str(c.label) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            values = []
            for value, column in zip(row, table.columns, strict=True):
                value = table.xlsx_value(value, column)
                values.append(safe_cell(value) if isinstance(value, str) else value)
            sheet.append(values)
        for index, column in enumerate(table.columns, start=1):
            fmt = NUMBER_FORMATS.get(column.kind)
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = 14 if column.kind != TEXT else 24
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = fmt
    buffer = io.BytesIO()
    book.save(buffer)
    response = Response(
        buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f"attachment; filename={filename}.xlsx"
    return response


# ---- the tables of each dashboard ---------------------------------------------------------------------

FIGURE_COLUMNS = [
    ("claimed", Column(_l("Claimed"))),
    ("redeemed", Column(_l("Redemptions"))),
    ("redemption_rate", Column(_l("Redemption rate"), RATE)),
    ("discount_fen", Column(_l("Discount amount"), MONEY)),
    ("bank_fen", Column(_l("Of which the bank's part"), MONEY)),
    ("order_fen", Column(_l("Order value redeemed"), MONEY)),
    ("new_customers", Column(_l("New customers"))),
    ("partner_customers", Column(_l("Sent by partners"))),
]


def _figures_table(key: str, title, first: Column, rows: list[tuple[object, dict]]) -> Table:
    table = Table(key, title, [first] + [c for _, c in FIGURE_COLUMNS])
    for label, values in rows:
        table.rows.append([label] + [values[name] for name, _ in FIGURE_COLUMNS])
    return table


def merchant_tables(home: dict) -> list[Table]:
    summary = _figures_table(
        "summary",
        _l("Today, this week, this month"),
        Column(_l("Period"), TEXT),
        [
            (str(_l("Today")), home["figures_today"]),
            (str(_l("This week so far")), home["week"]),
            (str(_l("This month")), home["month"]),
            (str(_l("Last month, same days")), home["last_month_to_date"]),
            (str(_l("Last month")), home["last_month"]),
        ],
    )
    days = _figures_table(
        "days",
        _l("Per day, last 30 days"),
        Column(_l("Day"), TEXT),
        [(row["period"], row) for row in home["daily"]],
    )
    weeks = _figures_table(
        "weeks", _l("Per week"), Column(_l("Week"), TEXT), [(row["period"], row) for row in home["weekly"]]
    )
    coupons = Table(
        "coupons",
        _l("Per coupon, this month"),
        [
            Column(_l("Coupon"), TEXT),
            Column(_l("Claimed")),
            Column(_l("Redemptions")),
            Column(_l("Redemption rate"), RATE),
            Column(_l("Discount amount"), MONEY),
            Column(_l("New customers")),
        ],
    )
    for c in home["coupons"]:
        coupons.rows.append(
            [
                c["title"],
                c["claimed"],
                c["redeemed"],
                c["redemption_rate"],
                c["discount_fen"],
                c["new_customers"],
            ]
        )
    return [summary, days, weeks, coupons]


def branch_tables(board: dict, profile_url) -> list[Table]:
    summary = _figures_table(
        "summary",
        _l("Today and this month against last month"),
        Column(_l("Period"), TEXT),
        [
            (str(_l("Today")), board["figures_today"]),
            (str(_l("This month")), board["month"]),
            (str(_l("Last month, same days")), board["last_month_to_date"]),
            (str(_l("Last month")), board["last_month"]),
        ],
    )
    trend = _figures_table(
        "trend",
        _l("Per day, this month and last month"),
        Column(_l("Day"), TEXT),
        [(row["day"].isoformat(), row) for row in board["trend"]],
    )
    top = Table(
        "top",
        _l("Top merchants this month"),
        [
            Column(_l("Merchant"), TEXT),
            Column(_l("District"), TEXT),
            Column(_l("Trade"), TEXT),
            Column(_l("Account manager"), TEXT),
            Column(_l("Redemptions")),
            Column(_l("Discount amount"), MONEY),
            Column(_l("Last redemption"), WHEN),
        ],
    )
    for m in board["top"]:
        top.rows.append(
            [
                m["name"],
                m["district"],
                str(INDUSTRY_LABELS.get(m["industry"], m["industry"])),
                m["account_manager"],
                m["redeemed"],
                m["discount_fen"],
                m["last_redeemed_at"],
            ]
        )
        top.links.append(profile_url(m["merchant_id"]))
    dormant = Table(
        "dormant",
        _l("Dormant merchants (no redemption in 30 days)"),
        [
            Column(_l("Merchant"), TEXT),
            Column(_l("District"), TEXT),
            Column(_l("Account manager"), TEXT),
            Column(_l("Days without a redemption")),
            Column(_l("Last redemption"), WHEN),
        ],
    )
    for m in board["dormant"]:
        dormant.rows.append(
            [m["name"], m["district"], m["account_manager"], m["days_since"], m["last_redeemed_at"]]
        )
        dormant.links.append(profile_url(m["merchant_id"]))
    activation = Table(
        "activation",
        _l("Activation: transactions month over month"),
        [
            Column(_l("Merchant"), TEXT),
            Column(_l("Transactions"), COUNT),
            Column(_l("Month before"), COUNT),
            Column(_l("Change"), COUNT),
            Column(_l("Change %"), PERCENT),
        ],
    )
    for row in board["activation"]["rows"]:
        activation.rows.append(
            [row["name"], row["count"], row["previous"], row["change"], row["change_percent"]]
        )
        activation.links.append(profile_url(row["merchant_id"]))
    programme = Table(
        "programme",
        _l("Themes and festivals against the weeks before"),
        [
            Column(_l("Programme entry"), TEXT),
            Column(_l("Kind of entry"), TEXT),
            Column(_l("Days"), TEXT),
            Column(_l("Redemptions")),
            Column(_l("Expected from the 4 weeks before")),
            Column(_l("Lift"), PERCENT),
        ],
    )
    for row in board["programme"]:
        programme.rows.append(
            [
                row["title"],
                str(KIND_LABELS.get(row["kind"], row["kind"])),
                f"{_day(row['first_day'])} – {_day(row['last_day'])}",
                row["redeemed"],
                row["baseline"],
                row["lift"],
            ]
        )
    budgets = Table(
        "budgets",
        _l("Budgets running today"),
        [
            Column(_l("Budget"), TEXT),
            Column(_l("Total"), MONEY),
            Column(_l("Spent by the bank"), MONEY),
            Column(_l("Held for running coupons"), MONEY),
            Column(_l("Share used"), RATE),
        ],
    )
    for row in board["budgets"]:
        budgets.rows.append(
            [row["name"], row["total_fen"], row["spent_fen"], row["reserved_fen"], row["use_rate"]]
        )
    return [summary, trend, top, dormant, activation, programme, budgets]


def _day(value: date) -> str:
    return value.isoformat()

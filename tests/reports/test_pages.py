"""The dashboards as people open them: who lands where, the figures on the page, and the CSV and XLSX
downloads read back (csv module, openpyxl) with the same numbers and the Chinese names intact."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest

from alliance.core.extensions import db
from mall.reports import jobs
from tests import factories
from tests.mall import factories as mf


class TableReader(HTMLParser):
    """The cells of every `<table data-table=...>` on a page, as the reader sees them."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-table"], [])
        elif self._table is not None and tag == "tr":
            self._table.append([])
        elif self._table is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(html)
    return reader.tables


def plain(text: str) -> str:
    """A page cell as a CSV cell says it: no currency sign or thousands separators, no dash for none."""
    return "" if text == "—" else text.replace("¥", "").replace(",", "")


def xlsx_as_page(value, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and "%" in number_format:
        text = f"{Decimal(str(value)) * 100:.1f}%"
        return ("+" + text if value >= 0 else text) if number_format.startswith("+") else text
    if number_format == "#,##0.00":
        return f"{Decimal(str(value)):.2f}"
    return str(value)


@pytest.fixture
def rolled(world):
    jobs.rollup()
    db.session.commit()
    return world


def test_people_land_on_their_page(client, rolled):
    for user, target in (
        (rolled["owner"], "/till"),  # the figures are a tab away
        (rolled["clerk"], "/till"),
        (rolled["staff"], "/staff/dashboard"),
    ):
        response = client.post("/login", data={"username": user.username, "password": mf.PASSWORD})
        assert response.headers["Location"].startswith(target), user.role
        client.post("/logout")
    factories.login(client, rolled["clerk"])
    assert client.get("/my-shop/dashboard").headers["Location"].startswith("/till")


def test_merchant_dashboard_shows_todays_figures_with_charts(client, rolled):
    factories.login(client, rolled["owner"])
    response = client.get("/my-shop/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<svg class="chart"') == 2
    tables = page_tables(html)
    summary = {row[0]: row for row in tables["summary"][1:]}
    assert summary["今天"][1:3] == ["1", "2"] and summary["今天"][4] == "¥40.00"
    assert summary["本月"][1:3] == ["4", "3"] and summary["本月"][3] == "75.0%"
    assert tables["coupons"][1][:3] == ["满100减20", "4", "3"]
    assert tables["summary"][0][:3] == ["期间", "领取", "核销笔数"]


@pytest.mark.parametrize("name", ["summary", "days", "coupons"])
def test_merchant_csv_and_xlsx_hold_the_pages_numbers(client, rolled, name):
    factories.login(client, rolled["owner"])
    shown = page_tables(client.get("/my-shop/dashboard").get_data(as_text=True))[name]
    response = client.get(f"/my-shop/dashboard/{name}.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == shown[0]
    assert rows[1:] == [[plain(cell) for cell in row] for row in shown[1:]]

    response = client.get(f"/my-shop/dashboard/{name}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    got = [[xlsx_as_page(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
    assert got[0] == shown[0]
    assert got[1:] == [[plain(cell) for cell in row] for row in shown[1:]]


def test_whole_dashboard_as_one_workbook(client, rolled):
    factories.login(client, rolled["owner"])
    book = openpyxl.load_workbook(io.BytesIO(client.get("/my-shop/dashboard/all.xlsx").data))
    assert len(book.worksheets) == 4
    coupons = book.worksheets[3]
    assert [c.value for c in coupons[2]][:3] == ["满100减20", 4, 3]
    assert client.get("/my-shop/dashboard/nothing.csv").status_code == 404


def test_staff_dashboard_and_its_exports(client, rolled):
    factories.login(client, rolled["staff"])
    response = client.get("/staff/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<svg class="chart"') >= 2
    tables = page_tables(html)
    top = tables["top"]
    assert [row[0] for row in top[1:]] == ["海底捞东湖店", "理发小铺"]
    assert [row[4] for row in top[1:]] == ["3", "1"]
    rows = list(csv.reader(io.StringIO(client.get("/staff/dashboard/top.csv").data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["商户", "商圈"] and rows[1][0] == "海底捞东湖店"
    assert [r[4] for r in rows[1:]] == ["3", "1"]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/dashboard/all.xlsx").data))
    assert {"本月核销前列商户"} <= {ws.title for ws in book.worksheets}
    filtered = client.get(f"/staff/dashboard?district_id={rolled['d2'].id}").get_data(as_text=True)
    filtered = page_tables(filtered)
    assert [row[0] for row in filtered["top"][1:]] == ["理发小铺"]
    assert client.get("/staff/dashboard?print=1").status_code == 200


def test_csv_cells_cannot_be_formulas(client, rolled):
    rolled["shop"].name = '=HYPERLINK("http://x")'
    db.session.commit()
    factories.login(client, rolled["staff"])
    rows = list(csv.reader(io.StringIO(client.get("/staff/dashboard/top.csv").data.decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


def test_only_staff_open_the_staff_dashboard(client, rolled):
    factories.login(client, rolled["owner"])
    assert client.get("/staff/dashboard").status_code == 403
    assert client.get("/staff/dashboard/top.csv").status_code == 403


def test_closing_summary_is_printable_for_clerks(client, rolled):
    factories.login(client, rolled["clerk"])
    response = client.get("/till/closing?day=2026-12-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-print" in html
    assert "¥130.00" in html and "顾客取消" in html

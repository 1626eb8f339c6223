"""Every CSV export goes through one formula-safe writer and says its charset once."""

from __future__ import annotations

import csv
import io

import pytest

from alliance.core.csvfile import csv_text, read_cell, safe_cell
from tests import factories
from tests.mall import factories as mf


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+cmd", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1"]
)
def test_cells_that_a_spreadsheet_would_run_are_written_as_text(text):
    assert safe_cell(text) == "'" + text
    assert read_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", [-5, "-12.50", "1,200", "老王面馆", 0, None])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert safe_cell(value) == ("" if value is None else str(value))


def test_the_writer_starts_with_a_bom_and_escapes_every_cell():
    text = csv_text(["=head"], [["=HYPERLINK(1)", 3]])
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["'=head"], ["'=HYPERLINK(1)", "3"]]


def test_the_staff_coupon_export_writes_titles_and_shop_names_safely(client, db):
    shop = mf.merchant(name="=cmd|' /C calc'!A0")
    owner = mf.owner(shop)
    staff = mf.staff_for(shop)
    mf.live_coupon(shop, owner, title='=HYPERLINK("http://evil.example","点我")')
    db.session.commit()
    factories.login(client, staff)
    response = client.get("/staff/coupons?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","点我")'


@pytest.mark.parametrize(
    "path",
    ["/staff/merchants.csv", "/staff/pyramid.csv", "/staff/prospects.csv", "/staff/figures/template.csv"],
)
def test_every_export_says_its_charset_once(client, db, path):
    staff = factories.user("staff")
    db.session.commit()
    factories.login(client, staff)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data(as_text=True).startswith("\ufeff")

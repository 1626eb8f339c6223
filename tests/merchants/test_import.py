"""Importing the bank's figures file: every bad row shown with why, nothing written before the
staff member confirms, then tiers recomputed."""

import io
import re
from datetime import date, time

import pytest
import sqlalchemy as sa

from alliance.core import clock
from alliance.core.errors import InvalidState, NotFound, ValidationFailed
from alliance.merchants.models import FigureImport, Merchant, MerchantFigures, TierChange
from alliance.merchants.services import imports
from tests import factories
from tests.merchants import factories as mf

HEADER = "merchant_id,month,avg_daily_balance,acquiring_volume,fee_income,loan_credit,transaction_count\n"


@pytest.fixture(autouse=True)
def _today():
    clock.freeze(clock.local_datetime_utc(date(2026, 11, 20), time(10)))


@pytest.fixture
def east(db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    staff = factories.user("staff", branch_id=branch.id)
    db.session.commit()
    return branch, district, staff


def figures_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(MerchantFigures.id)))


def upload(client, raw: bytes, name: str = "figures.csv"):
    return client.post(
        "/staff/figures/import",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def follow(client, response) -> str:
    """The page a POST redirected to (the isolated test client follows redirects by hand)."""
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_thousand_merchants_with_three_bad_rows(client, db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    ids = mf.bulk_merchants(district, 1000)
    db.session.commit()
    lines = [HEADER.strip()]
    for i, merchant_id in enumerate(ids):
        # Acquiring volume in yuan: merchant i gets i * 5,000 yuan, spreading them over the tiers.
        volume = f"{i * 5000}"
        mid = str(merchant_id)
        if i == 99:
            mid = "999999"  # unknown merchant
        if i == 499:
            volume = "12.3x4"  # not a number
        if i == 799:
            mid = str(ids[798])  # the same merchant and month again
        lines.append(f"{mid},2026-10,{i * 100},{volume},{i * 10},0,{i}")
    raw = ("\n".join(lines) + "\n").encode()

    factories.login(client, staff)
    response = upload(client, raw)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)

    bad_lines = re.findall(r'class="bad-row" data-line="(\d+)"', page)
    assert bad_lines == ["101", "501", "801"]
    assert "未知商户" in page
    assert "年收单额：12.3x4 不是数字。" in page
    assert "与第 800 行的商户和月份重复。" in page
    assert figures_count(db) == 0, "the preview wrote figures"
    # The preview lives on the server, keyed by a random id; the cookie only carries the session.
    batch = db.session.scalar(sa.select(FigureImport))
    assert batch.id in preview_url and len(batch.id) >= 20 and len(batch.rows) == 997
    assert all(len(c.value) < 1000 for c in client._cookies.values())

    refused = follow(client, client.post(f"{preview_url}/confirm"))
    assert "仅导入有效的行" in refused and figures_count(db) == 0

    done = follow(client, client.post(f"{preview_url}/confirm", data={"valid_only": "1"}))
    assert "已导入 997 行" in done
    assert figures_count(db) == 997
    tiers = dict(db.session.execute(sa.select(Merchant.tier, sa.func.count()).group_by(Merchant.tier)).all())
    # i * 5,000 yuan against 100/200/300/400万: D from i=200, C from 400, B from 600, A from 800;
    # the three merchants whose rows were bad have no figures, so no tier yet.
    assert tiers == {"E": 199, "D": 200, "C": 199, "B": 199, "A": 200, None: 3}
    changes = sa.select(sa.func.count(TierChange.id)).where(TierChange.reason == "figures")
    assert db.session.scalar(changes) == 997

    again = follow(client, client.post(f"{preview_url}/confirm", data={"valid_only": "1"}))
    assert "已确认或已放弃" in again and figures_count(db) == 997


def test_a_clean_file_is_written_on_confirmation(db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    merchant = mf.merchant(district)
    raw = (HEADER + f"{merchant.id},2026-10,2000000,1000,0,0,12\n").encode()
    batch = imports.create_preview(staff, raw, "ok.csv")
    assert batch.problems == [] and figures_count(db) == 0
    result = imports.apply(staff, batch.id)
    assert result == {"rows": 1, "merchants": 1, "tier_changes": 1, "skipped": 0}
    row = db.session.scalar(sa.select(MerchantFigures))
    assert (row.month, row.avg_daily_balance_fen, row.acquiring_volume_fen, row.transaction_count) == (
        date(2026, 10, 1),
        200_000_000,
        100_000,
        12,
    )
    assert row.source == "import" and merchant.tier == "C"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_chinese_headers_names_and_units_in_gbk_or_utf8(db, east, encoding):
    _branch, district, staff = east
    merchant = mf.merchant(district, name="老王面馆")
    text = (
        "商户名称,商圈,月份,月日均资金(万元),年收单额（元）,年中收,个人经营贷授信(分),交易笔数\n"
        '老王面馆,Wanda,2026年9月,12.5,"1,234.50",800,100,45\n'
    )
    batch = imports.create_preview(staff, text.encode(encoding))
    assert batch.problems == []
    [row] = batch.rows
    assert row["merchant_id"] == merchant.id and row["month"] == "2026-09-01"
    assert row["avg_daily_balance_fen"] == 12_500_000
    assert row["acquiring_volume_fen"] == 123_450
    assert row["fee_income_fen"] == 80_000
    assert row["loan_credit_fen"] == 100
    assert row["transaction_count"] == 45


def test_tabs_or_semicolons_as_separators(db, east):
    _, district, staff = east
    merchant = mf.merchant(district)
    raw = HEADER.replace(",", ";") + f"{merchant.id};2026-10;1;2;3;4;5\n"
    assert imports.create_preview(staff, raw.encode()).problems == []
    raw = HEADER.replace(",", "\t") + f"{merchant.id}\t2026-10\t1\t2\t3\t4\t5\n"
    assert imports.create_preview(staff, raw.encode()).problems == []


def reasons_of(batch):
    return {p["line"]: [r["code"] for r in p["reasons"]] for p in batch.problems}


def test_each_kind_of_bad_row_says_why(db, east):
    branch, district, staff = east
    merchant = mf.merchant(district, name="Twin")
    mf.merchant(factories.district(branch, "Other"), name="Twin")
    elsewhere = mf.merchant(factories.district(factories.branch("West")), name="Far")
    text = (
        "merchant_id,merchant_name,district,month,avg_daily_balance,acquiring_volume,fee_income,loan_credit\n"
        f"{merchant.id},,,2026-13,1,1,1,1\n"  # 2 bad month
        f"{merchant.id},,,2026-12,1,1,1,1\n"  # 3 future month
        f"{merchant.id},,,2026-01,-5,1,1,1\n"  # 4 negative
        f"{merchant.id},,,2026-02,1.001,1,1,1\n"  # 5 more decimals than a fen
        ",Twin,,2026-03,1,1,1,1\n"  # 6 ambiguous name
        ",Twin,Wanda,2026-03,1,1,1,1\n"  # 7 fine: the district settles it
        f"{elsewhere.id},,,2026-03,1,1,1,1\n"  # 8 another branch's merchant
        f"{merchant.id},Someone else,,2026-04,1,1,1,1\n"  # 9 id and name disagree
        ",,,2026-04,1,1,1,1\n"  # 10 no merchant
        f"{merchant.id},,,2026-05,1,1,1,1,extra\n"  # 11 more values than the header
        f"{merchant.id},,,2026-06,1e400,1,1,1\n"  # 12 too large
    )
    batch = imports.create_preview(staff, text.encode())
    assert reasons_of(batch) == {
        2: ["bad_month"],
        3: ["future_month"],
        4: ["negative"],
        5: ["too_precise"],
        6: ["ambiguous_merchant"],
        8: ["unknown_merchant"],
        9: ["name_mismatch"],
        10: ["no_merchant"],
        11: ["extra_values"],
        12: ["too_large"],
    }
    assert [r["line"] for r in batch.rows] == [7]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (HEADER.encode(), "no rows"),
        (b"merchant_id,month\n1,2026-10\n", "Missing columns"),
        (b"month,avg_daily_balance,acquiring_volume,fee_income,loan_credit\n2026-10,1,1,1,1\n", "Missing"),
        (HEADER.replace("fee_income", "avg_daily_balance").encode(), "twice"),
        (b"\xff\xfe\x00\x00\x81\x30", "neither UTF-8 nor GBK"),
    ],
)
def test_file_level_problems_stop_before_any_row(app, db, east, raw, words):
    from flask_babel import force_locale

    with pytest.raises(ValidationFailed) as caught, force_locale("en"):
        imports.create_preview(east[2], raw)
    with force_locale("en"):
        assert words in " ".join(str(m) for m in caught.value.fields["file"])
    assert db.session.scalar(sa.select(sa.func.count(FigureImport.id))) == 0


def test_a_preview_is_only_for_the_one_who_uploaded_it(client, db, east):
    branch, district, staff = east
    merchant = mf.merchant(district)
    colleague = factories.user("staff", branch_id=branch.id)
    batch = imports.create_preview(staff, (HEADER + f"{merchant.id},2026-10,1,1,1,1,1\n").encode())
    db.session.commit()
    with pytest.raises(NotFound):
        imports.apply(colleague, batch.id)
    factories.login(client, colleague)
    assert client.get(f"/staff/figures/import/{batch.id}").status_code == 404
    assert client.get("/staff/figures/import/not-a-real-id").status_code == 404


def test_discarding_writes_nothing_and_replacements_are_counted(db, east):
    _branch, district, staff = east
    merchant = mf.merchant(district)
    mf.set_figures(merchant, date(2026, 10, 1), acquiring_volume=1)
    raw = (HEADER + f"{merchant.id},2026-10,1,1,1,1,1\n{merchant.id},2026-09,1,1,1,1,1\n").encode()
    batch = imports.create_preview(staff, raw)
    summary = imports.summary(batch)
    assert (summary["valid"], summary["replacing"], summary["new"], summary["merchants"]) == (2, 1, 1, 1)
    imports.discard(staff, batch.id)
    with pytest.raises(InvalidState):
        imports.apply(staff, batch.id)
    assert figures_count(db) == 1


def test_a_file_with_bad_rows_needs_the_valid_only_choice(db, east):
    _, district, staff = east
    merchant = mf.merchant(district)
    raw = (HEADER + f"{merchant.id},2026-10,1,1,1,1,1\n999999,2026-10,1,1,1,1,1\n").encode()
    batch = imports.create_preview(staff, raw)
    with pytest.raises(InvalidState):
        imports.apply(staff, batch.id)
    assert figures_count(db) == 0
    assert imports.apply(staff, batch.id, valid_only=True)["rows"] == 1


def test_the_template_lists_the_branchs_merchants(client, db, east):
    _, district, staff = east
    merchant = mf.merchant(district, name="模板商户")
    db.session.commit()
    factories.login(client, staff)
    text = client.get("/staff/figures/template.csv").data.decode("utf-8-sig")
    # Chinese headers in the Chinese UI; the month is the last complete one (today is 2026-11-20)
    assert (
        text.splitlines()[0]
        == "商户编号,商户名称,商圈,月份,月日均资金(元),年收单额(元),年中收(元),个人经营贷授信(元),交易笔数"
    )
    assert f"{merchant.id},模板商户,Wanda,2026-10" in text
    batch = imports.create_preview(staff, text.encode("utf-8-sig"))
    assert batch.problems == [] and len(batch.rows) == 1
    client.post("/lang", data={"lang": "en", "next": "/"})
    english = client.get("/staff/figures/template.csv").data.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("merchant_id,merchant_name,district,month")


def test_the_upload_page_shows_file_errors_on_the_field(client, db, east):
    factories.login(client, east[2])
    page = upload(client, b"month\n2026-10\n").get_data(as_text=True)
    assert "缺少列" in page


def test_the_preview_shows_tier_changes_and_warns_of_a_tenfold_jump(client, db, east):
    branch, district, staff = east
    mf.policy(branch.id)  # A from 400万 in one figure, B 300万, C 200万, D 100万
    steady = mf.merchant(district, name="稳定商户")
    slip = mf.merchant(district, name="单位写错")
    mf.set_figures(steady, date(2026, 9, 1), avg_daily_balance_fen=150 * mf.WAN)
    mf.set_figures(slip, date(2026, 9, 1), avg_daily_balance_fen=150 * mf.WAN)
    db.session.commit()
    # steady rises to 250万 (tier C); slip was typed in 元 as if 万元: 1500万, ten times more (tier A)
    raw = (HEADER + f"{steady.id},2026-10,2500000,0,0,0,1\n{slip.id},2026-10,15000000,0,0,0,1\n").encode()
    factories.login(client, staff)
    page = follow(client, upload(client, raw))
    changes = imports.tier_changes(imports.get_preview(staff, page.split("/confirm")[0].rsplit("/", 1)[-1]))
    assert [(c["merchant"], c["after"], bool(c["jumps"])) for c in changes] == [
        ("稳定商户", "C", False),
        ("单位写错", "A", True),
    ]
    assert 'id="tier-changes"' in page and "等级" in page and "十倍" in page

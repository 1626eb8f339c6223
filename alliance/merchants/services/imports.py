"""Importing the bank's monthly figures from a CSV file: parse, preview every bad row, then write.

The file may be UTF-8 (with or without a BOM) or GBK/GB18030, as Excel saves it on a Chinese
Windows. Headers may be English or Chinese; money columns are in yuan unless the header names
another unit: `(万元)`, `(元)`, `(分)`, or a `_fen` / `_yuan` suffix. Nothing is written until the
staff member confirms; the parsed preview waits in the database under a random id.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from alliance.audit.services import record
from alliance.branches.models import Branch, District
from alliance.core import clock
from alliance.core.errors import InvalidState, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.core.money import MAX_FEN
from alliance.merchants.constants import FIGURES, TierChangeReason
from alliance.merchants.csvcells import read_cell, safe_cell
from alliance.merchants.models import FigureImport, Merchant, MerchantFigures
from alliance.merchants.services import access, tiering
from alliance.merchants.services.figures import MAX_TRANSACTIONS, current_month, parse_month, upsert

MAX_ROWS = 50_000
PREVIEW_KEEP = timedelta(days=2)

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "merchant_id": ("merchant_id", "merchantid", "id", "商户编号", "商户id", "商户号"),
    "merchant_name": ("merchant_name", "merchant", "name", "商户名称", "商户名", "商户"),
    "district": ("district", "district_name", "商圈", "商圈名称", "所属商圈"),
    "month": ("month", "月份", "统计月份"),
    "avg_daily_balance_fen": ("avg_daily_balance", "月日均资金", "月日均", "日均资金", "月日均余额"),
    "acquiring_volume_fen": ("acquiring_volume", "年收单额", "收单额", "年收单金额"),
    "fee_income_fen": ("fee_income", "年中收", "中收", "年中间业务收入"),
    "loan_credit_fen": ("loan_credit", "个人经营贷授信", "经营贷授信", "授信额度"),
    "transaction_count": ("transaction_count", "transactions", "交易笔数", "月交易笔数"),
}
_ALIAS = {alias: key for key, aliases in COLUMN_ALIASES.items() for alias in aliases}
MONEY_COLUMNS = tuple(str(f) for f in FIGURES)
# Header unit marks -> fen per unit.
_UNITS = (
    (re.compile(r"\(万元\)$|_wan$"), 1_000_000),
    (re.compile(r"\(元\)$|_yuan$"), 100),
    (re.compile(r"\(分\)$|_fen$"), 1),
)

REASONS = {
    "unknown_merchant": _l("Unknown merchant (or not one of your branch's)."),
    "ambiguous_merchant": _l("Several merchants have this name: add the district or the merchant id."),
    "no_merchant": _l("Give the merchant id or the merchant name."),
    "name_mismatch": _l("Merchant %(id)s is called %(name)s, not %(given)s."),
    "bad_month": _l("The month is not a month (write it like 2026-10)."),
    "future_month": _l("The month %(month)s has not started yet."),
    "bad_number": _l("%(column)s: %(value)s is not a number."),
    "negative": _l("%(column)s cannot be negative."),
    "too_precise": _l("%(column)s: %(value)s has more decimals than a fen."),
    "too_large": _l("%(column)s: %(value)s is too large."),
    "not_whole": _l("%(column)s must be a whole number."),
    "duplicate": _l("Same merchant and month as line %(line)s."),
    "extra_values": _l("This line has more values than the header."),
}


def reason_text(reason: dict) -> str:
    template = REASONS.get(reason.get("code"), reason.get("code"))
    params = dict(reason.get("params") or {})
    if "column" in params:
        params["column"] = str(column_label(params["column"]))
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def column_label(key: str):
    from alliance.merchants.constants import FIGURE_LABELS, TRANSACTION_COUNT_LABEL, Figure

    if key == "transaction_count":
        return TRANSACTION_COUNT_LABEL
    try:
        return FIGURE_LABELS[Figure(key)]
    except ValueError:
        return key


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        {"file": [_l("The file is neither UTF-8 nor GBK text. Save it as CSV and try again.")]}
    )


def _normalise_header(cell: str) -> tuple[str | None, int]:
    text = (cell or "").strip().lower().replace(" ", "").replace("（", "(").replace("）", ")")
    per_unit = 100
    for pattern, fen in _UNITS:
        if pattern.search(text):
            text = pattern.sub("", text)
            per_unit = fen
            break
    return _ALIAS.get(text), per_unit


def _parse_money(raw: str, per_unit: int) -> tuple[int | None, str | None]:
    text = (raw or "").strip().replace(",", "").replace("¥", "").replace("￥", "").replace(" ", "")
    if text == "" or text == "-":
        return 0, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, "bad_number"
    if not value.is_finite():
        return None, "bad_number"
    if value < 0:
        return None, "negative"
    if value > MAX_FEN:  # compared before multiplying: 1e999999999 would overflow the arithmetic
        return None, "too_large"
    fen = value * per_unit
    if fen != fen.to_integral_value():
        return None, "too_precise"
    if fen > MAX_FEN:
        return None, "too_large"
    return int(fen), None


def _parse_count(raw: str) -> tuple[int | None, str | None]:
    text = (raw or "").strip().replace(",", "")
    if text == "" or text == "-":
        return 0, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, "bad_number"
    if not value.is_finite():
        return None, "bad_number"
    if value < 0:
        return None, "negative"
    if value > MAX_TRANSACTIONS:
        return None, "too_large"
    if value != value.to_integral_value():
        return None, "not_whole"
    return int(value), None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


class _Directory:
    """The merchants this staff member may import for, looked up by id, name and district."""

    def __init__(self, actor):
        rows = db.session.execute(
            sa.select(Merchant.id, Merchant.name, District.name, District.branch_id)
            .join(District, Merchant.district_id == District.id)
            .where(access.managed_clause(actor))
        ).all()
        self.by_id = {r[0]: r for r in rows}
        self.by_name: dict[str, list] = {}
        self.by_name_district: dict[tuple[str, str], list] = {}
        for r in rows:
            self.by_name.setdefault(r[1].strip(), []).append(r)
            self.by_name_district.setdefault((r[1].strip(), r[2].strip()), []).append(r)

    def find(self, merchant_id: str, name: str, district: str) -> tuple[tuple | None, dict | None]:
        merchant_id, name, district = (
            (merchant_id or "").strip(),
            read_cell(name),
            read_cell(district),
        )
        if merchant_id:
            # ASCII digits only ("²" is a digit to str.isdigit) and within the ids' range.
            plain = merchant_id.isascii() and merchant_id.isdigit() and len(merchant_id) <= 10
            found = self.by_id.get(int(merchant_id)) if plain else None
            if found is None:
                return None, {"code": "unknown_merchant"}
            if name and name != found[1].strip():
                return None, {
                    "code": "name_mismatch",
                    "params": {"id": found[0], "name": found[1], "given": name},
                }
            return found, None
        if not name:
            return None, {"code": "no_merchant"}
        matches = self.by_name_district.get((name, district), []) if district else self.by_name.get(name, [])
        if not matches:
            return None, {"code": "unknown_merchant"}
        if len(matches) > 1:
            return None, {"code": "ambiguous_merchant"}
        return matches[0], None


def parse(actor, raw: bytes) -> tuple[list[dict], list[dict], int]:
    """(valid rows, problems, number of data lines). File-level problems raise ValidationFailed."""
    access.managed_branch_ids(actor)
    text = _decode(raw)
    if not text.strip():
        raise ValidationFailed({"file": [_l("The file is empty.")]})
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ValidationFailed({"file": [_l("The file is not a CSV table.")]}) from exc
    columns: list[tuple[str | None, int]] = [_normalise_header(h) for h in header]
    keys = [k for k, _ in columns if k]
    doubled = [k for k, n in Counter(keys).items() if n > 1]
    if doubled:
        raise ValidationFailed(
            {
                "file": [
                    _l(
                        "These columns appear twice: %(cols)s.",
                        cols=", ".join(str(column_label(k)) for k in doubled),
                    )
                ]
            }
        )
    missing = [k for k in ("month", *MONEY_COLUMNS) if k not in keys]
    if "merchant_id" not in keys and "merchant_name" not in keys:
        missing.insert(0, "merchant_id")
    if missing:
        raise ValidationFailed(
            {
                "file": [
                    _l("Missing columns: %(cols)s.", cols=", ".join(str(column_label(k)) for k in missing))
                ]
            }
        )

    directory = _Directory(actor)
    this_month = current_month()
    valid: list[dict] = []
    problems: list[dict] = []
    seen: dict[tuple[int, str], int] = {}
    lines = 0
    try:
        for cells in reader:
            if not any((c or "").strip() for c in cells):
                continue
            lines += 1
            if lines > MAX_ROWS:
                raise ValidationFailed({"file": [_l("At most %(n)s rows per file.", n=MAX_ROWS)]})
            line = reader.line_num
            reasons: list[dict] = []
            values = {key: cells[i] if i < len(cells) else "" for i, (key, _) in enumerate(columns) if key}
            if len(cells) > len(header):
                reasons.append({"code": "extra_values"})
            found, problem = directory.find(
                values.get("merchant_id", ""), values.get("merchant_name", ""), values.get("district", "")
            )
            if problem:
                reasons.append(problem)
            month = parse_month(values.get("month"))
            if month is None:
                reasons.append({"code": "bad_month"})
            elif month > this_month:
                reasons.append({"code": "future_month", "params": {"month": month.strftime("%Y-%m")}})
            row: dict = {}
            for i, (key, per_unit) in enumerate(columns):
                if key not in (*MONEY_COLUMNS, "transaction_count"):
                    continue
                raw_value = cells[i] if i < len(cells) else ""
                if key == "transaction_count":
                    value, code = _parse_count(raw_value)
                else:
                    value, code = _parse_money(raw_value, per_unit)
                if code:
                    reasons.append({"code": code, "params": {"column": key, "value": raw_value.strip()[:40]}})
                else:
                    row[key] = value
            if found is not None and month is not None:
                key = (found[0], month.isoformat())
                if key in seen:
                    reasons.append({"code": "duplicate", "params": {"line": seen[key]}})
                else:
                    seen[key] = line
            if reasons:
                problems.append(
                    {
                        "line": line,
                        "values": [str(c)[:60] for c in cells[: len(header) + 2]],
                        "reasons": reasons,
                    }
                )
                continue
            valid.append(
                {
                    "line": line,
                    "merchant_id": found[0],
                    "merchant_name": found[1],
                    "branch_id": found[3],
                    "month": month.isoformat(),
                    **{c: row.get(c, 0) for c in (*MONEY_COLUMNS, "transaction_count")},
                }
            )
    except csv.Error as exc:
        raise ValidationFailed(
            {"file": [_l("The file is not a CSV table.")]}, message=_l("The file is not a CSV table.")
        ) from exc
    if lines == 0:
        raise ValidationFailed({"file": [_l("The file has a header but no rows.")]})
    return valid, problems, lines


def create_preview(actor, raw: bytes, filename: str | None = None) -> FigureImport:
    """Parse an uploaded file and keep the result for the staff member to confirm."""
    if not access.is_staff(actor):
        raise NotFound()
    valid, problems, lines = parse(actor, raw)
    cutoff = clock.now_utc() - PREVIEW_KEEP
    db.session.execute(
        sa.delete(FigureImport).where(FigureImport.status == "preview", FigureImport.created_at < cutoff)
    )
    batch = FigureImport(
        id=secrets.token_urlsafe(18),
        created_by_id=actor.id,
        filename=(filename or "")[:200] or None,
        status="preview",
        total_rows=lines,
        rows=valid,
        problems=problems,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def get_preview(actor, import_id: str) -> FigureImport:
    batch = db.session.get(FigureImport, import_id) if import_id else None
    if batch is None or actor is None or batch.created_by_id != actor.id:
        raise NotFound()
    return batch


def summary(batch: FigureImport) -> dict:
    """What confirming would do: months, merchants, and how many months replace existing ones."""
    months = sorted({r["month"] for r in batch.rows})
    merchants = {r["merchant_id"] for r in batch.rows}
    replacing = 0
    if months:
        existing = set(
            db.session.execute(
                sa.select(MerchantFigures.merchant_id, MerchantFigures.month).where(
                    MerchantFigures.month.in_([date.fromisoformat(m) for m in months])
                )
            ).all()
        )
        replacing = sum(
            1 for r in batch.rows if (r["merchant_id"], date.fromisoformat(r["month"])) in existing
        )
    return {
        "total": batch.total_rows,
        "valid": len(batch.rows),
        "bad": len(batch.problems),
        "months": months,
        "merchants": len(merchants),
        "replacing": replacing,
        "new": len(batch.rows) - replacing,
    }


JUMP_FACTOR = 10  # a figure ten times larger (or smaller) than last time is most likely a unit slip


def tier_changes(batch: FigureImport) -> list[dict]:
    """What confirming would do to tiers, before it is done: per merchant, the tier now and the tier its
    newest month in the file gives; and every figure that jumps tenfold against the merchant's figures
    already stored (元 typed as 万元, or the reverse)."""
    from alliance.merchants.tiers import Figures, tier_for

    newest: dict[int, dict] = {}
    for row in batch.rows:
        if row["merchant_id"] not in newest or row["month"] > newest[row["merchant_id"]]["month"]:
            newest[row["merchant_id"]] = row
    if not newest:
        return []
    merchants = {
        m.id: m for m in db.session.scalars(sa.select(Merchant).where(Merchant.id.in_(list(newest))))
    }
    previous: dict[int, MerchantFigures] = {}
    for stored in db.session.scalars(
        sa.select(MerchantFigures)
        .where(MerchantFigures.merchant_id.in_(list(newest)))
        .order_by(MerchantFigures.merchant_id, MerchantFigures.month)
    ):
        if stored.month.isoformat() < newest[stored.merchant_id]["month"]:
            previous[stored.merchant_id] = stored  # the latest month before the file's
    policies: dict[int, object] = {}
    out = []
    for merchant_id, row in sorted(newest.items(), key=lambda item: item[1]["line"]):
        merchant = merchants.get(merchant_id)
        if merchant is None:
            continue
        branch_id = row.get("branch_id")
        if branch_id not in policies:
            policies[branch_id] = tiering.as_policy(tiering.policy_row(branch_id)) if branch_id else None
        policy = policies[branch_id]
        after = (
            tier_for(Figures(**{c: int(row.get(c) or 0) for c in MONEY_COLUMNS}), policy) if policy else None
        )
        jumps = []
        before = previous.get(merchant_id)
        for column in MONEY_COLUMNS:
            old, new = int(getattr(before, column, 0) or 0) if before else 0, int(row.get(column) or 0)
            if old > 0 and new > 0 and (new >= old * JUMP_FACTOR or new * JUMP_FACTOR <= old):
                jumps.append({"figure": column, "before": old, "after": new})
        if (after and after != merchant.tier) or jumps:
            out.append(
                {
                    "line": row["line"],
                    "merchant": merchant.name,
                    "before": merchant.tier,
                    "after": after,
                    "changes": bool(after and after != merchant.tier),
                    "jumps": jumps,
                }
            )
    return out


def apply(actor, import_id: str, *, valid_only: bool = False) -> dict:
    """Write the previewed rows and re-tier the merchants concerned.

    A file with bad rows is written only when the staff member chose to import the valid rows only.
    """
    batch = get_preview(actor, import_id)
    if batch.status != "preview":
        raise InvalidState(_l("This import was already confirmed or discarded."))
    if batch.problems and not valid_only:
        raise InvalidState(
            _l("The file has bad rows: correct them and upload it again, or import only the valid rows.")
        )
    if not batch.rows:
        raise InvalidState(_l("There are no valid rows to import."))
    now = clock.now_utc()
    result = db.session.execute(
        sa.update(FigureImport)
        .where(FigureImport.id == batch.id, FigureImport.status == "preview")
        .values(status="applied", applied_at=now, applied_rows=len(batch.rows))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidState(_l("This import was already confirmed or discarded."))
    managed = access.managed_branch_ids(actor)
    rows = [
        {**r, "month": date.fromisoformat(r["month"])}
        for r in batch.rows
        if managed is None or r["branch_id"] in managed
    ]
    upsert(rows, actor=actor, source="import")
    by_branch: dict[int, set[int]] = {}
    for r in rows:
        by_branch.setdefault(r["branch_id"], set()).add(r["merchant_id"])
    months = sorted({r["month"].isoformat() for r in rows})
    for branch_id, ids in sorted(by_branch.items()):
        record(
            actor,
            "figures.import",
            db.session.get(Branch, branch_id),
            data={
                "import_id": batch.id,
                "filename": batch.filename,
                "rows": sum(1 for r in rows if r["branch_id"] == branch_id),
                "merchants": len(ids),
                "months": months,
                "skipped_bad_rows": len(batch.problems),
            },
        )
    merchant_ids = sorted({r["merchant_id"] for r in rows})
    changed = tiering.retier(actor, merchant_ids=merchant_ids, reason=TierChangeReason.FIGURES)
    db.session.expire(batch)
    return {
        "rows": len(rows),
        "merchants": len(merchant_ids),
        "tier_changes": changed,
        "skipped": len(batch.problems),
    }


def discard(actor, import_id: str) -> None:
    batch = get_preview(actor, import_id)
    db.session.execute(
        sa.update(FigureImport)
        .where(FigureImport.id == batch.id, FigureImport.status == "preview")
        .values(status="discarded")
        .execution_options(synchronize_session=False)
    )
    db.session.expire(batch)


TEMPLATE_HEADER = (
    "merchant_id",
    "merchant_name",
    "district",
    "month",
    *(f.replace("_fen", "") for f in MONEY_COLUMNS),
    "transaction_count",
)


# The same columns as they read in the Chinese UI (every one of them is an alias the import knows).
TEMPLATE_HEADER_ZH = (
    "商户编号",
    "商户名称",
    "商圈",
    "月份",
    "月日均资金(元)",
    "年收单额(元)",
    "年中收(元)",
    "个人经营贷授信(元)",
    "交易笔数",
)


def last_complete_month() -> date:
    """The month before this one: the latest whose figures are complete."""
    this = current_month()
    return (this - timedelta(days=1)).replace(day=1)


def template_csv(actor, *, chinese: bool = False) -> str:
    """A file to start from: the header (in the reader's language) and one row per merchant of the staff
    member's branch, for the last complete month."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER_ZH if chinese else TEMPLATE_HEADER)
    month = last_complete_month().strftime("%Y-%m")
    for mid, name, district in db.session.execute(
        sa.select(Merchant.id, Merchant.name, District.name)
        .join(District, Merchant.district_id == District.id)
        .where(access.managed_clause(actor))
        .order_by(District.name, Merchant.name)
    ):
        writer.writerow([mid, safe_cell(name), safe_cell(district), month, "", "", "", "", ""])
    return "\ufeff" + out.getvalue()

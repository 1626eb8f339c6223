"""Dashboard pages: the shop owner's figures, the till's closing summary, the branch staff's home; each
table downloadable as CSV or XLSX, each page printable."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.branches.services import list_branches
from alliance.core import clock
from alliance.core.extensions import db
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import roles_required
from alliance.merchants.constants import INDUSTRY_LABELS, TIERS
from alliance.merchants.views.common import branch_scope, district_choices
from mall.programme import services as programme
from mall.programme.constants import CAMPAIGN_KINDS
from mall.reports import charts, services, tables
from mall.reports.figures import Scope

bp = Blueprint("reports", __name__)

STAFF = ("staff", "admin")


def _shop_tables():
    home = services.merchant_home(current_user)
    return home, tables.merchant_tables(home)


@bp.route("/my-shop/dashboard")
@roles_required("merchant", "clerk")
def merchant_home():
    if current_user.role == "clerk":
        return redirect(url_for("till.console"))
    home, shown = _shop_tables()
    daily = home["daily"]
    labels = [row["period"][5:] for row in daily]
    money = lambda v: f"¥{v / 100:,.0f}"  # noqa: E731
    chart_days = charts.bars(
        str(_l("Claimed and redeemed per day")),
        labels,
        [
            charts.Series(str(_l("Claimed")), [r["claimed"] for r in daily], "#adb5bd"),
            charts.Series(str(_l("Redemptions")), [r["redeemed"] for r in daily], "#c8102e"),
        ],
    )
    chart_discount = charts.lines(
        str(_l("Discount given and order value per day")),
        labels,
        [
            charts.Series(str(_l("Order value redeemed")), [r["order_fen"] for r in daily], "#1864ab"),
            charts.Series(str(_l("Discount amount")), [r["discount_fen"] for r in daily], "#c8102e"),
        ],
        fmt=money,
    )
    return render_template(
        "mall/reports/merchant_home.html",
        home=home,
        tables={t.key: t for t in shown},
        chart_days=chart_days,
        chart_discount=chart_discount,
    )


@bp.route("/my-shop/dashboard/<name>.<fmt>")
@roles_required("merchant")
def merchant_export(name: str, fmt: str):
    home, shown = _shop_tables()
    return _export(shown, name, fmt, f"shop-{home['merchant'].id}-{clock.local_today().isoformat()}")


@bp.route("/till/closing")
@roles_required("merchant", "clerk")
def closing():
    day = _day_arg("day")
    return render_template("mall/reports/closing.html", summary=services.closing_summary(current_user, day))


def _day_arg(name: str):
    from datetime import date

    raw = request.args.get(name, "")
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is None or day <= clock.local_today() else None


def _scope() -> Scope:
    def int_arg(name):
        value = request.args.get(name, "")
        return int(value) if value.isdigit() and len(value) < 10 else None

    industry = request.args.get("industry") or None
    tier = request.args.get("tier") or None
    return Scope(
        district_id=int_arg("district_id"),
        industry=industry if industry in INDUSTRY_LABELS else None,
        tier=tier if tier in TIERS else None,
        entry_id=int_arg("entry_id"),
    )


def _board():
    branch_id, branches = branch_scope()
    board = services.branch_dashboard(current_user, branch_id, _scope())
    shown = tables.branch_tables(board, lambda mid: url_for("merchants.staff_merchant", merchant_id=mid))
    return board, branches, shown


@bp.route("/staff/dashboard")
@roles_required(*STAFF)
def staff_home():
    board, branches, shown = _board()
    trend = board["trend"]
    this_month = [r for r in trend if r["day"] >= board["this_month_start"]]
    last_month = [r for r in trend if r["day"] < board["this_month_start"]]
    length = max(len(last_month), len(this_month))
    labels = [str(i + 1) for i in range(length)]
    chart_trend = charts.lines(
        str(_l("Redemptions per day: this month against last month")),
        labels,
        [
            charts.Series(str(_l("This month")), [r["redeemed"] for r in this_month], "#c8102e"),
            charts.Series(str(_l("Last month")), [r["redeemed"] for r in last_month], "#adb5bd"),
        ],
    )
    chart_discount = charts.bars(
        str(_l("Discount given per day this month")),
        [r["day"].strftime("%m-%d") for r in this_month],
        [charts.Series(str(_l("Discount amount")), [r["discount_fen"] for r in this_month], "#1864ab")],
        fmt=lambda v: f"¥{v / 100:,.0f}",
    )
    programme_rows = board["programme"]
    chart_programme = (
        charts.bars(
            str(_l("Themes and festivals: redeemed against expected")),
            [row["title"][:8] for row in programme_rows],
            [
                charts.Series(str(_l("Expected")), [r["baseline"] for r in programme_rows], "#adb5bd"),
                charts.Series(str(_l("Redemptions")), [r["redeemed"] for r in programme_rows], "#862e9c"),
            ],
        )
        if programme_rows
        else None
    )
    branch_id = board["branch"].id
    entries = [
        e for e in programme.list_entries(current_user, branch_id=branch_id) if e.kind in CAMPAIGN_KINDS
    ]
    return render_template(
        "mall/reports/staff_home.html",
        board=board,
        branches=branches,
        tables={t.key: t for t in shown},
        chart_trend=chart_trend,
        chart_discount=chart_discount,
        chart_programme=chart_programme,
        districts=district_choices(current_user, branch_id),
        industries=list(INDUSTRY_LABELS.items()),
        tiers=TIERS,
        entries=entries,
        printing=request.args.get("print") == "1",
        args={k: v for k, v in request.args.items() if k != "print"},
    )


@bp.route("/staff/dashboard/<name>.<fmt>")
@roles_required(*STAFF)
def staff_export(name: str, fmt: str):
    board, _branches, shown = _board()
    return _export(shown, name, fmt, f"branch-{board['branch'].id}-{clock.local_today().isoformat()}")


def _export(shown: list, name: str, fmt: str, stem: str):
    by_key = {t.key: t for t in shown}
    if fmt == "xlsx" and name == "all":
        return tables.xlsx_response(shown, stem)
    if name not in by_key or fmt not in ("csv", "xlsx"):
        abort(404)
    table = by_key[name]
    if fmt == "csv":
        return tables.csv_response(table, f"{stem}-{name}")
    return tables.xlsx_response([table], f"{stem}-{name}")


def landing_for(user) -> str | None:
    """Where a person lands after signing in: a trading shop's owner and clerks on the till (the
    owner's figures are a tab away), staff on the branch's dashboard."""
    role = getattr(user, "role", None)
    if role in ("merchant", "clerk"):
        from alliance.merchants.models import Merchant
        from alliance.merchants.services.membership import can_trade

        if can_trade(db.session.get(Merchant, user.merchant_id) if user.merchant_id else None):
            return url_for("till.console")
        return None
    if (role == "staff" and user.branch_id) or (role == "admin" and list_branches(user)):
        return url_for("reports.staff_home")
    return None


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "reports.merchant_home",
            _l("Figures"),
            "bar-chart-line",
            frozenset({"merchant"}),
            order=15,
            place="tab",
            prefix="/my-shop/dashboard",
        ),
    )
    add_nav(
        app,
        NavItem(
            "reports.staff_home",
            _l("Dashboard"),
            "speedometer2",
            frozenset(STAFF),
            order=5,
            prefix="/staff/dashboard",
        ),
    )
    app.extensions.setdefault("alliance.landing", []).append(landing_for)

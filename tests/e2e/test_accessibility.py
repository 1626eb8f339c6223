"""Accessibility (WCAG 2.1 AA): axe-core over every page that the browser tests visit, for every demo role,
in Chinese and English, on a phone and a desktop. No serious or critical violation may remain.

The demo data is the whole demo (wsgi.DEMO), so every page shows what a real visit shows: cards, tables,
vouchers in every state, the programme. The page must also raise no Content-Security-Policy violation.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.live import DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BLOCKING = {"serious", "critical"}


def _demo_pages(db) -> dict[str, list[str]]:
    from alliance.merchants.models import Merchant, Prospect
    from mall.coupons.models import Coupon
    from mall.programme.models import ProgrammeEntry
    from mall.vouchers.models import Voucher
    from wsgi import DEMO

    for step in DEMO:
        step()
    db.session.commit()
    coupon = db.session.scalar(sa.select(Coupon.id).where(Coupon.status == "approved").order_by(Coupon.id))
    shop = db.session.scalar(sa.select(Merchant.id).where(Merchant.status == "active").order_by(Merchant.id))
    voucher = db.session.scalar(sa.select(Voucher.id).where(Voucher.status == "active").order_by(Voucher.id))
    prospect = db.session.scalar(sa.select(Prospect.id).order_by(Prospect.id))
    entry = db.session.scalar(sa.select(ProgrammeEntry.id).order_by(ProgrammeEntry.id))
    public = ["/", "/mall", f"/mall/coupons/{coupon}", f"/mall/shops/{shop}", "/events", f"/shops/{shop}"]
    return {
        "": [*public, "/login", "/register", "/join"],
        "alice": [
            *public,
            "/wallet",
            f"/wallet/{voucher}",
            "/wallet/incentives",
            "/account",
            "/inbox",
            "/me/registrations",
            f"/events/entries/{entry}",
        ],
        "owner1": [
            "/till",
            "/till/today",
            "/my-shop",
            "/my-shop/profile",
            "/my-shop/clerks",
            "/merchant/coupons",
            "/merchant/coupons/new",
        ],
        "clerk1": ["/till", "/till/today"],
        "staff": [
            "/",
            "/staff/merchants/review",
            "/staff/coupons",
            "/staff/merchants",
            "/staff/pyramid",
            f"/staff/merchants/{shop}",
            "/staff/coverage",
            "/staff/prospects",
            f"/staff/prospects/{prospect}",
            "/staff/whitelist",
            "/staff/figures/import",
            "/staff/tier-policy",
            "/staff/service-levels",
            "/staff/programme/calendar",
            f"/staff/programme/entries/{entry}",
            "/staff/programme/checkin",
        ],
        "admin": ["/admin/scheduler", "/admin/users", "/admin/branches", "/admin/districts"],
    }


def _sign_in(pg, base: str, username: str) -> None:
    from alliance.branches.demo import DEMO_PASSWORD

    pg.goto(base + "/login")
    pg.fill("#username", username)
    pg.fill("#password", DEMO_PASSWORD)
    with pg.expect_navigation():
        pg.click("#submit")


@pytest.fixture
def demo_pages(app, db):
    pages = _demo_pages(db)
    db.session.commit()
    return pages


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("viewport_name", ["phone", "desktop"])
def test_no_serious_or_critical_violations_anywhere(demo_pages, live_server, browser, viewport_name, lang):
    from axe_playwright_python.sync_playwright import Axe

    pages = demo_pages
    viewport = {"phone": PHONE, "desktop": DESKTOP}[viewport_name]
    axe = Axe()
    base = live_server.url
    problems: list[str] = []
    visited = 0
    if True:
        if True:
            for user, paths in pages.items():
                pg = new_page(browser, viewport=viewport)
                csp: list[str] = []
                pg.on(
                    "console",
                    lambda msg, csp=csp: "Content Security Policy" in msg.text and csp.append(msg.text),
                )
                try:
                    pg.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                    if user:
                        _sign_in(pg, base, user)
                    for path in paths:
                        response = pg.goto(base + path)
                        assert response.status == 200, (user, path, response.status)
                        pg.wait_for_load_state("load")
                        visited += 1
                        result = axe.run(pg)
                        for v in result.response["violations"]:
                            if v["impact"] in BLOCKING:
                                targets = [n["target"] for n in v["nodes"][:3]]
                                problems.append(
                                    f"{viewport_name}/{lang}/{user or 'anonymous'} {path}: "
                                    f"{v['impact']} {v['id']} {targets}"
                                )
                    problems.extend(f"{viewport_name}/{lang}/{user} CSP: {m}" for m in csp)
                finally:
                    pg.context.close()
    print(f"axe: {visited} pages checked, {len(problems)} serious or critical violations")
    assert problems == [], "\n".join(problems)

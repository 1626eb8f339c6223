"""The coverage grid and the whitelist on a phone (390 px), in the browser: grid cells are touch
targets, the "other" column is headed and counted, and an opened reason box stays on the screen."""

import pytest

from tests.live import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_coverage_cells_are_touch_targets_and_other_is_counted(alliance_demo, live_server, page):
    sign_in(page, live_server, "staff")
    page.goto(live_server.url + "/staff/coverage")
    headings = page.locator("table.coverage thead th").all_inner_texts()
    assert [h.strip() for h in headings[-2:]] == ["其他", "合计"]
    sizes = page.evaluate(
        "[...document.querySelectorAll('table.coverage td a, table.coverage td > span')]"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert sizes and min(min(w, h) for w, h in sizes) >= 44
    # 大学城建材市场 is the only construction member, a shop of another type: its cell holds it.
    construction = page.locator("table.coverage tbody tr", has_text="建筑")
    assert construction.locator("a.cell-covered").inner_text().strip() == "1"
    assert page_width(page) <= 391, "the grid scrolls inside its own box, not the page"


def test_the_whitelist_reason_box_fits_a_phone(alliance_demo, live_server, page):
    sign_in(page, live_server, "staff")
    page.goto(live_server.url + "/staff/whitelist")
    page.locator("details.reason-action summary", has_text="加入").first.click()
    form = page.locator("details.reason-action[open] form")
    assert form.is_visible()
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page_width(page) <= 391

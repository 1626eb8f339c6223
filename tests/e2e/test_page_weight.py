"""Page weight: a first visit to the mall on a phone transfers under 150 KB, and the next page fetches
none of those files again (versioned URLs, cached for a year: no revalidation)."""

from __future__ import annotations

import pytest

from tests.live import new_page, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BUDGET = 150 * 1024


@pytest.fixture
def demo(app, db):
    import wsgi

    for step in wsgi.DEMO:
        step()
    db.session.commit()


class Network:
    """What Chromium fetched over the network (DevTools protocol), per page visit."""

    def __init__(self, page):
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.responses: dict[str, dict] = {}
        self.bytes: dict[str, int] = {}
        self.from_cache: set[str] = set()
        self.session.on("Network.responseReceived", self._response)
        self.session.on("Network.loadingFinished", self._finished)
        self.session.on("Network.requestServedFromCache", lambda e: self.from_cache.add(e["requestId"]))

    def _response(self, event):
        self.responses[event["requestId"]] = event["response"]

    def _finished(self, event):
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])

    def reset(self):
        self.responses.clear()
        self.bytes.clear()
        self.from_cache.clear()

    def fetched(self) -> dict[str, tuple[int, int]]:
        """url → (status, bytes on the wire) of what came over the network (not from a cache)."""
        return {
            r["url"]: (r["status"], self.bytes.get(rid, 0))
            for rid, r in self.responses.items()
            if rid not in self.from_cache and not r.get("fromDiskCache") and not r.get("fromMemoryCache")
        }


def test_the_mall_is_light_on_a_phone_and_the_next_page_revalidates_nothing(live_server, browser, demo):
    page = new_page(browser)
    try:
        network = Network(page)
        page.goto(live_server.url + "/mall", wait_until="networkidle")
        page.evaluate("document.fonts.ready")
        first = network.fetched()
        total = sum(size for _, size in first.values())
        report = "\n".join(f"{size:>7} {status} {url}" for url, (status, size) in sorted(first.items()))
        print(f"first visit to /mall: {total / 1024:.1f} KB transferred in {len(first)} requests\n{report}")
        assert total < BUDGET, report
        statics = {url for url in first if "/static/" in url}
        assert any("/static/build/bootstrap.css?v=" in u for u in statics), report
        assert any("/static/build/icons.woff2?v=" in u for u in statics), "the icon font is used"
        assert all("/bootstrap/static/" not in u for u in first), "Bootstrap comes from the build"
        for url, (status, _) in first.items():
            assert status == 200, (url, status)
        styled = page.evaluate("getComputedStyle(document.querySelector('.btn')).display")
        assert styled in ("inline-block", "block", "flex", "inline-flex")
        assert page.evaluate("document.fonts.check('16px bootstrap-icons')")
        screenshot(page, "page-weight-mall-first-visit", full_page=False)

        network.reset()
        page.click(".tabbar a[href='/']")
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready")
        # The favicon is left out: Chromium's favicon loader fetches it per page outside the page's cache.
        second = {url: got for url, got in network.fetched().items() if "favicon" not in url}
        again = sorted(url for url in second if url in statics)
        revalidated = sorted(url for url, (status, _) in second.items() if status == 304)
        assert again == [] and revalidated == [], (again, revalidated)
        assert all("/static/" not in url or url not in first for url in second)
        assert page.evaluate("document.fonts.check('16px bootstrap-icons')")
        screenshot(page, "page-weight-home-second-page", full_page=False)
    finally:
        page.context.close()

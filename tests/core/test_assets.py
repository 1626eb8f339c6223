"""Static assets: only what the pages use, compressed, cached for a year behind versioned URLs."""

from __future__ import annotations

import gzip
import io
import json
import re

import brotli
from fontTools.ttLib import TTFont

from alliance.core import assets


def test_the_build_keeps_only_the_classes_and_icons_the_sources_name(tmp_path):
    usage = assets.Usage(
        [
            '<i class="bi-shop"></i><a class="btn btn-{{ tone }}">',
            "tone = 'primary'",
            "NavItem('x.y', _l('Mall'), 'ticket-perforated', ROLES)",
            "{{ empty_state(text, icon='inbox') }}",
            "<i class=\"bi-caret-{{ 'down' if x else 'up' }}-fill\"></i>",
        ]
    )
    assert usage.uses_class("btn") and usage.uses_class("btn-primary")
    assert not usage.uses_class("btn-danger") and not usage.uses_class("carousel")
    assert {
        n
        for n in ("shop", "ticket-perforated", "inbox", "caret-down-fill", "caret-up-fill")
        if usage.uses_icon(n)
    } == {
        "shop",
        "ticket-perforated",
        "inbox",
        "caret-down-fill",
        "caret-up-fill",
    }
    assert not usage.uses_icon("bug") and not usage.uses_icon("shop-fill")
    css = (
        ".btn{a:1}.btn-primary,.btn-danger{b:2}.carousel .x{c:3}"
        "@media (min-width:1px){.btn-danger{d:4}.btn{e:5}}:root{--x:1}"
    )
    assert (
        assets.purge_css(css, usage)
        == ".btn{a:1}.btn-primary{b:2}@media (min-width:1px){.btn{e:5}}:root{--x:1}"
    )

    result = assets.build(tmp_path)
    sizes = result["sizes"]
    full = {k: p.stat().st_size for k, p in assets.package_files().items()}
    assert sizes["bootstrap.css"] < full["css"] * 0.5
    assert sizes["icons.woff2"] < full["icons_font"] * 0.1
    assert {"shop", "ticket-perforated", "qr-code-scan", "person"} <= set(result["icons"])
    assert len(result["icons"]) < 120
    font = TTFont(io.BytesIO((tmp_path / "icons.woff2").read_bytes()))
    assert len(font.getBestCmap()) == len(result["icons"])
    icons_css = (tmp_path / "icons.css").read_text()
    assert ".bi-shop::before" in icons_css and ".bi-bug::before" not in icons_css
    version = re.search(r'icons\.woff2\?v=([0-9a-f]+)"', icons_css).group(1)
    assert len(version) == 12
    built_css = (tmp_path / "bootstrap.css").read_text()
    for needed in (".btn{", ".navbar", ".card{", ".form-control{", ".dropdown-menu", ".d-grid{", ".badge{"):
        assert needed in built_css, needed
    assert ".carousel" not in built_css and ".accordion-button" not in built_css
    assert json.loads((tmp_path / "sources.json").read_text())["fingerprint"]


def test_static_urls_are_versioned_and_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any(u.startswith("/static/build/bootstrap.css?v=") for u in urls)
    assert any(u.startswith("/static/build/bootstrap.js?v=") for u in urls)
    assert "/bootstrap/static/" not in page
    assert all("?v=" in u for u in urls), urls
    for url in urls:
        with client.get(url) as answer:
            assert answer.status_code == 200, url
            assert answer.cache_control.max_age == assets.YEAR and answer.cache_control.immutable, url
    with client.get("/static/css/app.css?v=000000000000") as stale:
        assert stale.status_code == 200 and stale.cache_control.max_age is None  # not kept for a year
    with client.get("/static/css/app.css") as unversioned:
        assert unversioned.cache_control.no_cache


def test_text_is_sent_compressed_to_browsers_that_accept_it(client):
    css_url = re.search(
        r'href="(/static/build/bootstrap.css\?v=[^"]+)"', client.get("/login").get_data(as_text=True)
    )
    with client.get(css_url.group(1)) as answer:
        plain = answer.data
    br = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.data) == plain and len(br.data) < len(plain) / 4
    gz = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(page.data)
    icons_url = re.search(
        r'"(/static/build/icons\.css\?v=[^"]+)"', client.get("/login").get_data(as_text=True)
    )
    with client.get(icons_url.group(1)) as icons:
        woff = re.search(r'url\("(icons\.woff2\?v=[0-9a-f]+)"\)', icons.get_data(as_text=True)).group(1)
    with client.get(f"/static/build/{woff}", headers={"Accept-Encoding": "br"}) as answer:
        assert answer.status_code == 200 and "Content-Encoding" not in answer.headers  # woff2 is compressed
        assert answer.cache_control.immutable

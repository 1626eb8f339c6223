"""Static assets: built at set-up from installed packages, served compressed behind versioned URLs.

`flask --app wsgi assets build` (run by `dev.py`) writes `static/build/`:
- `bootstrap.css`: Bootstrap-Flask's Bootstrap CSS without the rules whose classes no page uses;
- `icons.css` and `icons.woff2`: only the Bootstrap Icons the pages use (the font subset with fontTools);
- `bootstrap.js`: Popper and Bootstrap's JS in one file.
Which classes and icons are used is read from the templates, the Python and the JS sources (and
Bootstrap-Flask's macros, and the state classes Bootstrap's JS sets): every word there counts, so the
purge keeps too much rather than too little. A build older than its sources is redone on first use.

Every `url_for('static', ...)` carries `?v=<content hash>`; such a URL is cached for a year
(`immutable`), so the next page revalidates nothing. Text answers (pages, CSS, JS, SVG, JSON) are sent
with brotli or gzip when the browser accepts it; static files' compressed bytes are kept in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

import click
from flask import Flask, current_app, request, url_for
from flask.cli import AppGroup

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
BUILD = STATIC / "build"
STAMP = BUILD / "sources.json"
OUTPUTS = ("bootstrap.css", "icons.css", "icons.woff2", "bootstrap.js")
YEAR = 365 * 24 * 3600

COMPRESSIBLE = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "text/calendar",
    "text/plain",
    "text/csv",
}
MIN_SIZE = 512

_lock = threading.Lock()
_checked = False


# --- what the pages use ---------------------------------------------------------------------------


def _bootstrap_flask() -> Path:
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).resolve().parent


def package_files() -> dict[str, Path]:
    base = _bootstrap_flask() / "static" / "bootstrap5"
    return {
        "css": base / "css" / "bootstrap.min.css",
        "icons_css": base / "css" / "font" / "bootstrap-icons.min.css",
        "icons_font": base / "css" / "font" / "fonts" / "bootstrap-icons.woff2",
        "popper": base / "umd" / "popper.min.js",
        "js": base / "js" / "bootstrap.min.js",
    }


def source_files() -> list[Path]:
    """The files that may name a class or an icon: ours and Bootstrap-Flask's macros."""
    found: list[Path] = []
    for top in ("templates", "alliance", "mall"):
        for pattern in ("*.html", "*.py", "*.js"):
            found.extend(p for p in (ROOT / top).rglob(pattern) if "translations" not in p.parts)
    found.extend((STATIC / "js").rglob("*.js"))
    found.extend((_bootstrap_flask() / "templates" / "bootstrap5").glob("*.html"))
    return sorted(set(found))


# The classes Bootstrap's JS puts on elements as they open, close and move (its source names every
# component, so it is not read as a source).
BOOTSTRAP_JS_STATES = """
show showing hiding fade collapse collapsing collapse-horizontal active disabled modal-open
modal-backdrop modal-static offcanvas-backdrop dropdown-menu-end dropdown-menu-start dropup dropend
dropstart was-validated is-invalid is-valid
"""


def fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\n".encode())
    for path in package_files().values():
        digest.update(f"{path}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()


WORD = re.compile(r"[A-Za-z0-9_-]+")
QUOTED = re.compile(r"""["']([a-z0-9][a-z0-9-]*)["']""")
# Icons named without `bi-`: `icon='inbox'` (and `"icon": ...`), and the icon of a `NavItem(...)`.
ICON_ARGUMENT = re.compile(r"""icon\w*["']?\s*[:=]\s*["']([a-z0-9-]+)["']""")
NAV_ITEM = re.compile(r"NavItem\(")


class Usage:
    """Words of the sources, and the fragments that build names (`btn-{{ x }}`, `f"text-bg-{tone}"`)."""

    def __init__(self, texts: list[str]):
        self.words: set[str] = set()
        self.icon_names: set[str] = set()
        for text in texts:
            self.words.update(WORD.findall(text))
            self.icon_names.update(ICON_ARGUMENT.findall(text))
            for call in NAV_ITEM.finditer(text):
                self.icon_names.update(QUOTED.findall(text[call.end() : call.end() + 300]))
        self.prefixes = {w for w in self.words if w.endswith("-") and len(w) > 2}
        self.suffixes = {w for w in self.words if w.startswith("-") and len(w) > 2}

    def composed(self, name: str, prefixes: set[str]) -> bool:
        """`name` is a prefix fragment + a word (+ a suffix fragment)."""
        for prefix in prefixes:
            if name.startswith(prefix):
                rest = name[len(prefix) :]
                if rest in self.words:
                    return True
                if any(rest.endswith(s) and rest[: -len(s)] in self.words for s in self.suffixes):
                    return True
        return False

    def uses_class(self, name: str) -> bool:
        return name in self.words or self.composed(name, self.prefixes)

    def uses_icon(self, name: str) -> bool:
        icon_prefixes = {p[3:] for p in self.prefixes if p.startswith("bi-") and len(p) > 3}
        return f"bi-{name}" in self.words or name in self.icon_names or self.composed(name, icon_prefixes)


def read_usage(files: list[Path]) -> Usage:
    return Usage([p.read_text(encoding="utf-8", errors="replace") for p in files] + [BOOTSTRAP_JS_STATES])


# --- the build ------------------------------------------------------------------------------------

CLASS = re.compile(r"\.((?:[A-Za-z0-9_-]|\\.)+)")


def _selector_classes(selector: str) -> list[str]:
    selector = re.sub(r":not\([^)]*\)", "", selector)  # `:not(.x)` does not need .x to exist
    return [c.replace("\\", "") for c in CLASS.findall(selector)]


def purge_css(css: str, usage: Usage) -> str:
    """The stylesheet without the selectors that name a class no source uses."""
    import tinycss2

    def keep_rules(rules) -> str:
        out: list[str] = []
        for rule in rules:
            if rule.type == "qualified-rule":
                selectors = [s.strip() for s in _split_selectors(tinycss2.serialize(rule.prelude))]
                kept = [s for s in selectors if all(usage.uses_class(c) for c in _selector_classes(s))]
                if kept:
                    out.append(",".join(kept) + "{" + tinycss2.serialize(rule.content).strip() + "}")
            elif rule.type == "at-rule":
                keyword = rule.lower_at_keyword
                prelude = tinycss2.serialize(rule.prelude).strip()
                if keyword in ("media", "supports", "container", "layer") and rule.content is not None:
                    inner = keep_rules(tinycss2.parse_rule_list(rule.content, skip_whitespace=True))
                    if inner:
                        out.append(f"@{keyword} {prelude}{{{inner}}}")
                elif rule.content is None:
                    out.append(f"@{keyword} {prelude};")
                else:
                    out.append(f"@{keyword} {prelude}{{{tinycss2.serialize(rule.content).strip()}}}")
        return "".join(out)

    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    return keep_rules(rules)


def _split_selectors(prelude: str) -> list[str]:
    """Split a selector list on top-level commas (not those inside `:is(...)` and the like)."""
    parts, depth, current = [], 0, []
    for char in prelude:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


ICON_RULE = re.compile(r'\.bi-([a-z0-9-]+)::before\{content:"\\([0-9a-f]+)"\}')


def build_icons(usage: Usage, icons_css: str, font: bytes) -> tuple[str, bytes, list[str]]:
    """The icon font with only the used glyphs, and the CSS for them."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    codes = {name: int(code, 16) for name, code in ICON_RULE.findall(icons_css)}
    used = sorted(name for name in codes if usage.uses_icon(name))
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.name_IDs = []
    options.notdef_outline = False
    options.hinting = False
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # its notes on dropped tables
    face = TTFont(io.BytesIO(font))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[codes[name] for name in used])
    subsetter.subset(face)
    out = io.BytesIO()
    face.flavor = "woff2"
    face.save(out)
    font_bytes = out.getvalue()
    version = hashlib.sha256(font_bytes).hexdigest()[:12]
    base = re.search(r"\.bi::before,[^{]*\{[^}]*\}", icons_css).group(0)
    css = (
        "@font-face{font-display:block;font-family:bootstrap-icons;"
        f'src:url("icons.woff2?v={version}") format("woff2")}}'
        + base
        + "".join(f'.bi-{name}::before{{content:"\\{codes[name]:x}"}}' for name in used)
    )
    return css, font_bytes, used


def build(out: Path = BUILD) -> dict:
    """Write the built assets into `out`; answer what was built and how big it is."""
    files = source_files()
    usage = read_usage(files)
    pkg = package_files()
    css = purge_css(pkg["css"].read_text(encoding="utf-8"), usage)
    icons_css, font, icons = build_icons(
        usage, pkg["icons_css"].read_text(encoding="utf-8"), pkg["icons_font"].read_bytes()
    )
    js = "\n".join(
        re.sub(r"//# sourceMappingURL=\S+", "", pkg[name].read_text(encoding="utf-8")).strip()
        for name in ("popper", "js")
    )
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "bootstrap.css": css.encode(),
        "icons.css": icons_css.encode(),
        "icons.woff2": font,
        "bootstrap.js": js.encode(),
    }
    for name, data in written.items():
        temporary = out / f".{name}.{os.getpid()}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, out / name)
    stamp = out / STAMP.name
    temporary = out / f".{STAMP.name}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({"fingerprint": fingerprint(files), "icons": icons}))
    os.replace(temporary, stamp)
    return {"sizes": {name: len(data) for name, data in written.items()}, "icons": icons}


def ensure_built() -> None:
    """Build once per process when the build is missing or older than its sources."""
    global _checked
    if _checked:
        return
    with _lock:
        if _checked:
            return
        try:
            current = json.loads(STAMP.read_text()).get("fingerprint")
        except (OSError, ValueError):
            current = None
        if current != fingerprint(source_files()) or not all((BUILD / n).exists() for n in OUTPUTS):
            log.info("building static assets into %s", BUILD)
            build()
        _checked = True


# --- serving --------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _hash_of(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def version(filename: str) -> str | None:
    path = STATIC / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _hash_of(str(path), stat.st_mtime_ns, stat.st_size)


def asset_url(name: str) -> str:
    """The versioned URL of a built asset (`bootstrap.css`, `icons.css`, `bootstrap.js`)."""
    ensure_built()
    return url_for("static", filename=f"build/{name}")


def _version_static_urls(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        found = version(values["filename"])
        if found:
            values["v"] = found


def _cache_static(response):
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    wanted = request.args.get("v")
    if wanted and wanted == version(request.view_args.get("filename", "")):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


_compressed: dict[tuple, bytes] = {}


def _encoding() -> str | None:
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _compress(data: bytes, encoding: str, static: bool) -> bytes:
    if encoding == "br":
        import brotli

        return brotli.compress(data, quality=11 if static else 5)
    return gzip.compress(data, compresslevel=9 if static else 6, mtime=0)


def _compress_response(response):
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or request.method == "HEAD"
        or (response.is_streamed and not response.direct_passthrough)
    ):
        return response
    encoding = _encoding()
    if encoding is None:
        return response
    static = request.endpoint == "static"
    if response.direct_passthrough:  # a file being sent: read it whole, and close it now
        chunks = response.response
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        response.direct_passthrough = False
        response.set_data(data)
    else:
        data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    if static:
        key = (request.path, response.headers.get("ETag"), len(data), encoding)
        body = _compressed.get(key)
        if body is None:
            body = _compressed[key] = _compress(data, encoding, static=True)
    else:
        body = _compress(data, encoding, static=False)
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    if response.headers.get("ETag"):
        tag, weak = response.get_etag()
        response.set_etag(f"{tag}-{encoding}", weak=weak)
    return response


def register(app: Flask) -> None:
    app.url_defaults(_version_static_urls)
    app.after_request(_compress_response)
    app.after_request(_cache_static)  # runs first (after_request runs in reverse order)
    app.jinja_env.globals.update(asset_url=asset_url)


assets_cli = AppGroup("assets", help="Static assets.")


@assets_cli.command("build")
def build_command():
    """Build static/build/ (Bootstrap CSS and icons the pages use) from the installed packages."""
    result = build()
    sizes = ", ".join(f"{name} {size / 1024:.1f} KB" for name, size in result["sizes"].items())
    click.echo(f"built {BUILD.relative_to(ROOT)}: {sizes}; {len(result['icons'])} icons")
    current_app.logger.debug("icons: %s", result["icons"])

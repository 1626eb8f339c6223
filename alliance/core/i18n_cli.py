"""`flask i18n extract|update|compile|check`: one catalog per feature, in `<package>/translations`.

A catalog's sources are its package's Python files and `templates/<package path>/`; the core catalog
also owns the shared templates (base.html, _macros/, errors/).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

from alliance.core.config import ROOT

LOCALE = "zh"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
JINJA_OPTIONS = {"trimmed": "true", "extensions": "jinja2.ext.do"}

i18n_cli = AppGroup("i18n", help="Extract, update, compile and check the translation catalogs.")


def catalogs() -> list[Path]:
    """Package folders that own a catalog (those with a translations/ folder)."""
    found = []
    for top in ("alliance", "mall"):
        found.extend(p.parent for p in (ROOT / top).glob("**/translations") if p.is_dir())
    return sorted(found)


def _sources(package: Path) -> list[tuple[str, Path]]:
    rel = package.relative_to(ROOT)
    files: list[tuple[str, Path]] = []
    for py in sorted(package.rglob("*.py")):
        if "translations" not in py.parts:
            files.append(("python", py))
    tpl_root = ROOT / "templates"
    tpl_dirs = [tpl_root / rel]
    if rel == Path("alliance/core"):
        files.extend(("jinja2.ext:babel_extract", t) for t in sorted(tpl_root.glob("*.html")))
        tpl_dirs += [tpl_root / "_macros", tpl_root / "errors"]
    for d in tpl_dirs:
        if d.is_dir():
            files.extend(("jinja2.ext:babel_extract", t) for t in sorted(d.rglob("*.html")))
    return files


def extract(package: Path) -> Catalog:
    catalog = Catalog(project="alliance", charset="utf-8")
    for method, path in _sources(package):
        options = JINJA_OPTIONS if method.startswith("jinja2") else {}
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            catalog.add(
                message,
                None,
                [(str(path.relative_to(ROOT)), lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def _po_path(package: Path) -> Path:
    return package / "translations" / LOCALE / "LC_MESSAGES" / "messages.po"


def update(package: Path) -> Path:
    template = extract(package)
    po = _po_path(package)
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=LOCALE)
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        catalog.creation_date = created  # unchanged, so that catalogs differ only where messages do
    else:
        catalog = Catalog(locale=LOCALE, project="alliance", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
    po.parent.mkdir(parents=True, exist_ok=True)
    buf = BytesIO()
    # Files without line numbers: a message moves only when its text or its file changes.
    write_po(
        buf,
        catalog,
        width=100,
        omit_header=False,
        sort_output=True,
        ignore_obsolete=True,
        include_lineno=False,
    )
    po.write_bytes(buf.getvalue())
    return po


def compile_all() -> list[Path]:
    written = []
    for package in catalogs():
        po = _po_path(package)
        if not po.exists():
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=LOCALE)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def missing_translations() -> dict[str, list[str]]:
    """Per catalog, the source strings with no Chinese translation (empty, fuzzy or absent)."""
    problems: dict[str, list[str]] = {}
    for package in catalogs():
        template = extract(package)
        po = _po_path(package)
        translated: dict = {}
        if po.exists():
            with po.open("rb") as fh:
                for msg in read_po(fh, locale=LOCALE):
                    if msg.id and not msg.fuzzy:
                        ok = all(msg.string) if isinstance(msg.string, tuple) else bool(msg.string)
                        if ok:
                            translated[(msg.id, msg.context)] = True
        missing = [str(m.id) for m in template if m.id and (m.id, m.context) not in translated]
        if missing:
            problems[str(package.relative_to(ROOT))] = missing
    return problems


def inconsistent_translations() -> dict[str, set[str]]:
    """Catalogs are merged at run time, so one English string must mean one Chinese string."""
    seen: dict[str, set[str]] = {}
    for package in catalogs():
        po = _po_path(package)
        if not po.exists():
            continue
        with po.open("rb") as fh:
            for msg in read_po(fh, locale=LOCALE):
                if msg.id and msg.string and not msg.context:
                    key = msg.id if isinstance(msg.id, str) else msg.id[0]
                    value = msg.string if isinstance(msg.string, str) else msg.string[0]
                    seen.setdefault(key, set()).add(value)
    return {k: v for k, v in seen.items() if len(v) > 1}


@i18n_cli.command("update")
def update_cmd():
    """Re-extract every catalog and merge new strings into its zh .po file."""
    for package in catalogs():
        click.echo(f"updated {update(package).relative_to(ROOT)}")


@i18n_cli.command("compile")
def compile_cmd():
    """Compile every .po into the .mo the application reads."""
    for mo in compile_all():
        click.echo(f"compiled {mo.relative_to(ROOT)}")


@i18n_cli.command("check")
def check_cmd():
    """Fail when a user-facing string has no Chinese translation."""
    problems = missing_translations()
    for where, ids in problems.items():
        for msgid in ids:
            click.echo(f"{where}: {msgid!r}")
    clashes = inconsistent_translations()
    for msgid, values in clashes.items():
        click.echo(f"{msgid!r} is translated differently in two catalogs: {sorted(values)}")
    if problems or clashes:
        raise SystemExit(1)
    click.echo("every string is translated, consistently")

"""Language and display: the locale of each request, and Jinja filters for money and local time."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime, format_time
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale

from alliance.core import clock
from alliance.core.money import format_fen

LANG_COOKIE = "lang"


def select_locale() -> str:
    """A chosen language (cookie) wins; the API also honours Accept-Language; else Chinese."""
    if not has_request_context():
        # Commands and jobs speak the source language, like the rest of their output; what they store
        # for people (notifications) is rendered later in each reader's language.
        return "en"
    languages = current_app.config["LANGUAGES"]
    chosen = getattr(g, "lang_override", None) or request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(list(languages))
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def _locale() -> str:
    return str(get_locale() or "zh")


def localtime(value: datetime | None, fmt: str = "medium") -> str:
    """Local date and time in the reader's language: 2026年12月3日 周四 14:02 / Thu, Dec 3, 2026 14:02;
    `short` drops the year (and weekday) within the current year: 12月3日 14:02."""
    if value is None:
        return ""
    local = clock.to_local(value)
    if fmt == "time":
        return format_time(local, "HH:mm", locale=_locale())
    zh = _locale() == "zh"
    if fmt == "short" and local.year == clock.to_local(clock.now_utc()).year:
        # within the year the year goes: 12月1日 14:24 / Dec 1, 14:24
        return format_datetime(local, "M月d日 HH:mm" if zh else "MMM d, HH:mm", locale=_locale())
    if fmt in ("medium", "short"):
        # one style everywhere: 2026年12月1日 周二 14:24 / Tue, Dec 1, 2026 14:24
        pattern = "y年M月d日 EEE HH:mm" if zh else "EEE, MMM d, y HH:mm"
        return format_datetime(local, pattern, locale=_locale())
    return format_datetime(local, fmt, locale=_locale())


def localdate(value: date | datetime | None, fmt: str = "full_short") -> str:
    """2026年12月3日 周三 / Thu, Dec 3, 2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.to_local(value).date()
    if fmt == "full_short":
        pattern = "y年M月d日 EEE" if _locale() == "zh" else "EEE, MMM d, y"
        return format_date(value, pattern, locale=_locale())
    if fmt == "month":
        pattern = "y年M月" if _locale() == "zh" else "MMMM y"
        return format_date(value, pattern, locale=_locale())
    return format_date(value, fmt, locale=_locale())


def isoformat_local(value: datetime | None) -> str | None:
    """ISO 8601 with offset in the configured zone (the API's time format)."""
    if value is None:
        return None
    return clock.to_local(value).isoformat()


def register_filters(app) -> None:
    app.jinja_env.filters["money"] = format_fen
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = localdate

"""Recurrence: RFC 5545 RRULEs built from plain choices, described in words, expanded in local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]  # ISO 1–7 order
WEEKDAY_LABELS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
ORDINAL_LABELS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), -1: _l("last")}

# The plain choices staff pick from; each becomes an RRULE.
NONE, DAILY, WEEKDAYS, WEEKLY, MONTHLY_NTH, MONTHLY_DAY = (
    "none",
    "daily",
    "weekdays",
    "weekly",
    "monthly_nth",
    "monthly_day",
)
CHOICES = [
    (NONE, _l("Does not repeat")),
    (DAILY, _l("Every day")),
    (WEEKDAYS, _l("Every weekday (Monday to Friday)")),
    (WEEKLY, _l("Every week on the chosen days")),
    (MONTHLY_NTH, _l("Monthly on the same weekday (e.g. first Monday)")),
    (MONTHLY_DAY, _l("Monthly on the same date")),
]

MAX_OCCURRENCES = 2000  # a guard against absurd ranges


class RecurrenceError(ValueError):
    """The recurrence cannot be built or read."""


def nth_weekday(day: date) -> int:
    """1 for the first Monday of its month, ... ; -1 when it is also the last (5th) one."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def build_rrule(
    choice: str,
    first_day: date,
    weekdays: list[int] | None = None,
    until: date | None = None,
    *,
    zone: ZoneInfo,
    day_end: time = time(23, 59, 59),
) -> str | None:
    """The RRULE for a plain choice, starting on `first_day`; `until` is the last local day (inclusive)."""
    if choice == NONE:
        return None
    if choice == DAILY:
        parts = ["FREQ=DAILY"]
    elif choice == WEEKDAYS:
        parts = ["FREQ=WEEKLY", "BYDAY=MO,TU,WE,TH,FR"]
    elif choice == WEEKLY:
        days = sorted(set(weekdays or [first_day.isoweekday()]))
        if any(d < 1 or d > 7 for d in days):
            raise RecurrenceError("weekday out of range")
        parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(WEEKDAY_CODES[d - 1] for d in days)]
    elif choice == MONTHLY_NTH:
        parts = ["FREQ=MONTHLY", f"BYDAY={nth_weekday(first_day):+d}{WEEKDAY_CODES[first_day.weekday()]}"]
    elif choice == MONTHLY_DAY:
        parts = ["FREQ=MONTHLY", f"BYMONTHDAY={first_day.day}"]
    else:
        raise RecurrenceError(f"unknown recurrence {choice!r}")
    if until is not None:
        # RFC 5545: with a zoned DTSTART, UNTIL is given in UTC.
        last = datetime.combine(until, day_end, tzinfo=zone).astimezone(UTC)
        parts.append("UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


@dataclass(frozen=True)
class Parsed:
    choice: str
    weekdays: list[int]
    until: date | None


def parse_rrule(rule: str | None, zone: ZoneInfo) -> Parsed:
    """The plain choice an RRULE corresponds to (for the edit form)."""
    if not rule:
        return Parsed(NONE, [], None)
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    until = None
    if "UNTIL" in fields:
        value = fields["UNTIL"]
        stamp = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S" if "T" in value else "%Y%m%d")
        until = stamp.replace(tzinfo=UTC).astimezone(zone).date() if value.endswith("Z") else stamp.date()
    freq, byday = fields.get("FREQ"), fields.get("BYDAY", "")
    codes = [c[-2:] for c in byday.split(",") if c]
    weekdays = [WEEKDAY_CODES.index(c) + 1 for c in codes if c in WEEKDAY_CODES]
    if freq == "DAILY":
        return Parsed(DAILY, [], until)
    if freq == "WEEKLY" and weekdays == [1, 2, 3, 4, 5]:
        return Parsed(WEEKDAYS, weekdays, until)
    if freq == "WEEKLY":
        return Parsed(WEEKLY, weekdays, until)
    if freq == "MONTHLY" and byday:
        return Parsed(MONTHLY_NTH, weekdays, until)
    if freq == "MONTHLY":
        return Parsed(MONTHLY_DAY, [], until)
    return Parsed(WEEKLY, weekdays, until)


# RRULE parts the plain words can say; any other part (COUNT, BYSETPOS, BYMONTH, ...) cannot.
_PLAIN_PARTS = {"FREQ", "BYDAY", "BYMONTHDAY", "UNTIL", "WKST", "INTERVAL"}


def _plain_days(byday: str) -> list[int] | None:
    """ISO weekdays of a BYDAY without ordinals ("TU,TH" -> [2, 4]); None when it has ordinals."""
    codes = [c for c in byday.split(",") if c]
    if any(c not in WEEKDAY_CODES for c in codes):
        return None
    return sorted({WEEKDAY_CODES.index(c) + 1 for c in codes})


def describe(rule: str | None, first_local: datetime) -> str | None:
    """The recurrence in words, in the reader's language: 每周二, 每个工作日, 每月第一个周一, 每天.

    None for a rule the plain choices cannot say (every other week, a count, a set position, ...,
    as the API may store): the reader is then shown the rule as written.
    """
    from flask_babel import gettext as _

    if not rule:
        return _("Once")
    try:
        fields = dict(part.upper().split("=", 1) for part in rule.split(";") if part)
        until = parse_rrule(rule, first_local.tzinfo).until
    except ValueError:
        return None
    if set(fields) - _PLAIN_PARTS or fields.get("INTERVAL", "1") != "1":
        return None
    freq, byday, bymonthday = fields.get("FREQ"), fields.get("BYDAY"), fields.get("BYMONTHDAY")
    if freq == "DAILY" and not byday and not bymonthday:
        text = _("Every day")
    elif freq in ("DAILY", "WEEKLY") and not bymonthday:
        days = _plain_days(byday) if byday else [first_local.isoweekday()]
        if not days:
            return None
        if days == [1, 2, 3, 4, 5]:
            text = _("Every weekday")
        else:
            from babel.lists import format_list
            from flask_babel import get_locale

            names = [str(WEEKDAY_LABELS[d - 1]) for d in days]
            locale = str(get_locale() or "zh")
            text = _("Every %(days)s", days=format_list(names, style="standard", locale=locale))
    elif freq == "MONTHLY" and byday and not bymonthday:
        ordinal, code = byday[:-2].lstrip("+"), byday[-2:]
        if code not in WEEKDAY_CODES or ordinal not in ("1", "2", "3", "4", "-1"):
            return None
        text = _(
            "The %(nth)s %(day)s of every month",
            nth=ORDINAL_LABELS[int(ordinal)],
            day=WEEKDAY_LABELS[WEEKDAY_CODES.index(code)],
        )
    elif freq == "MONTHLY" and not byday:
        day = int(bymonthday) if bymonthday and bymonthday.isdigit() else None
        if bymonthday and not (day and 1 <= day <= 31):
            return None
        text = _("Day %(day)s of every month", day=day or first_local.day)
    else:
        return None
    if until:
        from alliance.core.i18n import localdate

        text += _(", until %(day)s", day=localdate(until))
    return text


def occurrence_starts(
    dtstart_utc: datetime,
    rule: str | None,
    zone: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
) -> list[datetime]:
    """UTC starts of the occurrences overlapping [window_start, window_end), expanded in wall time."""
    first_local = dtstart_utc.astimezone(zone)
    if not rule:
        return [dtstart_utc] if dtstart_utc < window_end and dtstart_utc + duration > window_start else []
    try:
        series = rrulestr(rule, dtstart=first_local)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(str(exc)) from exc
    lo = (window_start - duration).astimezone(zone)
    hi = window_end.astimezone(zone)
    found = []
    for local in series.xafter(lo, count=MAX_OCCURRENCES, inc=False):
        if local >= hi:
            break
        # dateutil keeps the wall time and the zone: the offset of each date is its own (DST).
        start = local.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)
        if start + duration > window_start:
            found.append(start)
    return found


def first_occurrence_start(dtstart_utc: datetime, rule: str | None, zone: ZoneInfo) -> datetime | None:
    """The start of the first occurrence: DTSTART itself only when the rule matches it.

    RFC 5545 counts DTSTART as the first instance whatever the rule says (dateutil does not), so a
    feed must start a series here, or calendar apps show a day that the programme does not have."""
    if not rule:
        return dtstart_utc
    try:
        first = next(iter(rrulestr(rule, dtstart=dtstart_utc.astimezone(zone))), None)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(str(exc)) from exc
    if first is None:
        return None
    return first.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def last_occurrence_start(dtstart_utc: datetime, rule: str | None, zone: ZoneInfo) -> datetime | None:
    """The start of the last occurrence, or None when the series never ends."""
    if not rule:
        return dtstart_utc
    if "UNTIL=" not in rule and "COUNT=" not in rule:
        return None
    try:
        series = rrulestr(rule, dtstart=dtstart_utc.astimezone(zone))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(str(exc)) from exc
    last = None
    for n, local in enumerate(series):
        last = local
        if n >= 20000:
            break
    if last is None:
        return None
    return last.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def validate_rrule(rule: str, dtstart_utc: datetime, zone: ZoneInfo) -> str:
    """A raw RRULE from the API: RFC 5545 syntax, no DTSTART inside, at least one occurrence."""
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if not rule or "\n" in rule or "DTSTART" in rule.upper():
        raise RecurrenceError("an RRULE line without DTSTART is expected")
    try:
        series = rrulestr(rule, dtstart=dtstart_utc.astimezone(zone))
        first = next(iter(series), None)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(str(exc)) from exc
    if first is None:
        raise RecurrenceError("the rule has no occurrence")
    return rule

"""Text that people and programs send in: control characters (NUL and the like) are refused everywhere.

One rule for API bodies (the marshmallow base schema), query strings (every request) and web forms
(the base form): a NUL cannot be stored on PostgreSQL and nothing else of that kind belongs in text.
Tab, line feed and carriage return stay allowed (multi-line descriptions, pasted tables).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

CONTROL_MESSAGE = _l("Must not contain control characters.")


def has_control_characters(value: object) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def bad_fields(pairs: Iterable[tuple[str, object]]) -> dict[str, list]:
    """{name: [message]} for every value (or list of values) that carries a control character."""
    found: dict[str, list] = {}
    for name, value in pairs:
        values = value if isinstance(value, list | tuple) else [value]
        if any(has_control_characters(v) for v in values) or has_control_characters(name):
            found[CONTROL_CHARACTERS.sub("?", str(name))] = [CONTROL_MESSAGE]
    return found

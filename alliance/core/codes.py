"""Short typeable codes: random from a CSPRNG, unambiguous characters, one check character.

The alphabet leaves out 0/O, 1/I/L so that a code read aloud or typed from a phone screen
survives. The check character is a weighted sum modulo 31 (a prime), which catches every single
wrong character and every swap of two neighbours.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
assert len(ALPHABET) == 31
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def check_char(body: str) -> str:
    total = sum((i + 2) * _INDEX[c] for i, c in enumerate(reversed(body)))
    return ALPHABET[total % 31]


def new_code(length: int) -> str:
    """`length - 1` random characters and the check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(length - 1))
    return body + check_char(body)


def normalise(text: str) -> str:
    """What a person typed -> the canonical code: upper case, without spaces or dashes."""
    return "".join((text or "").split()).upper().replace("-", "")


def is_well_formed(code: str, length: int) -> bool:
    if len(code) != length or any(c not in _INDEX for c in code):
        return False
    return check_char(code[:-1]) == code[-1]


def group(code: str, size: int = 4) -> str:
    """K7Q9M2XP -> K7Q9-M2XP, for display."""
    return "-".join(code[i : i + size] for i in range(0, len(code), size))

"""Checking what people type about a shop: names, vocabularies, lengths, phone numbers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from alliance.accounts.services import PHONE_RE
from alliance.branches.models import District
from alliance.core.errors import ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.constants import Industry, MerchantFormat, StoreType

LIMITS = {"name": 100, "address": 200, "phone": 32, "opening_hours": 100, "description": 1000}


def one_of_message(values) -> Any:
    return _l("Must be one of: %(choices)s.", choices=", ".join(str(v) for v in values))


def clean_text(value: Any, limit: int, fields: dict, name: str, *, required: bool = False) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        if required:
            fields.setdefault(name, []).append(_l("Please fill this in."))
        return None
    if len(text) > limit:
        fields.setdefault(name, []).append(_l("At most %(n)s characters.", n=limit))
    return text


def clean_choice(value: Any, allowed: type, fields: dict, name: str, *, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            fields.setdefault(name, []).append(_l("Please choose one."))
        return None
    values = [v.value for v in allowed]
    if value not in values:
        fields.setdefault(name, []).append(one_of_message(values))
        return None
    return str(value)


def clean_phone(value: Any, fields: dict, name: str = "phone") -> str | None:
    text = clean_text(value, LIMITS["phone"], fields, name)
    if text and not PHONE_RE.match(text):
        fields.setdefault(name, []).append(_l("Use digits, spaces and + - ( ) only."))
    return text


def clean_district(value: Any, fields: dict, name: str = "district_id") -> District | None:
    district = db.session.get(District, value) if isinstance(value, int) and value > 0 else None
    if district is None:
        fields.setdefault(name, []).append(_l("Choose one of the business districts."))
    return district


def clean_profile(data: dict, *, partial: bool = False) -> dict:
    """The shop's own details, cleaned; raises ValidationFailed with every field's problem at once.

    With `partial`, only the keys present in `data` are checked (a profile edit).
    """
    fields: dict[str, list] = {}
    out: dict[str, Any] = {}

    def wanted(key: str) -> bool:
        return not partial or key in data

    if wanted("name"):
        out["name"] = clean_text(data.get("name"), LIMITS["name"], fields, "name", required=True)
    if wanted("district_id"):
        district = clean_district(data.get("district_id"), fields)
        out["district_id"] = district.id if district else None
    if wanted("format"):
        out["format"] = clean_choice(data.get("format"), MerchantFormat, fields, "format")
    if wanted("industry"):
        out["industry"] = clean_choice(data.get("industry"), Industry, fields, "industry")
    if wanted("store_type"):
        out["store_type"] = clean_choice(
            data.get("store_type"), StoreType, fields, "store_type", required=False
        )
    for key in ("address", "opening_hours", "description"):
        if wanted(key):
            out[key] = clean_text(data.get(key), LIMITS[key], fields, key)
    if wanted("phone"):
        out["phone"] = clean_phone(data.get("phone"), fields)
    if fields:
        raise ValidationFailed(fields)
    return out


def require_reason(reason: str | None, fields_name: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({fields_name: [_l("Please give a reason.")]})
    if len(text) > 1000:
        raise ValidationFailed({fields_name: [_l("At most %(n)s characters.", n=1000)]})
    return text


def optional_reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > 1000:
        raise ValidationFailed({"reason": [_l("At most %(n)s characters.", n=1000)]})
    return text or None

"""What a shop's application tells the bank: the legal name, the unified social credit code
(统一社会信用代码, GB 32100-2015, checked by its check character), the business licence photo (checked as
the logo is, kept for staff only), the contact person and mobile number."""

from __future__ import annotations

import io
import os
import re
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from alliance.core.errors import ValidationFailed
from alliance.merchants.models import Merchant
from alliance.merchants.services.profiles import LOGO_FORMATS, LOGO_MAX_BYTES, LOGO_MAX_PIXELS

# GB 32100-2015: 18 characters from 0-9 and the capitals without I, O, S, V, Z; the 18th is a check character.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LICENCE_DIR = "licences"
LICENCE_LONG_SIDE = 1600  # px: readable, and a fraction of a phone photo's weight

TEXT_LIMITS = {"legal_name": 200, "contact_name": 64}


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def credit_code_error(code: str) -> str | None:
    """Why `code` is not a unified social credit code, in words; None when it is one."""
    if len(code) != 18:
        return _l("A unified social credit code has 18 characters.")
    if any(c not in CREDIT_ALPHABET for c in code):
        return _l("A unified social credit code uses digits and capital letters other than I, O, S, V and Z.")
    if credit_check_char(code[:17]) != code[17]:
        return _l(
            "The check character (the last one) does not match: this is not a valid unified social credit "
            "code. Please copy it again from the business licence."
        )
    return None


def clean_application(data: dict, *, required: bool = False) -> dict:
    """The application's own fields, trimmed and checked; field errors raise ValidationFailed together.
    `required` (the web form) asks for every one of them; the API keeps them optional."""
    clean: dict = {}
    errors: dict[str, list] = {}
    for key, limit in TEXT_LIMITS.items():
        value = (data.get(key) or "").strip()
        if len(value) > limit:
            errors[key] = [_l("At most %(n)s characters.", n=limit)]
        clean[key] = value or None
    code = normalise_credit_code(data.get("credit_code"))
    if code and (message := credit_code_error(code)):
        errors["credit_code"] = [message]
    clean["credit_code"] = code or None
    mobile = "".join((data.get("contact_mobile") or "").split()).replace("-", "")
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if mobile and not MOBILE.match(mobile):
        errors["contact_mobile"] = [_l("A mainland mobile number of 11 digits, starting with 1.")]
    clean["contact_mobile"] = mobile or None
    if required:
        for key in ("legal_name", "credit_code", "contact_name", "contact_mobile"):
            if not clean[key] and key not in errors:
                errors[key] = [_l("This field is required.")]
    if errors:
        raise ValidationFailed(errors)
    return clean


def _upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def read_licence(stream) -> Image.Image:
    """The licence photo, checked by content as the logo is (size, format, pixels), shrunk to be read."""
    data = stream.read(LOGO_MAX_BYTES + 1) if stream is not None else b""
    if not data:
        raise ValidationFailed({"licence": [_l("Add a photo of the business licence.")]})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationFailed({"licence": [_l("The image is larger than 2 MB.")]})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in LOGO_FORMATS:
            raise ValidationFailed({"licence": [_l("Use a PNG, JPEG, WebP or GIF image.")]})
        if width * height > LOGO_MAX_PIXELS:
            raise ValidationFailed({"licence": [_l("The image has too many pixels.")]})
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((LICENCE_LONG_SIDE, LICENCE_LONG_SIDE), Image.Resampling.LANCZOS)
            return image
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed({"licence": [_l("Use a PNG, JPEG, WebP or GIF image.")]}) from exc


def store_licence(merchant: Merchant, image: Image.Image) -> None:
    folder = _upload_root() / LICENCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{merchant.id}-{secrets.token_hex(8)}.webp"
    tmp = folder / f".{name}.tmp"
    image.save(tmp, "WEBP", quality=80, method=4)
    os.replace(tmp, folder / name)
    merchant.licence_path = f"{LICENCE_DIR}/{name}"


def licence_file(merchant: Merchant) -> Path | None:
    if not merchant.licence_path:
        return None
    path = (_upload_root() / merchant.licence_path).resolve()
    root = (_upload_root() / LICENCE_DIR).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path

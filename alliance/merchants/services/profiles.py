"""A shop's own page: its profile, its logo, and its clerks (who may only redeem)."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from alliance.accounts import services as accounts
from alliance.accounts.models import Role, User
from alliance.audit.services import record
from alliance.core.errors import Forbidden, NotFound, ValidationFailed
from alliance.core.extensions import db
from alliance.merchants.models import Merchant
from alliance.merchants.services import access
from alliance.merchants.services.validation import clean_profile

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIZE = 256  # px, square
LOGO_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
LOGO_DIR = "logos"

EDITABLE = ("name", "format", "industry", "store_type", "address", "phone", "opening_hours", "description")


def can_edit(user, merchant: Merchant) -> bool:
    return (
        user is not None and user.role == Role.MERCHANT and user.merchant_id == merchant.id
    ) or access.can_manage(user, merchant)


def update_profile(actor, merchant_id: int, data: dict) -> Merchant:
    """The owner (or staff of its branch) edits the shop's details."""
    merchant = access.get_visible(merchant_id, actor)
    if not can_edit(actor, merchant):
        raise Forbidden()
    values = clean_profile({k: v for k, v in data.items() if k in EDITABLE}, partial=True)
    before = {k: getattr(merchant, k) for k in values}
    for key, value in values.items():
        setattr(merchant, key, value)
    db.session.flush()
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    if changed:
        record(actor, "merchant.profile", merchant, data={"changed": sorted(changed)})
    return merchant


def _upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def logo_file(merchant: Merchant) -> Path | None:
    if not merchant.logo_path:
        return None
    path = (_upload_root() / merchant.logo_path).resolve()
    root = (_upload_root() / LOGO_DIR).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def _square(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("LA", "PA") else "RGB")
    return ImageOps.fit(image, (LOGO_SIZE, LOGO_SIZE), method=Image.Resampling.LANCZOS)


def save_logo(actor, merchant_id: int, stream, filename: str | None = None) -> Merchant:
    """Check an uploaded logo by its content (not its name), crop it square, shrink it, store it."""
    merchant = access.get_visible(merchant_id, actor)
    if not can_edit(actor, merchant):
        raise Forbidden()
    data = stream.read(LOGO_MAX_BYTES + 1)
    if not data:
        raise ValidationFailed({"logo": [_l("Choose an image file.")]})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationFailed({"logo": [_l("The image is larger than 2 MB.")]})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in LOGO_FORMATS:
            raise ValidationFailed({"logo": [_l("Use a PNG, JPEG, WebP or GIF image.")]})
        if width * height > LOGO_MAX_PIXELS:
            raise ValidationFailed({"logo": [_l("The image has too many pixels.")]})
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            square = _square(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed({"logo": [_l("Use a PNG, JPEG, WebP or GIF image.")]}) from exc
    folder = _upload_root() / LOGO_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{merchant.id}-{secrets.token_hex(6)}.webp"
    tmp = folder / f".{name}.tmp"
    square.save(tmp, "WEBP", quality=85, method=4)
    os.replace(tmp, folder / name)
    old = logo_file(merchant)
    merchant.logo_path = f"{LOGO_DIR}/{name}"
    db.session.flush()
    record(actor, "merchant.logo", merchant, data={"file": name})
    if old is not None:
        # The old file goes once the new one is in place; a failed commit leaves an orphan, never a hole.
        with contextlib.suppress(OSError):
            old.unlink()
    return merchant


def logo_version(merchant: Merchant) -> str | None:
    return merchant.logo_version


# ---- clerks -----------------------------------------------------------------------------------


def clerks(actor) -> list[User]:
    merchant = access.get_own(actor)
    access.require_owner(actor, merchant)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.merchant_id == merchant.id, User.role == Role.CLERK)
            .order_by(User.username)
        )
    )


def create_clerk(
    actor, username: str, password: str, display_name: str | None = None, phone: str | None = None
) -> User:
    """An owner gives a till worker their own account: clerks may only redeem."""
    merchant = access.get_own(actor)
    access.require_owner(actor, merchant)
    return accounts.create_user(
        actor, username, password, Role.CLERK, merchant_id=merchant.id, display_name=display_name, phone=phone
    )


def set_clerk_active(actor, clerk_id: int, active: bool, reason: str | None = None) -> User:
    merchant = access.get_own(actor)
    access.require_owner(actor, merchant)
    clerk = db.session.get(User, clerk_id)
    if clerk is None or clerk.role != Role.CLERK or clerk.merchant_id != merchant.id:
        raise NotFound()
    return accounts.set_active(actor, clerk, active, reason=reason)


def people_of(merchant: Merchant) -> list[User]:
    """The shop's owners and clerks (for its branch's staff)."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.merchant_id == merchant.id).order_by(User.role.desc(), User.username)
        )
    )

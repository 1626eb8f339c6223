"""Banner images: resized on upload, stored under UPLOAD_FOLDER/programme, served by name."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from alliance.core.errors import ValidationFailed

MAX_WIDTH = 1200
MAX_HEIGHT = 600


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "programme"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(stream) -> str:
    """Save an uploaded image as a JPEG at most 1200×600; returns its file name."""
    try:
        with Image.open(stream) as img:
            img.load()
            image = img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationFailed({"banner": [_l("A JPEG, PNG or WebP image.")]})
    image.thumbnail((MAX_WIDTH, MAX_HEIGHT))
    name = f"{secrets.token_hex(12)}.jpg"
    image.save(folder() / name, "JPEG", quality=82, optimize=True, progressive=True)
    return name

"""QR images of voucher payloads (PNG and SVG), and reading a QR from a photo taken at the till."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_SIDE = 1600  # phone photos are downscaled before decoding: faster, and just as readable
# A phone camera's photo is at most ~50 megapixels; anything larger is refused unread, before the
# pixels are decoded (a small compressed file can hold a huge, slow image).
MAX_PHOTO_PIXELS = 50_000_000


def _qr(payload: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code


def png(payload: str) -> bytes:
    buf = io.BytesIO()
    _qr(payload).make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def svg(payload: str) -> bytes:
    image = _qr(payload).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode").encode()


def decode_photo(data: bytes) -> str | None:
    """The text of the first QR code in a photo, or None (not an image, or no readable code)."""
    import zxingcpp

    try:
        with Image.open(io.BytesIO(data)) as raw:
            width, height = raw.size
            if width * height > MAX_PHOTO_PIXELS:
                return None
            raw.draft("L", (MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))  # JPEG: decode at a reduced size
            image = ImageOps.exif_transpose(raw).convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None
    image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        if found.text:
            return found.text
    return None

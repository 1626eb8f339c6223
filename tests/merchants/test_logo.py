"""Logos: checked by content, limited in size, cropped square and shrunk, served through a view."""

import io
from pathlib import Path

import pytest
from PIL import Image

from alliance.merchants.constants import MerchantStatus
from alliance.merchants.models import Merchant
from tests import factories
from tests.merchants import factories as mf


def image_bytes(fmt="PNG", size=(800, 400), colour=(200, 16, 46)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def owner_client(client, db):
    merchant = mf.merchant(factories.district())
    db.session.commit()
    factories.login(client, mf.owner_of(merchant))
    return client, merchant


def upload(client, data: bytes, name="logo.png"):
    return client.post(
        "/my-shop/logo", data={"logo": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_logo_is_cropped_square_shrunk_and_served(app, db, owner_client, fmt):
    client, merchant = owner_client
    assert upload(client, image_bytes(fmt), f"logo.{fmt.lower()}").status_code == 302
    db.session.expire_all()
    stored = db.session.get(Merchant, merchant.id)
    path = Path(app.config["UPLOAD_FOLDER"]) / stored.logo_path
    with Image.open(path) as saved:
        assert saved.format == "WEBP" and saved.size == (256, 256)
    with client.get(f"/shops/{merchant.id}/logo?v={stored.logo_version}") as response:
        assert response.status_code == 200 and response.mimetype == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.data == path.read_bytes()
        assert len(response.data) < 30_000


def test_a_new_logo_replaces_the_old_file(app, db, owner_client):
    client, merchant = owner_client
    upload(client, image_bytes())
    db.session.expire_all()
    first = Path(app.config["UPLOAD_FOLDER"]) / db.session.get(Merchant, merchant.id).logo_path
    upload(client, image_bytes(colour=(0, 0, 0)))
    db.session.expire_all()
    second = Path(app.config["UPLOAD_FOLDER"]) / db.session.get(Merchant, merchant.id).logo_path
    assert second != first and second.exists() and not first.exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<?php echo 'hi'; ?>", "logo.png", "请使用 PNG、JPEG、WebP 或 GIF 图片"),
        (b"%PDF-1.4 not an image", "logo.jpg", "请使用 PNG、JPEG、WebP 或 GIF 图片"),
    ],
)
def test_what_is_not_a_small_image_is_refused(db, owner_client, data, name, message):
    client, merchant = owner_client
    response = upload(client, data, name)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).logo_path is None


def test_a_logo_over_two_megabytes_is_refused(app, db):
    from alliance.core.errors import ValidationFailed
    from alliance.merchants.services import profiles

    merchant = mf.merchant(factories.district())
    with pytest.raises(ValidationFailed) as caught, app.test_request_context("/"):
        profiles.save_logo(mf.owner_of(merchant), merchant.id, io.BytesIO(b"x" * (2 * 1024 * 1024 + 1)))
    with app.test_request_context("/"):
        assert str(caught.value.fields["logo"][0]) == "图片超过 2 MB。"
    assert merchant.logo_path is None


def test_a_decompression_bomb_is_refused_before_decoding(db, owner_client):
    client, _merchant = owner_client
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000), 1).save(buffer, "PNG")  # 48 megapixels in a few kilobytes
    huge = buffer.getvalue()
    assert len(huge) < 100_000
    response = upload(client, huge)
    assert "图片像素过多" in response.get_data(as_text=True)


def test_an_svg_or_bmp_is_not_accepted(db, owner_client):
    client, _ = owner_client
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert "请使用" in upload(client, svg, "logo.svg").get_data(as_text=True)
    assert "请使用" in upload(client, image_bytes("BMP", size=(64, 64)), "logo.bmp").get_data(as_text=True)


def test_a_pending_shops_logo_is_only_for_its_people(app, client, db):
    district = factories.district()
    merchant = mf.merchant(district, MerchantStatus.PENDING)
    from alliance.merchants.services import profiles

    profiles.save_logo(mf.owner_of(merchant), merchant.id, io.BytesIO(image_bytes()))
    db.session.commit()
    assert client.get(f"/shops/{merchant.id}/logo").status_code == 404
    factories.login(client, mf.owner_of(merchant))
    with client.get(f"/shops/{merchant.id}/logo") as response:
        assert response.status_code == 200 and "private" in response.headers["Cache-Control"]


def test_applying_with_a_logo(app, client, db):
    district = factories.district()
    db.session.commit()
    response = client.post(
        "/join",
        data={
            "name": "有标志的店",
            "district_id": district.id,
            "format": "street_shop",
            "industry": "catering",
            "store_type": "restaurant",
            "username": "withlogo",
            "password": "longenough",
            "confirm": "longenough",
            "logo": (io.BytesIO(image_bytes("JPEG")), "logo.jpg"),
            **mf.application_fields(),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    merchant = db.session.query(Merchant).filter_by(name="有标志的店").one()
    assert merchant.logo_path and (Path(app.config["UPLOAD_FOLDER"]) / merchant.logo_path).exists()
    assert f"/shops/{merchant.id}/logo?v=" in client.get("/my-shop").get_data(as_text=True)

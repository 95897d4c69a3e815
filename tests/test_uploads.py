"""Uploads judged by content (plugins/ocop/uploads.py): real photos and scans pass, renamed
executables and text do not, sizes and pixels have limits, messages name the file, what it
really is and the limit; private files are reached only through fresh signed links; product
photos get their renditions when saved, so pages do not make them. Local disk here; the same
on a real S3 server process in test_uploads_s3.py."""

from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from plugins.ocop import renditions, uploads

pytestmark = pytest.mark.django_db

#: The start of a Windows PE executable: the "MZ" DOS header and its stub.
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 43
    + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\t\xcd!\xb8\x01L\xcd!This program cannot be run in DOS mode.\r\n"
    + b"\x00" * 200
)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(validator, name: str, content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(upload(name, content))
    return caught.value


# Photos -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [("PNG", "anh.png", "image/png"), ("JPEG", "anh.jpg", "image/jpeg"), ("WEBP", "a.webp", None)],
)
def test_real_png_jpeg_and_webp_photos_are_accepted(fmt, name, content_type):
    detected = uploads.check_photo(upload(name, image_bytes(fmt, (64, 48))))
    assert (detected.kind, detected.format, detected.width, detected.height) == (
        "image",
        fmt,
        64,
        48,
    )
    assert detected.content_type == (content_type or "image/webp")
    assert uploads.validate_photo(upload(name, image_bytes(fmt))) is None


def test_a_windows_executable_renamed_photo_jpg_is_refused_naming_the_file():
    error = refusal(uploads.validate_photo, "photo.jpg", EXE_BYTES)
    message = error.messages[0]
    assert error.code == "not_photo"
    assert "“photo.jpg”" in message
    assert "tệp thực thi Windows" in message and "a Windows executable" in message
    assert "5 MB" in message  # the limit


def test_a_text_file_renamed_png_is_refused():
    error = refusal(uploads.validate_photo, "menu.png", "Bánh đa nem Hà Nam\n".encode() * 20)
    assert error.code == "not_photo"
    assert "“menu.png”" in error.messages[0] and "plain text" in error.messages[0]
    assert "văn bản thuần" in error.messages[0]


def test_a_gif_or_a_pdf_is_not_a_photo():
    gif = refusal(uploads.validate_photo, "anim.gif", image_bytes("GIF"))
    assert "a GIF image" in gif.messages[0]
    pdf = refusal(uploads.validate_photo, "anh.jpg", pdf_bytes())
    assert "a PDF file" in pdf.messages[0]


def test_a_truncated_jpeg_is_refused():
    whole = image_bytes("JPEG", (400, 300))
    error = refusal(uploads.validate_photo, "cut.jpg", whole[: len(whole) // 2])
    assert error.code == "not_photo" and "“cut.jpg”" in error.messages[0]


def test_an_oversized_photo_is_refused_with_the_limit_in_the_message(settings):
    assert settings.OCOP_MAX_PHOTO_BYTES == 5 * 1024 * 1024
    content = image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)
    error = refusal(uploads.validate_photo, "to-qua.png", content)
    assert error.code == "too_large"
    assert "“to-qua.png”" in error.messages[0]
    assert (
        "giới hạn 5 MB" in error.messages[0]
        and "the limit for a photo is 5 MB" in (error.messages[0])
    )
    assert f"{len(content)} bytes" in error.messages[0]


def test_the_photo_limit_comes_from_settings(settings):
    settings.OCOP_MAX_PHOTO_BYTES = 2048
    buffer = io.BytesIO()
    Image.effect_noise((100, 100), 120).save(buffer, "PNG")  # noise does not compress
    content = buffer.getvalue()
    assert len(content) > 2048
    error = refusal(uploads.validate_photo, "nho.png", content)
    assert "2 KB" in error.messages[0]


def test_an_image_with_too_many_pixels_is_refused(settings):
    settings.OCOP_MAX_IMAGE_PIXELS = 1000
    error = refusal(uploads.validate_photo, "rong.png", image_bytes("PNG", (50, 40)))
    assert error.code == "too_many_pixels"
    assert "50 × 40" in error.messages[0] and "0.001 megapixels" in error.messages[0]


# Scans ------------------------------------------------------------------------------------------


def test_a_real_pdf_or_image_is_a_scan():
    assert uploads.check_scan(upload("qd.pdf", pdf_bytes(2))).content_type == "application/pdf"
    assert uploads.check_scan(upload("qd.jpg", image_bytes("JPEG"))).format == "JPEG"


def test_a_windows_executable_renamed_scan_pdf_is_refused():
    error = refusal(uploads.validate_scan, "scan.pdf", EXE_BYTES)
    assert error.code == "not_scan"
    assert "“scan.pdf”" in error.messages[0] and "a Windows executable" in error.messages[0]
    assert "10 MB" in error.messages[0]


def test_an_executable_behind_a_forged_pdf_header_is_refused():
    error = refusal(uploads.validate_scan, "scan.pdf", b"%PDF-1.7\n" + EXE_BYTES)
    assert "a damaged or password-protected PDF" in error.messages[0]


def test_an_oversized_scan_is_refused_with_the_limit(settings):
    settings.OCOP_MAX_SCAN_BYTES = 1024 * 1024
    content = pdf_bytes() + b"%" * (1024 * 1024)
    error = refusal(uploads.validate_scan, "lon.pdf", content)
    assert error.code == "too_large"
    assert "the limit for a scan is 1 MB" in error.messages[0]


# Private files on local disk --------------------------------------------------------------------


class _Named:
    """What ``signed_url`` needs of a FieldFile: the storage name."""

    def __init__(self, name: str):
        self.name = name
        self.storage = uploads.private_storage


@pytest.fixture
def private_file(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    content = pdf_bytes()
    name = uploads.private_storage.save(
        f"scans/producer-1/{uuid.uuid4().hex}.pdf", io.BytesIO(content)
    )
    return _Named(name), content


def test_private_files_are_stored_outside_public_media(private_file, settings, client):
    field_file, _content = private_file
    on_disk = Path(settings.MEDIA_ROOT) / "ocop" / "private" / field_file.name
    assert on_disk.is_file()
    assert client.get(f"/media/ocop/private/{field_file.name}").status_code == 404
    with pytest.raises(ValueError):
        uploads.private_storage.url(field_file.name)  # no public URL at all


def test_a_fresh_signed_url_serves_the_file(private_file, client):
    field_file, content = private_file
    url = uploads.signed_url(field_file)
    assert url.startswith("/dashboard/ocop/files/private/")
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]


def test_a_signed_url_fails_after_its_lifetime(private_file, client, settings, monkeypatch):
    field_file, _content = private_file
    settings.OCOP_SIGNED_URL_SECONDS = 60
    issued_at = int(time.time()) - 61
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued_at)
    )
    old = uploads.signed_url(field_file)
    monkeypatch.undo()
    response = client.get(old)
    assert response.status_code == 403
    assert "hết hạn" in response.content.decode() and "expired" in response.content.decode()
    # The same link within a longer lifetime still works: only the age decided.
    settings.OCOP_SIGNED_URL_SECONDS = 300
    assert client.get(old).status_code == 200


def test_a_tampered_signed_url_is_refused(private_file, client):
    field_file, _content = private_file
    url = uploads.signed_url(field_file)
    token = url.rstrip("/").rsplit("/", 1)[1]
    other = signing.TimestampSigner(salt="another").sign_object({"name": field_file.name})
    payload, stamp, signature = token.rsplit(":", 2)
    forged = signing.TimestampSigner(salt="ocop.private-file").sign_object(
        {"name": "scans/producer-2/x.pdf"}
    )
    for bad in (
        f"{payload}:{stamp}:{signature[:-2]}xx",
        other,
        f"{forged.rsplit(':', 2)[0]}:{stamp}:{signature}",
    ):
        response = client.get(f"/dashboard/ocop/files/private/{bad}/")
        assert response.status_code == 404, bad
        assert "không hợp lệ" in response.content.decode()


def test_a_signed_link_to_a_missing_file_is_a_404(private_file, client):
    url = uploads.signed_url(_Named("scans/producer-1/missing.pdf"))
    assert client.get(url).status_code == 404


# Renditions of product photos -------------------------------------------------------------------


EXPECTED_SIZES = {"card": (300, 300), "page": (440, 293), "gallery": (65, 55), "basket": (100, 67)}


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, whatever CELERY_BROKER_URL says (no worker here)."""
    from ocop_market.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def refuse_to_make_renditions(monkeypatch) -> None:
    """From here on sorl may only find renditions, never make one."""
    from sorl.thumbnail.base import ThumbnailBackend

    def refuse(*args, **kwargs):
        raise AssertionError("a rendition was made on request")

    monkeypatch.setattr(ThumbnailBackend, "_create_thumbnail", refuse)


def save_product_photo(size: tuple[int, int], fmt: str, capture):
    from oscar.apps.catalogue.models import Product, ProductClass, ProductImage

    product = Product.objects.create(
        title="Bánh đa", product_class=ProductClass.objects.create(name="Đặc sản")
    )
    name = f"banh-da-{uuid.uuid4().hex[:8]}.{fmt.lower()}"
    with capture(execute=True) as callbacks:
        image = ProductImage.objects.create(
            product=product, original=upload(name, image_bytes(fmt, size))
        )
    assert len(callbacks) == 1  # the renditions run once the photo is committed
    return image


def test_saving_a_product_photo_makes_its_renditions(
    eager_tasks, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    image = save_product_photo((1200, 800), "JPEG", django_capture_on_commit_callbacks)

    refuse_to_make_renditions(monkeypatch)
    made = renditions.generate_photo_renditions(image.pk)

    assert set(made) == set(EXPECTED_SIZES)
    for name, size in EXPECTED_SIZES.items():
        with Image.open(Path(settings.MEDIA_ROOT) / made[name]) as rendition:
            assert rendition.size == size, name


def test_pages_use_the_renditions_and_never_make_them(
    eager_tasks, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    from django.template import Context, Template

    settings.MEDIA_ROOT = str(tmp_path / "media")
    image = save_product_photo((900, 600), "PNG", django_capture_on_commit_callbacks)

    refuse_to_make_renditions(monkeypatch)
    settings.OSCAR_THUMBNAIL_DEBUG = True  # a failure raises instead of being logged
    html = Template(
        '{% load image_tags %}{% oscar_thumbnail image.original "300x300" crop="center" '
        'upscale=False as card %}{% oscar_thumbnail image.original "440x400" upscale=False '
        "as page %}{{ card.url }} {{ page.url }}"
    ).render(Context({"image": image}))

    made = renditions.generate_photo_renditions(image.pk)
    assert html.split() == [f"/media/{made['card']}", f"/media/{made['page']}"]


def test_a_photo_sorl_cannot_read_does_not_break_saving(
    eager_tasks, settings, tmp_path, django_capture_on_commit_callbacks
):
    from oscar.apps.catalogue.models import Product, ProductClass, ProductImage

    settings.MEDIA_ROOT = str(tmp_path / "media")
    product = Product.objects.create(
        title="Hỏng", product_class=ProductClass.objects.create(name="Khác")
    )
    with django_capture_on_commit_callbacks(execute=True):
        image = ProductImage.objects.create(product=product, original=upload("x.jpg", b"not"))
    assert ProductImage.objects.filter(pk=image.pk).exists()

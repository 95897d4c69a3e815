"""Uploaded files: what is accepted, where private files live, and how they are handed out.

* ``validate_photo`` / ``validate_scan`` judge a file by its content, never by its name or the
  browser's content type: a photo must be a JPEG, PNG or WebP image that Pillow opens and
  verifies; a certificate scan (bản scan giấy chứng nhận) must be a PDF that pypdf parses or
  such an image. Both have a size and a pixel limit. The message names the file, what its
  content really is and the limit, in Vietnamese with an English gloss (as the importer's).
* ``private_storage`` holds files that are never public (certificate scans): a folder outside
  the public media URLs on the embedded default, private objects on S3 in production.
* ``signed_url`` hands out a short-lived URL to one private file. Callers check that the user
  is the owner or department staff *before* asking for one: the URL itself is the permission.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader

#: Image formats (as Pillow names them) accepted for photos and scans, with their file facts.
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
PDF_MAGIC = b"%PDF-"
#: Private files live under this folder of MEDIA_ROOT (and this key prefix on S3); the public
#: media view refuses it (``PRIVATE_MEDIA_PREFIXES`` in ocop_market/urls.py).
PRIVATE_PREFIX = "ocop/private"
_SIGNING_SALT = "ocop.private-file"
#: Settings whose change (in tests) must rebuild the private storage.
_STORAGE_SETTINGS = {
    "MEDIA_ROOT",
    "STORAGES",
    "AWS_STORAGE_BUCKET_NAME",
    "OCOP_PRIVATE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_S3_SIGNATURE_VERSION",
    "OCOP_SIGNED_URL_SECONDS",
}

_IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


@dataclass(frozen=True)
class DetectedFile:
    """What an accepted upload really is."""

    kind: str  # "image" or "pdf"
    format: str  # "JPEG", "PNG", "WEBP" or "PDF"
    extension: str
    content_type: str
    width: int | None = None
    height: int | None = None


def max_photo_bytes() -> int:
    return settings.OCOP_MAX_PHOTO_BYTES


def max_scan_bytes() -> int:
    return settings.OCOP_MAX_SCAN_BYTES


def max_pixels() -> int:
    return settings.OCOP_MAX_IMAGE_PIXELS


def signed_url_seconds() -> int:
    return settings.OCOP_SIGNED_URL_SECONDS


# --- validation --------------------------------------------------------------------------------


def human_size(size: int) -> str:
    """Bytes as people read them in both languages ("5 MB", "512 KB", "900 bytes")."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _invalid(code: str, vietnamese: str, english: str) -> ValidationError:
    """A message in the importer's style: Vietnamese, then the English gloss in brackets."""
    return ValidationError(f"{vietnamese} ({english}).", code=code)


def _read_head(upload, size: int = 262) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


#: Names of contents users send by mistake, by the MIME type ``filetype`` reads from magic
#: numbers: (Vietnamese, English).
_CONTENT_NAMES = {
    "application/x-msdownload": ("tệp thực thi Windows", "a Windows executable"),
    "application/x-executable": ("tệp thực thi Linux", "a Linux executable"),
    "application/x-mach-binary": ("tệp thực thi macOS", "a macOS executable"),
    "application/zip": ("tệp nén ZIP", "a ZIP archive"),
    "application/x-rar-compressed": ("tệp nén RAR", "a RAR archive"),
    "image/gif": ("ảnh GIF", "a GIF image"),
    "image/heic": ("ảnh HEIC", "a HEIC image"),
    "image/tiff": ("ảnh TIFF", "a TIFF image"),
    "image/bmp": ("ảnh BMP", "a BMP image"),
    "application/pdf": ("tệp PDF", "a PDF file"),
}


def describe_content(head: bytes) -> tuple[str, str]:
    """What bytes really are, in Vietnamese and English, for messages. ``filetype`` reads magic
    numbers; plain text has none, so it is recognised by decoding."""
    if not head:
        return "tệp rỗng", "an empty file"
    kind = filetype.guess(head)
    if kind is not None:
        return _CONTENT_NAMES.get(
            kind.mime, (f"tệp {kind.mime} (.{kind.extension})", f"{kind.mime} (.{kind.extension})")
        )
    if b"\0" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "văn bản thuần", "plain text"
    return "tệp nhị phân không nhận diện được", "an unrecognised binary file"


def _size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return size


def _display_name(upload) -> str:
    return PurePosixPath(getattr(upload, "name", "") or "").name or "?"


def _check_size(upload, limit: int, what_vi: str, what_en: str) -> None:
    size = _size_of(upload)
    if size > limit:
        name, size_text, limit_text = _display_name(upload), human_size(size), human_size(limit)
        if size_text == limit_text:
            size_text = f"{size} bytes"
        raise _invalid(
            "too_large",
            f"Tệp “{name}” nặng {size_text}, vượt giới hạn {limit_text} cho {what_vi}",
            f"“{name}” is {size_text}; the limit for {what_en} is {limit_text}",
        )


def _inspect_image(upload) -> DetectedFile | None:
    """The image facts when Pillow reads ``upload`` as a JPEG, PNG or WebP image within the
    pixel limit, else None. Raises for an image with too many pixels."""
    limit = max_pixels()
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format
            width, height = image.size
            if fmt not in IMAGE_FORMATS:
                return None
            if width * height > limit:
                name, megapixels = _display_name(upload), f"{limit / 1_000_000:g}"
                raise _invalid(
                    "too_many_pixels",
                    f"Ảnh “{name}” có {width} × {height} điểm ảnh, vượt giới hạn {megapixels} "
                    f"megapixel",
                    f"“{name}” is {width} × {height} pixels; the limit is {megapixels} megapixels",
                )
            image.verify()
        # verify() checks the structure only; decoding the pixels finds truncated files.
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
    except ValidationError:
        raise
    except _IMAGE_ERRORS:
        return None
    finally:
        upload.seek(0)
    extension, content_type = IMAGE_FORMATS[fmt]
    return DetectedFile("image", fmt, extension, content_type, width, height)


def _inspect_pdf(upload) -> DetectedFile | None:
    """PDF facts when ``upload`` starts with the PDF header and pypdf finds at least one page
    (a renamed file with a forged header does not parse)."""
    if _read_head(upload, len(PDF_MAGIC)) != PDF_MAGIC:
        return None
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted or len(reader.pages) < 1:
            return None
    except Exception:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
        return None
    finally:
        upload.seek(0)
    return DetectedFile("pdf", "PDF", "pdf", "application/pdf")


def check_photo(upload) -> DetectedFile:
    """Validate a product photo and say what it is (see ``validate_photo``)."""
    limit = max_photo_bytes()
    _check_size(upload, limit, "một ảnh sản phẩm", "a photo")
    detected = _inspect_image(upload)
    if detected is None:
        name, limit_text = _display_name(upload), human_size(limit)
        what_vi, what_en = describe_content(_read_head(upload))
        raise _invalid(
            "not_photo",
            f"Tệp “{name}” không phải ảnh JPEG, PNG hoặc WebP: nội dung là {what_vi}. "
            f"Hãy gửi ảnh JPEG, PNG hoặc WebP tối đa {limit_text}",
            f"“{name}” is not a JPEG, PNG or WebP photo: its content is {what_en}. "
            f"Send a JPEG, PNG or WebP image of at most {limit_text}",
        )
    return detected


def check_scan(upload) -> DetectedFile:
    """Validate a certificate scan and say what it is (see ``validate_scan``)."""
    limit = max_scan_bytes()
    _check_size(upload, limit, "một bản scan", "a scan")
    detected = _inspect_pdf(upload) or _inspect_image(upload)
    if detected is None:
        name, limit_text = _display_name(upload), human_size(limit)
        head = _read_head(upload)
        if head.startswith(PDF_MAGIC):
            what_vi = "PDF hỏng hoặc có mật khẩu"
            what_en = "a damaged or password-protected PDF"
        else:
            what_vi, what_en = describe_content(head)
        raise _invalid(
            "not_scan",
            f"Tệp “{name}” không phải PDF hay ảnh JPEG, PNG, WebP: nội dung là {what_vi}. "
            f"Hãy gửi PDF hoặc ảnh tối đa {limit_text}",
            f"“{name}” is not a PDF or a JPEG, PNG or WebP image: its content is {what_en}. "
            f"Send a PDF or an image of at most {limit_text}",
        )
    return detected


def validate_photo(uploaded_file) -> None:
    """Raise ``ValidationError`` unless ``uploaded_file`` is a real JPEG, PNG or WebP image
    within ``OCOP_MAX_PHOTO_BYTES`` and ``OCOP_MAX_IMAGE_PIXELS``. Usable as a field validator."""
    check_photo(uploaded_file)


def validate_scan(uploaded_file) -> None:
    """Raise ``ValidationError`` unless ``uploaded_file`` is a real PDF or a real JPEG, PNG or
    WebP image within ``OCOP_MAX_SCAN_BYTES``. An executable renamed ``.pdf`` is refused."""
    check_scan(uploaded_file)


# --- private storage ---------------------------------------------------------------------------


def private_bucket_name() -> str:
    return getattr(settings, "OCOP_PRIVATE_BUCKET_NAME", "") or settings.AWS_STORAGE_BUCKET_NAME


def uses_s3() -> bool:
    return bool(private_bucket_name())


def _build_private_storage() -> Storage:
    if uses_s3():
        from storages.backends.s3 import S3Storage

        return S3Storage(
            bucket_name=private_bucket_name(),
            location=PRIVATE_PREFIX,
            default_acl="private",
            querystring_auth=True,
            querystring_expire=signed_url_seconds(),
            signature_version="s3v4",
            file_overwrite=False,
            custom_domain=None,
        )
    return PrivateFileSystemStorage(location=f"{settings.MEDIA_ROOT}/{PRIVATE_PREFIX}")


class PrivateFileSystemStorage(FileSystemStorage):
    """Private files on local disk. They have no URL of their own: ``signed_url`` is the only
    way in, so a template that asks ``scan.file.url`` fails loudly instead of leaking a path."""

    def url(self, name):
        raise ValueError(
            f"{name} is a private file: ask plugins.ocop.uploads.signed_url for a link."
        )


class PrivateStorage(LazyObject):
    """The storage of private files, built from the settings on first use and rebuilt when
    they change."""

    def _setup(self):
        self._wrapped = _build_private_storage()


private_storage = PrivateStorage()


def get_private_storage() -> Storage:
    """For ``FileField(storage=get_private_storage)`` (a callable keeps migrations stable)."""
    return private_storage


def _reset_private_storage(*, setting, **_kwargs) -> None:
    if setting in _STORAGE_SETTINGS:
        private_storage._wrapped = empty


setting_changed.connect(_reset_private_storage)


# --- signed URLs -------------------------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SIGNING_SALT)


def signed_url(field_file, *, request=None) -> str:
    """A URL to ``field_file`` valid for ``OCOP_SIGNED_URL_SECONDS``: an S3 presigned URL in
    production, a signed link to ``private-file`` on local disk. Check who asks first."""
    seconds = signed_url_seconds()
    storage = field_file.storage
    if uses_s3() and hasattr(storage, "bucket_name"):
        return storage.url(field_file.name, expire=seconds)
    token = _signer().sign_object({"name": field_file.name})
    url = reverse("ocop:private-file", kwargs={"token": token})
    return request.build_absolute_uri(url) if request is not None else url


LINK_EXPIRED = (
    "Liên kết tới tệp này đã hết hạn; hãy mở lại tệp từ trang của nó "
    "(this link has expired; open the file again from its page)."
)
LINK_INVALID = "Liên kết tới tệp này không hợp lệ (this link is not valid)."


class SignedFileError(Exception):
    """A signed link that is expired (``expired``) or not one we made."""

    def __init__(self, message: str, *, expired: bool):
        super().__init__(message)
        self.expired = expired


def name_from_token(token: str) -> str:
    """The private file name a token from ``signed_url`` stands for, or ``SignedFileError``."""
    try:
        data = _signer().unsign_object(token, max_age=signed_url_seconds())
    except signing.SignatureExpired:
        raise SignedFileError(LINK_EXPIRED, expired=True) from None
    except (signing.BadSignature, ValueError):
        raise SignedFileError(LINK_INVALID, expired=False) from None
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name or ".." in PurePosixPath(name).parts:
        raise SignedFileError(LINK_INVALID, expired=False)
    return name


def guess_content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"

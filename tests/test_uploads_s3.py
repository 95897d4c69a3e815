"""Private scans and photo renditions on S3, against a real S3 API in its own process: moto's
server (tests/s3_server.py), which also checks presigned URLs' signature and expiry as AWS does
(moto alone accepts any presigned URL). Every request goes over HTTP, as it would to AWS."""

from __future__ import annotations

import io
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty
from PIL import Image
from sorl.thumbnail import default as sorl_default
from storages.backends.s3 import S3Storage

from ocop_market.celery import app as celery_app
from plugins.ocop import uploads
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import OcopProduct
from plugins.ocop.workspace.services import store_scan

from .conftest import TODAY
from .s3_server import free_port, running_server
from .test_s3_storage import ACCESS_KEY, REGION, SECRET_KEY
from .test_uploads import EXPECTED_SIZES, image_bytes, pdf_bytes

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

SERVER = Path(__file__).resolve().parent / "s3_server.py"
LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định\n"
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",Đồ uống,4 sao,'
    "1/QĐ-UBND ngày 01/06/2025\n"
)


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "s3_server.log"
    command = [
        sys.executable,
        str(SERVER),
        "--port",
        str(port),
        "--access-key",
        ACCESS_KEY,
        "--secret-key",
        SECRET_KEY,
    ]
    with running_server(command, port, log) as endpoint:
        yield endpoint


@pytest.fixture
def s3_client(s3_endpoint):
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3_media(settings, s3_endpoint, s3_client, tmp_path):
    """Media on S3 the way settings.py sets it up when AWS_STORAGE_BUCKET_NAME is set; the
    private storage and sorl's storage follow."""
    bucket = f"ocop-media-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_ACCESS_KEY_ID = ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = SECRET_KEY
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    sorl_default.storage._wrapped = empty  # sorl keeps the storage it first saw
    yield bucket
    sorl_default.storage._wrapped = empty


@pytest.fixture
def producer():
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors
    return OcopProduct.objects.get().producer


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def nothing_on_local_disk(settings) -> bool:
    media = Path(settings.MEDIA_ROOT)
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def pdf_file(name: str = "quyet-dinh.pdf"):
    return SimpleUploadedFile(name, pdf_bytes())


def test_a_scan_is_a_private_object_in_the_bucket(
    s3_media, s3_client, s3_endpoint, producer, settings
):
    scan = store_scan(pdf_file(), producer=producer, user=None)

    assert isinstance(scan.file.storage, S3Storage) and scan.file.storage.bucket_name == s3_media

    key = f"ocop/private/{scan.file.name}"
    assert scan.file.name.startswith(f"scans/producer-{producer.pk}/")
    assert s3_client.get_object(Bucket=s3_media, Key=key)["Body"].read() == pdf_bytes()
    status, _body = http_get(f"{s3_endpoint}/{s3_media}/{key}")
    assert status == 403  # no anonymous reads
    acl = s3_client.get_object_acl(Bucket=s3_media, Key=key)
    assert not [g for g in acl["Grants"] if "URI" in g["Grantee"]]  # no AllUsers grant
    assert nothing_on_local_disk(settings)


def test_a_presigned_url_works_within_its_lifetime_only(s3_media, s3_endpoint, producer, settings):
    settings.OCOP_SIGNED_URL_SECONDS = 2
    scan = store_scan(pdf_file(), producer=producer, user=None)

    url = uploads.signed_url(scan.file)

    assert url.startswith(f"{s3_endpoint}/{s3_media}/ocop/private/scans/")
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["2"]
    assert http_get(url) == (200, pdf_bytes())
    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert http_get(tampered)[0] == 403
    other_key = url.replace(scan.file.name.rsplit("/", 1)[1], "other.pdf")
    assert b"SignatureDoesNotMatch" in http_get(other_key)[1]
    time.sleep(3)
    status, body = http_get(url)
    assert status == 403 and b"Request has expired" in body


def test_the_producer_page_hands_out_a_fresh_presigned_url(
    s3_media, producer, client, django_user_model
):
    user = django_user_model.objects.create_user("htx", "htx@example.vn", "mat-khau-123")
    producer.partner.users.add(user)
    client.force_login(user)
    scan = store_scan(pdf_file(), producer=producer, user=user)

    response = client.get(f"/dashboard/ocop/my-certificates/scans/{scan.pk}/")

    assert response.status_code == 302
    assert http_get(response["Location"]) == (200, pdf_bytes())


def test_photo_renditions_are_made_in_the_bucket_at_their_sizes(
    s3_media, s3_client, settings, django_capture_on_commit_callbacks
):
    from oscar.apps.catalogue.models import Product, ProductClass, ProductImage

    product = Product.objects.create(
        title="Bánh đa", product_class=ProductClass.objects.create(name="Đặc sản")
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # no worker here, whatever CELERY_BROKER_URL says
    try:
        with django_capture_on_commit_callbacks(execute=True):
            image = ProductImage.objects.create(
                product=product,
                original=SimpleUploadedFile(
                    f"banh-da-{uuid.uuid4().hex[:8]}.jpg", image_bytes("JPEG", (1200, 800))
                ),
            )
    finally:
        celery_app.conf.task_always_eager = eager

    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=s3_media)["Contents"]]
    assert image.original.name in keys
    renditions = [k for k in keys if k != image.original.name]
    assert len(renditions) == len(EXPECTED_SIZES)
    sizes = set()
    for key in renditions:
        body = s3_client.get_object(Bucket=s3_media, Key=key)["Body"].read()
        with Image.open(io.BytesIO(body)) as rendition:
            sizes.add(rendition.size)
    assert sizes == set(EXPECTED_SIZES.values())
    assert nothing_on_local_disk(settings)

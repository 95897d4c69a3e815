"""Media on S3 (django-storages' S3Storage through boto3) against a real S3 API: moto's server
runs as a separate process and every request goes over HTTP to it, as it would to AWS."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from storages.backends.s3 import S3Storage

from ocop_market.celery import app as celery_app
from plugins.ocop.models import Certificate, ImportRun
from plugins.ocop.roles import DEPARTMENT_STAFF, ensure_roles
from plugins.ocop.tasks import import_certificates_task

from .s3_server import free_port, running_server

pytestmark = pytest.mark.s3

REGION = "us-east-1"
ACCESS_KEY = "ocop-test-key"
SECRET_KEY = "ocop-test-secret"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """A moto S3 server in its own process on a free port; stopped after the module."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with running_server(command, port, log) as endpoint:
        yield endpoint


@pytest.fixture
def s3_client(s3_endpoint):
    """A plain boto3 client, to check what is on the server without going through Django."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def bucket(s3_client):
    name = f"ocop-media-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_media(settings, s3_endpoint, bucket, tmp_path):
    """Django's default storage switched to S3Storage on the moto server, the way settings.py
    does it when AWS_STORAGE_BUCKET_NAME is set. Changing STORAGES makes Django drop its cached
    storages (``default_storage`` and the one the ImportRun FileField holds); the settings
    fixture restores everything afterwards, which drops them again."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_ACCESS_KEY_ID = ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = SECRET_KEY
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    return bucket


def assert_nothing_on_local_disk(settings) -> None:
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def object_bytes(s3_client, bucket: str, key: str) -> bytes:
    return s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_default_storage_and_the_import_file_field_use_s3(s3_media, s3_endpoint):
    assert isinstance(storages["default"], S3Storage)
    assert isinstance(default_storage, S3Storage)
    field_storage = ImportRun._meta.get_field("file").storage
    assert isinstance(field_storage, S3Storage)
    assert field_storage.bucket_name == s3_media
    assert field_storage.endpoint_url == s3_endpoint


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(1_000, id="small"),
        # Above boto3's 8 MB threshold, so the upload is a multipart upload.
        pytest.param(9 * 1024 * 1024 + 123, id="multipart"),
    ],
)
def test_a_file_saved_through_django_is_in_the_bucket_byte_for_byte(
    s3_media, s3_client, settings, size
):
    content = (os.urandom(size // 2) + "Nước mắm cáy Nhân Đạo\n".encode() * size)[:size]

    name = default_storage.save("ocop/tests/blob.bin", ContentFile(content))

    with default_storage.open(name, "rb") as stored:
        assert stored.read() == content
    assert default_storage.exists(name)
    assert default_storage.size(name) == size
    # Checked directly on the server, not through Django.
    assert object_bytes(s3_client, s3_media, name) == content
    listed = s3_client.list_objects_v2(Bucket=s3_media, Prefix="ocop/tests/")
    assert [o["Key"] for o in listed["Contents"]] == [name]

    # AWS_S3_FILE_OVERWRITE = False: a second file of the same name gets a new key.
    other = default_storage.save("ocop/tests/blob.bin", ContentFile(b"second"))
    assert other != name
    assert object_bytes(s3_client, s3_media, other) == b"second"
    assert object_bytes(s3_client, s3_media, name) == content

    default_storage.delete(name)
    assert not default_storage.exists(name)
    with pytest.raises(ClientError):
        s3_client.head_object(Bucket=s3_media, Key=name)
    assert_nothing_on_local_disk(settings)


@pytest.mark.django_db
def test_the_import_task_reads_its_list_from_s3(s3_media, s3_client, settings, sample_xlsx):
    content = sample_xlsx.read_bytes()
    run = ImportRun.objects.create(
        file=ContentFile(content, name=sample_xlsx.name), filename=sample_xlsx.name
    )
    assert run.file.name.startswith("ocop/imports/")
    assert object_bytes(s3_client, s3_media, run.file.name) == content

    outcome = import_certificates_task.apply(args=[run.pk])

    assert outcome.successful(), outcome.traceback
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    assert run.result["rows_read"] == 12
    assert run.result["created"] == 12
    assert run.result["file_error"] == ""
    assert outcome.result == run.result
    assert Certificate.objects.filter(import_run=run).count() == 12
    assert_nothing_on_local_disk(settings)


@pytest.mark.django_db
def test_a_list_uploaded_on_the_dashboard_is_stored_on_s3_and_imported(
    s3_media,
    s3_client,
    settings,
    sample_xlsx,
    client,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    ensure_roles()
    user = django_user_model.objects.create_user(
        "canbo.sct", "canbo@sct.example.vn", "mat-khau-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    client.force_login(user)
    content = sample_xlsx.read_bytes()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # no worker here, whatever CELERY_BROKER_URL says
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/dashboard/ocop/imports/",
                {"file": SimpleUploadedFile(sample_xlsx.name, content)},
            )
    finally:
        celery_app.conf.task_always_eager = eager

    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert object_bytes(s3_client, s3_media, run.file.name) == content
    assert run.state == ImportRun.State.DONE
    assert run.result["created"] == 12
    assert Certificate.objects.count() == 12
    assert_nothing_on_local_disk(settings)

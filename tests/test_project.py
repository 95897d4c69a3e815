"""Project-level behaviour: settings from the environment, language, money, time zone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from oscar.templatetags.currency_filters import currency

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "storage": settings.STORAGES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "secret": settings.SECRET_KEY,
    "stripe": settings.STRIPE_SECRET_KEY,
    "hosts": settings.ALLOWED_HOSTS,
    "media": str(settings.MEDIA_ROOT),
}))
"""

_ENV_KEYS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "MEDIA_ROOT",
    "STRIPE_SECRET_KEY",
)


def settings_with(env: dict[str, str], data_dir: Path) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in _ENV_KEYS}
    clean.update(env, OCOP_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="ocop_market.settings")
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_no_environment(tmp_path):
    embedded = settings_with({}, tmp_path)
    assert embedded["engine"] == "django.db.backends.sqlite3"
    assert embedded["name"] == str(tmp_path / "ocop_market.sqlite3")
    assert embedded["eager"] is True and embedded["broker"] == ""
    assert embedded["storage"] == "django.core.files.storage.FileSystemStorage"
    assert embedded["debug"] is False
    assert embedded["media"] == str(tmp_path / "media")
    # A generated key is kept in the data folder and reused.
    assert embedded["secret"] == settings_with({}, tmp_path)["secret"]
    assert (tmp_path / "secret_key").read_text().strip() == embedded["secret"]


def test_production_settings_come_from_the_environment(tmp_path):
    production = settings_with(
        {
            "DATABASE_URL": "postgres://ocop:pw@db.example:5432/ocop",
            "CELERY_BROKER_URL": "redis://cache.example:6379/0",
            "AWS_STORAGE_BUCKET_NAME": "ocop-media",
            "SECRET_KEY": "from-the-environment",
            "DEBUG": "true",
            "ALLOWED_HOSTS": "ocop.example,www.ocop.example",
            "STRIPE_SECRET_KEY": "sk_test_123",
            "MEDIA_ROOT": str(tmp_path / "m"),
        },
        tmp_path,
    )
    assert production["engine"] == "django.db.backends.postgresql"
    assert production["name"] == "ocop"
    assert production["eager"] is False
    assert production["broker"] == "redis://cache.example:6379/0"
    assert production["storage"] == "storages.backends.s3.S3Storage"
    assert production["secret"] == "from-the-environment"
    assert production["debug"] is True
    assert production["hosts"] == ["ocop.example", "www.ocop.example"]
    assert production["stripe"] == "sk_test_123"
    assert production["media"] == str(tmp_path / "m")


def test_language_time_zone_and_currency_defaults():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.USE_TZ
    assert settings.OSCAR_DEFAULT_CURRENCY == "VND"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_prices_are_vnd_without_decimals(language):
    with translation.override(language):
        assert currency(Decimal("150000")) == "150.000\u00a0₫"
        assert currency(Decimal("1250000.00")) == "1.250.000\u00a0₫"


@pytest.mark.django_db
def test_storefront_is_vietnamese_first_and_english_switchable(client):
    page = client.get("/catalogue/")
    assert page.status_code == 200
    assert '<html lang="vi"' in page.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/catalogue/"})
    assert switched.status_code == 302
    page = client.get("/catalogue/")
    assert '<html lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_private_media_is_not_served_publicly(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    for folder in ("ocop/evidence", "ocop/imports", "catalogue"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "file.txt").write_text("x")
    assert client.get("/media/catalogue/file.txt").status_code == 200
    assert client.get("/media/ocop/evidence/file.txt").status_code == 404
    assert client.get("/media/ocop/imports/file.txt").status_code == 404
    assert client.get("/media//ocop/imports/file.txt").status_code == 404


@pytest.mark.django_db
def test_vietnamese_first_even_for_an_english_browser(client):
    page = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/catalogue/"})
    page = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en"' in page.content.decode()

"""The certificate import upload page (/dashboard/ocop/imports/): who may see it, uploading a
list, how invalid rows and refused files are shown, and that it works in Vietnamese and
English. Import tasks run eagerly here, whatever CELERY_BROKER_URL says, so no worker is needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.template.defaultfilters import filesizeformat, yesno
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from ocop_market.celery import app as celery_app
from plugins.ocop.models import Certificate, ImportRun, OcopProduct, Producer
from plugins.ocop.roles import DEPARTMENT_STAFF, ensure_roles

# Uploads go to a throw-away media directory, not the checkout's data/.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

UPLOAD_URL = "/dashboard/ocop/imports/"
LANGUAGES = ["vi", "en"]
#: A link of Oscar's dashboard chrome in each language, to tell which one a page is in.
RETURN_TO_SITE = {"vi": "Quay lại trang", "en": "Return to site"}

#: Row 3 (the header is row 1) has a star rank outside 1–5 in column E.
CSV_WITH_INVALID_STARS = (
    "TT,Tên sản phẩm,Chủ thể,Nhóm sản phẩm,Số sao,Quyết định\n"
    "1,Chè Tân Cương,HTX Chè Tân Cương,Đồ uống,4 sao,120/QĐ-UBND ngày 10/11/2023\n"
    "2,Miến dong Bình Liêu,HTX Miến Bình Liêu,Thực phẩm,7 sao,121/QĐ-UBND ngày 10/11/2023\n"
    "3,Nón lá Chuông,Hộ kinh doanh Nguyễn Văn An,Thủ công mỹ nghệ,3 sao,"
    "122/QĐ-UBND ngày 10/11/2023\n"
)


@pytest.fixture(autouse=True)
def eager_tasks(settings):
    """Run import tasks in-process even when CELERY_BROKER_URL (CI) made them non-eager."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def department_user(django_user_model):
    ensure_roles()
    user = django_user_model.objects.create_user(
        "canbo.sct", "canbo@sct.example.vn", "mat-khau-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    return user


@pytest.fixture
def staff_client(client, department_user):
    client.force_login(department_user)
    return client


def speak(client, language: str) -> None:
    """Choose the interface language as the language switcher does (its cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def upload(client, name: str, content: bytes, language: str = "vi", **data):
    speak(client, language)
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, content), **data})


def summary_value(html: str, label: str) -> str:
    """The value shown next to ``label`` in the run's summary list."""
    match = re.search(
        rf"<dt[^>]*>\s*{re.escape(escape(label))}\s*</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S
    )
    assert match, f"{label!r} is not in the summary"
    return match.group(1).strip()


def assert_in_language(html: str, language: str) -> None:
    assert f'<html lang="{language}"' in html
    for other, text in RETURN_TO_SITE.items():
        assert (text in html) == (other == language), f"{text!r} on the {language} page"


def assert_nothing_written() -> None:
    assert Certificate.objects.count() == 0
    assert OcopProduct.objects.count() == 0
    assert Producer.objects.count() == 0


# Access ----------------------------------------------------------------------------------------


def test_anonymous_user_is_redirected_to_login(client, settings):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == resolve_url(settings.LOGIN_URL)
    assert parse_qs(location.query) == {"next": [UPLOAD_URL]}


def test_anonymous_upload_is_refused(client, sample_xlsx):
    response = upload(client, sample_xlsx.name, sample_xlsx.read_bytes())

    assert response.status_code == 302
    assert ImportRun.objects.count() == 0


def test_customer_without_permission_gets_403(client, django_user_model, sample_xlsx):
    customer = django_user_model.objects.create_user("khach", "khach@example.vn", "mat-khau-123")
    client.force_login(customer)

    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, sample_xlsx.name, sample_xlsx.read_bytes()).status_code == 403
    assert ImportRun.objects.count() == 0


def test_staff_outside_the_department_gets_403(client, django_user_model):
    """``is_staff`` opens Oscar's dashboard, not the import: that takes the department role."""
    other_staff = django_user_model.objects.create_user(
        "nhanvien", "nhanvien@example.vn", "mat-khau-123", is_staff=True
    )
    client.force_login(other_staff)

    assert client.get(UPLOAD_URL).status_code == 403


@pytest.mark.parametrize("language", LANGUAGES)
def test_department_staff_sees_the_upload_form(staff_client, language):
    speak(staff_client, language)
    response = staff_client.get(UPLOAD_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert_in_language(html, language)
    assert 'id="ocop-import-form"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="file"' in html
    with translation.override(language):
        assert escape(gettext("Import an OCOP certificate list")) in html
        assert escape(gettext("No imports yet.")) in html


def test_dashboard_menu_links_the_imports_for_department_staff_only(
    client, department_user, django_user_model
):
    client.force_login(department_user)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert f'href="{UPLOAD_URL}"' in response.content.decode()

    other_staff = django_user_model.objects.create_user(
        "nhanvien", "nhanvien@example.vn", "mat-khau-123", is_staff=True
    )
    client.force_login(other_staff)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert f'href="{UPLOAD_URL}"' not in response.content.decode()


def test_language_can_be_switched_to_english(staff_client):
    assert_in_language(staff_client.get(UPLOAD_URL).content.decode(), "vi")

    response = staff_client.post("/i18n/setlang/", {"language": "en", "next": UPLOAD_URL})
    assert response.status_code == 302

    html = staff_client.get(UPLOAD_URL).content.decode()
    assert_in_language(html, "en")


# Uploading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_uploading_the_sample_list_imports_its_12_certificates(
    staff_client, department_user, sample_xlsx, django_capture_on_commit_callbacks, language
):
    # ATOMIC_REQUESTS wraps the view in a transaction and the task is sent on commit, which
    # never happens inside this (non-transactional) test: run the callbacks here instead.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, sample_xlsx.name, sample_xlsx.read_bytes(), language)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ocop:import-detail", kwargs={"pk": run.pk})
    assert len(callbacks) == 1
    assert run.filename == sample_xlsx.name
    assert run.created_by == department_user
    assert run.state == ImportRun.State.DONE
    assert run.result["rows_read"] == 12
    assert run.result["created"] == 12
    assert run.result["errors"] == []
    assert run.result["written"] is True
    assert Certificate.objects.count() == 12
    assert Certificate.objects.filter(import_run=run).count() == 12
    assert run.file.read() == sample_xlsx.read_bytes()

    detail = staff_client.get(response["Location"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert_in_language(html, language)
    assert 'data-state="done"' in html
    assert 'id="ocop-import-errors"' not in html
    with translation.override(language):
        assert summary_value(html, gettext("Rows read")) == "12"
        assert summary_value(html, gettext("Certificates created")) == "12"
        assert summary_value(html, gettext("State")) == escape(gettext("Done"))

    listing = staff_client.get(UPLOAD_URL).content.decode()
    assert escape(sample_xlsx.name) in listing
    assert reverse("ocop:import-detail", kwargs={"pk": run.pk}) in listing


def test_invalid_star_rank_is_shown_with_row_and_column_and_nothing_is_written(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "danh-sach-loi.csv", CSV_WITH_INVALID_STARS.encode())

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.state == ImportRun.State.FAILED
    assert run.result["written"] is False
    assert run.result["rows_read"] == 3
    assert_nothing_written()
    [error] = run.result["errors"]
    assert error["row"] == 3
    assert error["column"] == "Số sao (E)"
    assert error["value"] == "7 sao"
    assert error["code"] == "invalid_stars"
    assert "7 sao" in error["message"]

    html = staff_client.get(response["Location"]).content.decode()
    assert 'data-state="failed"' in html
    table = re.search(r'<table[^>]*id="ocop-import-errors".*?</table>', html, re.S)
    assert table, "the invalid rows table is missing"
    cells = re.findall(r"<td>(.*?)</td>", table.group(0), re.S)
    assert cells == ["3", escape("Số sao (E)"), "7 sao", escape(error["message"])]
    with translation.override("vi"):
        assert summary_value(html, gettext("Written")) == yesno(False)


def test_dry_run_writes_nothing(staff_client, sample_xlsx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, sample_xlsx.name, sample_xlsx.read_bytes(), dry_run="on")

    run = ImportRun.objects.get()
    assert run.dry_run is True
    assert run.state == ImportRun.State.DONE
    assert run.result["rows_read"] == 12
    assert run.result["written"] is False
    assert_nothing_written()


# Refused files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param(
            "cai-dat.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 50, "cai-dat.exe", id="exe"
        ),
        pytest.param(
            "danh-sach.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 50, "danh-sach.xls", id="xls"
        ),
        # Binary garbage under an accepted name is refused by looking at the content.
        pytest.param(
            "danh-sach.csv", bytes(range(256)) * 8, "not a CSV or XLSX file", id="garbage-csv"
        ),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_file_that_is_not_a_list_is_refused_by_the_form(
    staff_client, django_capture_on_commit_callbacks, name, content, expected, language
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, name, content, language)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert expected in errors[0]
    html = response.content.decode()
    assert escape(errors[0]) in html
    assert_in_language(html, language)
    assert ImportRun.objects.count() == 0
    assert callbacks == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_file_over_the_size_limit_is_refused_by_the_form(
    staff_client, settings, sample_xlsx, django_capture_on_commit_callbacks, language
):
    settings.OCOP_IMPORT_MAX_UPLOAD_BYTES = 1024
    content = sample_xlsx.read_bytes()
    assert len(content) > 1024

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, sample_xlsx.name, content, language)

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    with translation.override(language):
        assert filesizeformat(1024) in error
        assert filesizeformat(len(content)) in error
    assert escape(error) in response.content.decode()
    assert ImportRun.objects.count() == 0
    assert callbacks == []


def test_a_file_at_the_size_limit_is_accepted(
    staff_client, settings, sample_xlsx, django_capture_on_commit_callbacks
):
    settings.OCOP_IMPORT_MAX_UPLOAD_BYTES = Path(sample_xlsx).stat().st_size

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, sample_xlsx.name, sample_xlsx.read_bytes())

    assert response.status_code == 302
    assert ImportRun.objects.get().result["created"] == 12

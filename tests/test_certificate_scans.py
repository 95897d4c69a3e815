"""Certificate scans and certification change requests, route by route: producers upload scans
of their own certificates and ask for changes with the scan attached; nothing changes until
department staff approve, and approval records the decision by the certificate rules (a new
decision supersedes the old one); rejection changes nothing. Scans open only through fresh
signed links, for their producer and for staff; anything of another producer is a 404."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from oscar.apps.catalogue.models import ProductAttributeValue

from plugins.ocop.models import (
    Certificate,
    CertificateScan,
    CertificationChangeRequest,
    OcopProduct,
    Producer,
    add_months,
)
from plugins.ocop.roles import DEPARTMENT_STAFF, DEPARTMENT_VIEWER

from .helpers import import_list, make_user
from .test_uploads import EXE_BYTES, pdf_bytes

# Uploads go to a throw-away media directory, not the checkout's data/.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

MY_CERTIFICATES = "/dashboard/ocop/my-certificates/"
MY_REQUESTS = "/dashboard/ocop/my-certificates/requests/"
QUEUE = "/dashboard/ocop/certification-requests/"

TEA = "HTX Chè Liêm Sơn"
HAT = "Hộ kinh doanh Vũ Thị Thoa"
LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Điểm,Quyết định\n"
    f'Trà xanh,{TEA},"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",Đồ uống,4 sao,75,'
    "1/QĐ-UBND ngày 01/06/2025\n"
    f'Nón lá,{HAT},"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",Thủ công mỹ nghệ,3 sao,60,'
    "2/QĐ-UBND ngày 01/01/2024\n"
)


@pytest.fixture
def producers():
    import_list(LIST)
    return {p.name: p for p in Producer.objects.all()}


@pytest.fixture
def tea_user(django_user_model, producers):
    user = make_user(django_user_model, "htx-che")
    producers[TEA].partner.users.add(user)
    return user


@pytest.fixture
def hat_user(django_user_model, producers):
    user = make_user(django_user_model, "ho-non-la")
    producers[HAT].partner.users.add(user)
    return user


@pytest.fixture
def staff(django_user_model):
    return make_user(django_user_model, "canbo", group=DEPARTMENT_STAFF, is_staff=True)


def product_of(producers, name: str) -> OcopProduct:
    return OcopProduct.objects.get(producer=producers[name])


def pdf_upload(name: str = "quyet-dinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def upload_scan(client, certificate: Certificate, upload=None):
    return client.post(
        MY_CERTIFICATES,
        {"certificate": certificate.pk, "scan": upload or pdf_upload()},
    )


def ask_change(client, product: OcopProduct, **overrides):
    data = {
        "product": product.pk,
        "stars": "5 sao",
        "score": "92",
        "decision_number": "Số 99/QĐ-BNN-VPĐP",
        "decision_date": "15/10/2026",
        "valid_until": "",
        "note": "Sản phẩm đã được nâng hạng.",
        "scan": pdf_upload("qd-nang-hang.pdf"),
    }
    data.update(overrides)
    return client.post(MY_REQUESTS, {k: v for k, v in data.items() if v is not None})


def stars_attribute(product: OcopProduct) -> int:
    return ProductAttributeValue.objects.get(
        product=product.product, attribute__code="ocop_stars"
    ).value_integer


def fetch(client, url: str):
    """GET, following the redirect to the signed link; returns the final response."""
    response = client.get(url)
    assert response.status_code == 302, response
    assert response["Cache-Control"] == "no-store"
    return client.get(response["Location"])


# Scans ------------------------------------------------------------------------------------------


def test_a_producer_uploads_a_scan_and_opens_it_through_a_signed_link(
    client, tea_user, producers, settings
):
    client.force_login(tea_user)
    product = product_of(producers, TEA)
    certificate = product.current_certificate

    response = upload_scan(client, certificate)

    assert response.status_code == 302
    scan = CertificateScan.objects.get()
    assert (scan.producer, scan.certificate, scan.uploaded_by) == (
        producers[TEA],
        certificate,
        tea_user,
    )
    assert (scan.original_name, scan.content_type) == ("quyet-dinh.pdf", "application/pdf")
    assert scan.size == len(pdf_bytes())
    assert scan.file.name.startswith(f"scans/producer-{producers[TEA].pk}/")
    stored = Path(settings.MEDIA_ROOT) / "ocop" / "private" / scan.file.name
    assert stored.read_bytes() == pdf_bytes()
    assert client.get(f"/media/ocop/private/{scan.file.name}").status_code == 404

    page = client.get(MY_CERTIFICATES).content.decode()
    assert f'href="/dashboard/ocop/my-certificates/scans/{scan.pk}/"' in page
    assert 'href="/dashboard/ocop/my-certificates/"' in page  # the dashboard menu entry
    opened = fetch(client, f"{MY_CERTIFICATES}scans/{scan.pk}/")
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == pdf_bytes()


def test_a_renamed_executable_is_refused_on_the_upload_page(client, tea_user, producers):
    client.force_login(tea_user)
    certificate = product_of(producers, TEA).current_certificate

    response = upload_scan(client, certificate, SimpleUploadedFile("scan.pdf", EXE_BYTES))

    assert response.status_code == 200
    html = response.content.decode()
    assert "“scan.pdf”" in html and "a Windows executable" in html
    assert not CertificateScan.objects.exists()


def test_a_producer_never_reaches_another_producers_scans_or_requests(
    client, tea_user, hat_user, producers
):
    client.force_login(tea_user)
    tea = product_of(producers, TEA)
    upload_scan(client, tea.current_certificate)
    ask_change(client, tea)
    scan = CertificateScan.objects.get(certificate=tea.current_certificate)
    change = CertificationChangeRequest.objects.get()

    client = Client()  # no messages left over from the other producer's session
    client.force_login(hat_user)
    assert client.get(f"{MY_CERTIFICATES}scans/{scan.pk}/").status_code == 404
    assert client.get(f"{MY_CERTIFICATES}scans/{change.scan_id}/").status_code == 404
    assert client.get(f"{MY_REQUESTS}{change.pk}/").status_code == 404
    page = client.get(MY_CERTIFICATES).content.decode()
    assert "Trà xanh" not in page and "quyet-dinh.pdf" not in page
    assert "qd-nang-hang.pdf" not in client.get(MY_REQUESTS).content.decode()
    # Nor can the form be pointed at the other producer's certificate or product.
    assert upload_scan(client, tea.current_certificate).status_code == 200
    assert ask_change(client, tea).status_code == 200
    assert CertificateScan.objects.count() == 2
    assert CertificationChangeRequest.objects.count() == 1
    # Staff pages are not theirs either.
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"/dashboard/ocop/scans/{scan.pk}/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_and_customers_are_refused(
    client, django_user_model, producers
):
    urls = [
        MY_CERTIFICATES,
        f"{MY_CERTIFICATES}scans/1/",
        MY_REQUESTS,
        f"{MY_REQUESTS}1/",
        QUEUE,
        f"{QUEUE}1/",
        "/dashboard/ocop/scans/1/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url
    client.force_login(make_user(django_user_model, "khach"))
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_staff_open_any_scan_and_the_read_only_role_cannot(
    client, tea_user, staff, django_user_model, producers
):
    client.force_login(tea_user)
    upload_scan(client, product_of(producers, TEA).current_certificate)
    scan = CertificateScan.objects.get()

    client.force_login(staff)
    opened = fetch(client, f"/dashboard/ocop/scans/{scan.pk}/")
    assert b"".join(opened.streaming_content) == pdf_bytes()

    client.force_login(make_user(django_user_model, "xem", group=DEPARTMENT_VIEWER))
    assert client.get(f"/dashboard/ocop/scans/{scan.pk}/").status_code == 403


# Change requests ------------------------------------------------------------------------------


def test_a_change_request_waits_for_staff_and_changes_nothing(client, tea_user, producers):
    client.force_login(tea_user)
    product = product_of(producers, TEA)
    before = list(Certificate.objects.values_list("pk", "stars", "score", "superseded_on"))

    response = ask_change(client, product)

    assert response.status_code == 302
    change = CertificationChangeRequest.objects.get()
    assert response["Location"] == f"{MY_REQUESTS}{change.pk}/"
    assert change.status == CertificationChangeRequest.Status.PENDING
    assert (change.stars, change.score, change.decision_number) == (5, 92, "99/QĐ-BNN-VPĐP")
    assert change.decision_date == dt.date(2026, 10, 15)
    assert change.valid_until == dt.date(2029, 10, 15)  # 36 months when left empty
    assert change.certificate == product.current_certificate
    assert change.scan.producer == producers[TEA] and change.scan.certificate is None
    assert change.requested_by == tea_user
    assert list(Certificate.objects.values_list("pk", "stars", "score", "superseded_on")) == before
    product.refresh_from_db()
    assert product.current_certificate.stars == 4 and stars_attribute(product) == 4
    page = client.get(f"{MY_REQUESTS}{change.pk}/").content.decode()
    assert 'data-status="pending"' in page and "qd-nang-hang.pdf" in page


def test_staff_approval_records_a_new_certificate_that_supersedes_the_old_one(
    client, tea_user, staff, producers
):
    client.force_login(tea_user)
    product = product_of(producers, TEA)
    old = product.current_certificate
    ask_change(client, product)
    change = CertificationChangeRequest.objects.get()

    client.force_login(staff)
    queue = client.get(QUEUE).content.decode()
    assert f'data-change-request="{change.pk}"' in queue and TEA in queue
    detail = client.get(f"{QUEUE}{change.pk}/").content.decode()
    assert f'href="/dashboard/ocop/scans/{change.scan_id}/"' in detail
    response = client.post(f"{QUEUE}{change.pk}/", {"decision": "approve", "comment": "Đúng."})

    assert response.status_code == 302
    change.refresh_from_db()
    new = Certificate.objects.get(product=product, decision_number="99/QĐ-BNN-VPĐP")
    assert change.status == CertificationChangeRequest.Status.APPROVED
    assert (change.reviewed_by, change.staff_comment) == (staff, "Đúng.")
    assert change.reviewed_at is not None and change.resulting_certificate == new
    assert (new.stars, new.score, new.decision_date) == (5, 92, dt.date(2026, 10, 15))
    assert new.valid_until == add_months(dt.date(2026, 10, 15), 36)
    assert new.issuing_level == "central"
    old.refresh_from_db()
    assert old.superseded_on == dt.date(2026, 10, 15) and old.superseded_by_upgrade
    assert old.stars == 4  # the old decision is kept, never overwritten
    product.refresh_from_db()
    assert product.current_certificate == new and stars_attribute(product) == 5
    assert change.scan.certificate == new
    assert Certificate.objects.filter(product=product).count() == 2
    # Approving again is refused and records nothing more.
    client.post(f"{QUEUE}{change.pk}/", {"decision": "approve"})
    assert Certificate.objects.filter(product=product).count() == 2
    # The producer sees the outcome.
    client.force_login(tea_user)
    page = client.get(f"{MY_REQUESTS}{change.pk}/").content.decode()
    assert 'data-status="approved"' in page and "Đúng." in page


def test_correcting_the_same_decision_updates_it_in_place(client, tea_user, staff, producers):
    client.force_login(tea_user)
    product = product_of(producers, TEA)
    current = product.current_certificate
    ask_change(
        client,
        product,
        stars="4",
        score="78",
        decision_number="1/QĐ-UBND",
        decision_date="01/06/2025",
    )
    change = CertificationChangeRequest.objects.get()
    client.force_login(staff)
    client.post(f"{QUEUE}{change.pk}/", {"decision": "approve"})

    current.refresh_from_db()
    assert current.score == 78 and current.stars == 4
    assert Certificate.objects.filter(product=product).count() == 1


def test_a_rejection_needs_a_reason_and_changes_nothing(client, tea_user, staff, producers):
    client.force_login(tea_user)
    product = product_of(producers, TEA)
    ask_change(client, product)
    change = CertificationChangeRequest.objects.get()
    before = list(Certificate.objects.values_list("pk", "stars", "score", "superseded_on"))

    client.force_login(staff)
    refused = client.post(f"{QUEUE}{change.pk}/", {"decision": "reject", "comment": " "})
    assert refused.status_code == 200 and "give the producer the reason" in (
        refused.content.decode()
    )
    change.refresh_from_db()
    assert change.status == CertificationChangeRequest.Status.PENDING

    client.post(f"{QUEUE}{change.pk}/", {"decision": "reject", "comment": "Thiếu chữ ký."})
    change.refresh_from_db()
    assert change.status == CertificationChangeRequest.Status.REJECTED
    assert (change.reviewed_by, change.staff_comment) == (staff, "Thiếu chữ ký.")
    assert list(Certificate.objects.values_list("pk", "stars", "score", "superseded_on")) == before
    assert change.scan.certificate is None
    client.force_login(tea_user)
    page = client.get(f"{MY_REQUESTS}{change.pk}/").content.decode()
    assert 'data-status="rejected"' in page and "Thiếu chữ ký." in page


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"stars": "7 sao"}, "stars", "stars must be 1–5"),
        ({"stars": "2"}, "stars", "new decisions rank 3–5 stars"),
        ({"score": "75"}, "score", "score does not match the star rank"),
        ({"score": "abc"}, "score", "score is not a number"),
        ({"decision_number": "quyết định số mười"}, "decision_number", "not a decision number"),
        ({"decision_date": "31/02/2026"}, "decision_date", "no such date"),
        ({"decision_date": "2025"}, "decision_date", "not a date"),
        ({"decision_date": "01/01/2099"}, "decision_date", "decision date is in the future"),
        ({"valid_until": "15/10/2030"}, "valid_until", "at most 36 months"),
        ({"scan": None}, "scan", "This field is required"),
        ({"scan": SimpleUploadedFile("qd.pdf", EXE_BYTES)}, "scan", "a Windows executable"),
    ],
)
def test_requested_values_are_checked_like_a_certificate_list(
    client, tea_user, producers, overrides, field, expected
):
    client.force_login(tea_user)
    client.cookies["django_language"] = "en"
    response = ask_change(client, product_of(producers, TEA), **overrides)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(expected in message for message in errors[field]), errors[field]
    assert not CertificationChangeRequest.objects.exists()
    assert not CertificateScan.objects.exists()


def test_asking_for_what_the_certificate_already_says_is_refused(client, tea_user, producers):
    client.force_login(tea_user)
    response = ask_change(
        client,
        product_of(producers, TEA),
        stars="4",
        score="75",
        decision_number="1/QĐ-UBND",
        decision_date="01/06/2025",
    )
    assert response.status_code == 200
    assert "what the current certificate already says" in response.content.decode()

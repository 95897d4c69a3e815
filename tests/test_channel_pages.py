"""The pages of modern-channel tracking: producers declaring presences in their account area,
department staff reviewing presences, entering activity and keeping the channel registry, and
the department report with the producers behind each figure. Who may do what, route by route.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.shortcuts import resolve_url
from django.template.defaultfilters import filesizeformat, floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import Image

from plugins.ocop.channels import participation
from plugins.ocop.channels.registry import channel_key
from plugins.ocop.channels.services import record_activity, record_presence, review_presence
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    Channel,
    ChannelActivity,
    Presence,
    PresenceEvent,
    PresenceSource,
    Producer,
    Verification,
    local_today,
)
from plugins.ocop.roles import DEPARTMENT_STAFF, DEPARTMENT_VIEWER

from .conftest import TODAY
from .helpers import import_list, make_user

# Uploads go to a throw-away media directory, not the checkout's data/.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

MY_CHANNELS = "/dashboard/ocop/my-channels/"
PRESENCES = "/dashboard/ocop/presences/"
PRESENCE_ADD = "/dashboard/ocop/presences/add/"
ACTIVITY_ADD = "/dashboard/ocop/activities/add/"
CHANNELS = "/dashboard/ocop/channels/"
REPORT = "/dashboard/ocop/report/"
REPORT_PRODUCERS = "/dashboard/ocop/report/producers/"
EXPORT_CSV = "/dashboard/ocop/report/export.csv"
EXPORT_XLSX = "/dashboard/ocop/report/export.xlsx"

TEA = "HTX Chè Liêm Sơn"
HAT = "Hộ kinh doanh Vũ Thị Thoa"
LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định\n"
    f'Trà xanh,{TEA},"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",Đồ uống,4 sao,'
    "1/QĐ-UBND ngày 01/06/2025\n"
    f'Nón lá,{HAT},"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",Thủ công mỹ nghệ,3 sao,'
    "2/QĐ-UBND ngày 01/01/2024\n"
)


@pytest.fixture
def producers():
    import_list(LIST)
    return {p.name: p for p in Producer.objects.all()}


@pytest.fixture
def customer(django_user_model):
    return make_user(django_user_model, "khach")


@pytest.fixture
def staff(django_user_model):
    return make_user(django_user_model, "canbo", group=DEPARTMENT_STAFF, is_staff=True)


@pytest.fixture
def viewer(django_user_model):
    """The read-only report role, deliberately not Oscar staff."""
    return make_user(django_user_model, "xembaocao", group=DEPARTMENT_VIEWER)


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
def hat_presence(producers):
    """Producer B's declared presence, with a file, that producer A must never reach."""
    return record_presence(
        producers[HAT],
        Channel.objects.get(slug="lazada"),
        source=PresenceSource.DECLARED,
        listing_url="https://www.lazada.vn/non-la",
        evidence_file=SimpleUploadedFile("non-la.png", png_bytes()),
    )


def png_bytes(size: int = 8, noise: bool = False) -> bytes:
    image = Image.new("RGB", (size, size), "white")
    if noise:
        image = Image.effect_noise((size, size), 100).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def declare(client, channel="shopee", **data):
    payload = {"channel": Channel.objects.get(slug=channel).pk, **data}
    return client.post(MY_CHANNELS, payload)


def assert_login_redirect(response, url, settings):
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == resolve_url(settings.LOGIN_URL)
    assert parse_qs(location.query)["next"] == [url]


# The authorisation matrix ----------------------------------------------------------------------


def all_routes(presence_pk: int) -> list[str]:
    return [
        MY_CHANNELS,
        f"{MY_CHANNELS}{presence_pk}/",
        f"{MY_CHANNELS}{presence_pk}/evidence/",
        PRESENCES,
        f"{PRESENCES}{presence_pk}/",
        f"{PRESENCES}{presence_pk}/evidence/",
        PRESENCE_ADD,
        ACTIVITY_ADD,
        CHANNELS,
        REPORT,
        REPORT_PRODUCERS,
        EXPORT_CSV,
        EXPORT_XLSX,
    ]


def test_anonymous_users_are_sent_to_login_from_every_page(client, settings, hat_presence):
    for url in all_routes(hat_presence.pk):
        assert_login_redirect(client.get(url), url, settings)
    assert_login_redirect(
        client.post(CHANNELS, {"name": "X", "kind": "marketplace"}), CHANNELS, settings
    )
    assert Channel.objects.filter(name="X").count() == 0


def test_customers_get_403_everywhere(client, customer, hat_presence):
    client.force_login(customer)
    for url in all_routes(hat_presence.pk):
        assert client.get(url).status_code == 403, url
    response = client.post(f"{PRESENCES}{hat_presence.pk}/", {"decision": "verify"})
    assert response.status_code == 403
    assert declare(client, listing_url="https://shopee.vn/x").status_code == 403
    assert Presence.objects.get(pk=hat_presence.pk).verification == Verification.PENDING
    assert Presence.objects.count() == 1


def test_viewer_reads_the_report_but_cannot_review_or_manage_channels(client, viewer, hat_presence):
    client.force_login(viewer)
    assert not viewer.is_staff
    assert client.get(REPORT).status_code == 200
    assert client.get(REPORT_PRODUCERS).status_code == 200
    for url in (
        MY_CHANNELS,
        PRESENCES,
        f"{PRESENCES}{hat_presence.pk}/",
        f"{PRESENCES}{hat_presence.pk}/evidence/",
        PRESENCE_ADD,
        ACTIVITY_ADD,
        CHANNELS,
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{PRESENCES}{hat_presence.pk}/", {"decision": "verify"}).status_code == 403
    response = client.post(CHANNELS, {"name": "Hasaki", "kind": "marketplace"})
    assert response.status_code == 403
    assert Presence.objects.get(pk=hat_presence.pk).verification == Verification.PENDING
    assert not Channel.objects.filter(name="Hasaki").exists()


def test_staff_outside_the_department_cannot_review(client, django_user_model, hat_presence):
    other_staff = make_user(django_user_model, "nhanvien", is_staff=True)
    client.force_login(other_staff)
    for url in (PRESENCES, f"{PRESENCES}{hat_presence.pk}/", CHANNELS, REPORT):
        assert client.get(url).status_code == 403, url


def test_department_staff_open_every_department_page(client, staff, hat_presence):
    client.force_login(staff)
    for url in all_routes(hat_presence.pk)[3:10]:
        assert client.get(url).status_code == 200, url
    # Staff are not producer users: the producer pages are not theirs.
    assert client.get(MY_CHANNELS).status_code == 403


def test_producer_cannot_see_or_touch_another_producers_presence(
    client, tea_user, hat_presence, producers
):
    client.force_login(tea_user)
    page = client.get(MY_CHANNELS)
    assert page.status_code == 200
    assert f'data-presence="{hat_presence.pk}"' not in page.content.decode()
    assert "lazada.vn/non-la" not in page.content.decode()

    detail = f"{MY_CHANNELS}{hat_presence.pk}/"
    assert client.get(detail).status_code == 404
    assert client.get(f"{detail}evidence/").status_code == 404
    response = client.post(detail, {"listing_url": "https://www.lazada.vn/gia-mao"})
    assert response.status_code == 404
    # The staff pages are closed to producers: they cannot verify anything.
    assert client.get(f"{PRESENCES}{hat_presence.pk}/").status_code == 403
    response = client.post(f"{PRESENCES}{hat_presence.pk}/", {"decision": "verify"})
    assert response.status_code == 403
    assert client.get(REPORT).status_code == 403

    # Declaring on behalf of another producer is refused by the form.
    response = declare(client, producer=producers[HAT].pk, listing_url="https://shopee.vn/x")
    assert response.status_code == 200
    assert "producer" in response.context["form"].errors

    hat_presence.refresh_from_db()
    assert hat_presence.listing_url == "https://www.lazada.vn/non-la"
    assert hat_presence.verification == Verification.PENDING
    assert hat_presence.events.count() == 1
    assert not Presence.objects.filter(producer=producers[HAT], channel__slug="shopee").exists()


def test_producer_downloads_its_own_evidence(client, hat_user, hat_presence):
    client.force_login(hat_user)
    response = client.get(f"{MY_CHANNELS}{hat_presence.pk}/evidence/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()


# Producers declaring ---------------------------------------------------------------------------


def test_declaring_a_presence_creates_a_pending_presence_with_an_audit_event(
    client, tea_user, producers
):
    client.force_login(tea_user)
    response = declare(
        client,
        channel="shopee",
        listing_url="https://shopee.vn/tra-xanh-liem-son",
        contract_number="HD-12/2026",
        note="Gian hàng chính hãng",
        evidence_file=SimpleUploadedFile("Ảnh chụp gian hàng.PNG", png_bytes()),
    )

    presence = Presence.objects.get(producer=producers[TEA])
    assert response.status_code == 302
    assert response["Location"] == f"{MY_CHANNELS}{presence.pk}/"
    assert presence.channel.slug == "shopee"
    assert presence.source == PresenceSource.DECLARED
    assert presence.verification == Verification.PENDING
    assert presence.recorded_by == tea_user
    assert presence.listing_url == "https://shopee.vn/tra-xanh-liem-son"
    assert presence.contract_number == "HD-12/2026"
    assert re.fullmatch(
        r"ocop/evidence/\d{4}/\d{2}/anh-chup-gian-hang(_\w+)?\.png", presence.evidence_file.name
    )
    [event] = presence.events.all()
    assert event.action == PresenceEvent.Action.CREATED
    assert event.source == PresenceSource.DECLARED
    assert event.user == tea_user
    assert event.details["contract_number"] == "HD-12/2026"

    html = client.get(response["Location"]).content.decode()
    assert 'data-verification="pending"' in html
    assert 'data-action="created"' in html
    assert "HD-12/2026" in html
    # A pending declaration does not count yet.
    page = client.get(MY_CHANNELS).content.decode()
    assert f'data-producer="{producers[TEA].pk}" data-active="0"' in page


def test_a_declaration_needs_some_evidence(client, tea_user):
    client.force_login(tea_user)
    response = declare(client, note="chỉ có ghi chú")
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error == gettext("Give some evidence: a listing URL, a contract number or a file.")
    assert Presence.objects.count() == 0


def test_a_pdf_contract_is_accepted_as_evidence(client, tea_user):
    client.force_login(tea_user)
    response = declare(
        client, channel="winmart", evidence_file=SimpleUploadedFile("hop-dong.pdf", PDF_BYTES)
    )
    assert response.status_code == 302
    presence = Presence.objects.get()
    assert presence.evidence_file.name.endswith("/hop-dong.pdf")
    download = client.get(f"{MY_CHANNELS}{presence.pk}/evidence/")
    assert download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("anh.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 50, id="renamed-exe"),
        pytest.param("hop-dong.pdf", b"<html><script>alert(1)</script></html>", id="html-as-pdf"),
        pytest.param("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, id="truncated-png"),
    ],
)
def test_a_file_that_is_not_an_image_or_pdf_is_refused(client, tea_user, name, content):
    client.force_login(tea_user)
    response = declare(
        client, listing_url="https://shopee.vn/x", evidence_file=SimpleUploadedFile(name, content)
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["evidence_file"]
    assert error == gettext("“%(name)s” is not an image (JPEG, PNG, WebP, GIF) or a PDF file.") % {
        "name": name
    }
    assert escape(error) in response.content.decode()
    assert Presence.objects.count() == 0


def test_an_oversized_evidence_file_is_refused_with_both_sizes(client, tea_user, settings):
    settings.OCOP_EVIDENCE_MAX_UPLOAD_BYTES = 2048
    content = png_bytes(size=64, noise=True)
    assert len(content) > 2048
    client.force_login(tea_user)
    response = declare(
        client,
        listing_url="https://shopee.vn/x",
        evidence_file=SimpleUploadedFile("anh.png", content),
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["evidence_file"]
    assert error == gettext("The file is %(size)s; the limit is %(limit)s.") % {
        "size": filesizeformat(len(content)),
        "limit": filesizeformat(2048),
    }
    assert escape(error) in response.content.decode()
    assert Presence.objects.count() == 0


def test_producer_adds_evidence_to_its_own_presence(client, hat_user, hat_presence):
    client.force_login(hat_user)
    response = client.post(
        f"{MY_CHANNELS}{hat_presence.pk}/", {"contract_number": "HD-7", "note": "bổ sung"}
    )
    assert response.status_code == 302
    hat_presence.refresh_from_db()
    assert hat_presence.contract_number == "HD-7"
    assert list(hat_presence.events.values_list("action", flat=True)) == ["created", "updated"]


def test_producer_page_shows_active_once_verified_with_recent_activity(
    client, hat_user, hat_presence, staff, producers
):
    hat = producers[HAT]
    review_presence(hat_presence, verified=True, user=staff)
    record_activity(
        hat,
        hat_presence.channel,
        date=local_today(),
        source=ActivitySource.STAFF,
        reference="staff:test",
    )
    assert participation.is_active_modern(hat, local_today())
    client.force_login(hat_user)
    html = client.get(MY_CHANNELS).content.decode()
    assert f'data-producer="{hat.pk}" data-active="1"' in html
    assert 'data-verification="verified"' in html
    assert escape(gettext("Active in modern sales channels")) in html


# Staff reviewing -------------------------------------------------------------------------------


def test_staff_verify_a_declared_presence(client, staff, hat_presence):
    client.force_login(staff)
    response = client.post(f"{PRESENCES}{hat_presence.pk}/", {"decision": "verify"})
    assert response.status_code == 302
    hat_presence.refresh_from_db()
    assert hat_presence.verification == Verification.VERIFIED
    assert hat_presence.verified_by == staff
    assert list(hat_presence.events.values_list("action", "user")) == [
        ("created", None),
        ("verified", staff.pk),
    ]


def test_a_rejection_needs_a_note_that_the_producer_then_sees(
    client, staff, hat_user, hat_presence
):
    client.force_login(staff)
    response = client.post(f"{PRESENCES}{hat_presence.pk}/", {"decision": "reject"})
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == [gettext("Say why the presence is rejected.")]
    assert Presence.objects.get(pk=hat_presence.pk).verification == Verification.PENDING

    response = client.post(
        f"{PRESENCES}{hat_presence.pk}/", {"decision": "reject", "note": "Link không mở được"}
    )
    assert response.status_code == 302
    hat_presence.refresh_from_db()
    assert hat_presence.verification == Verification.REJECTED
    event = hat_presence.events.last()
    assert (event.action, event.details) == ("rejected", {"note": "Link không mở được"})

    client.force_login(hat_user)
    html = client.get(f"{MY_CHANNELS}{hat_presence.pk}/").content.decode()
    assert 'data-verification="rejected"' in html
    assert "Link không mở được" in html


def test_presence_list_filters_by_state_channel_and_district(
    client, staff, producers, hat_presence
):
    tea_presence = record_presence(
        producers[TEA], Channel.objects.get(slug="shopee"), source=PresenceSource.STAFF
    )
    review_presence(tea_presence, verified=True, user=staff)
    client.force_login(staff)

    def listed(**params) -> set[int]:
        response = client.get(PRESENCES, params)
        assert response.status_code == 200
        return {p.pk for p in response.context["presences"]}

    assert listed() == {tea_presence.pk, hat_presence.pk}
    assert listed(verification="pending") == {hat_presence.pk}
    assert listed(verification="verified") == {tea_presence.pk}
    assert listed(channel=Channel.objects.get(slug="shopee").pk) == {tea_presence.pk}
    assert listed(district=producers[HAT].legacy_district_code) == {hat_presence.pk}
    html = client.get(PRESENCES).content.decode()
    assert f'href="{PRESENCES}{hat_presence.pk}/evidence/"' in html
    assert 'data-action="verified"' in html


def test_staff_enter_a_presence_and_may_verify_it_at_once(client, staff, producers):
    client.force_login(staff)
    tea = producers[TEA]
    response = client.post(
        PRESENCE_ADD,
        {
            "producer": tea.pk,
            "channel": Channel.objects.get(slug="coopmart").pk,
            "contract_number": "HĐ-01/2026",
            "verify_now": "on",
        },
    )
    assert response.status_code == 302
    presence = Presence.objects.get(producer=tea)
    assert presence.source == PresenceSource.STAFF
    assert presence.verification == Verification.VERIFIED
    assert [(e.action, e.source) for e in presence.events.all()] == [
        ("created", "staff"),
        ("verified", "staff"),
    ]

    response = client.post(
        PRESENCE_ADD,
        {
            "producer": tea.pk,
            "channel": Channel.objects.get(slug="tiki").pk,
            "listing_url": "https://tiki.vn/x",
        },
    )
    assert Presence.objects.get(producer=tea, channel__slug="tiki").verification == "pending"


def test_staff_enter_activity_with_a_unique_staff_reference(client, staff, producers):
    client.force_login(staff)
    tea = producers[TEA]
    data = {
        "producer": tea.pk,
        "channel": Channel.objects.get(slug="winmart").pk,
        "date": "15/11/2026",
        "orders": "4",
        "revenue": "1200000",
    }
    assert client.post(ACTIVITY_ADD, data).status_code == 302
    assert client.post(ACTIVITY_ADD, data).status_code == 302

    activities = ChannelActivity.objects.filter(producer=tea).order_by("pk")
    assert activities.count() == 2
    first = activities[0]
    assert first.source == ActivitySource.STAFF
    assert re.fullmatch(r"staff:[0-9a-f-]{36}", first.reference)
    assert first.reference != activities[1].reference
    assert first.date == dt.date(2026, 11, 15)
    assert (first.orders, first.revenue, first.recorded_by) == (4, 1200000, staff)
    # Staff activity alone does not verify the presence it creates.
    presence = Presence.objects.get(producer=tea, channel__slug="winmart")
    assert presence.verification == Verification.PENDING


def test_activity_for_another_producers_product_or_in_the_future_is_refused(
    client, staff, producers
):
    client.force_login(staff)
    hat_product = producers[HAT].products.get()
    response = client.post(
        ACTIVITY_ADD,
        {
            "producer": producers[TEA].pk,
            "channel": Channel.objects.get(slug="winmart").pk,
            "date": (local_today() + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
            "product": hat_product.pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["product"] == [gettext("This product belongs to another producer.")]
    assert errors["date"] == [gettext("The date is in the future.")]
    assert ChannelActivity.objects.count() == 0


# Channel registry ------------------------------------------------------------------------------


def test_staff_add_a_channel_with_the_modern_flag_from_its_kind(client, staff):
    client.force_login(staff)
    response = client.post(CHANNELS, {"name": "Hasaki  Mart", "kind": "supermarket"})
    assert response.status_code == 302
    channel = Channel.objects.get(name="Hasaki Mart")
    assert channel.is_modern is True
    assert channel.match_key == channel_key("Hasaki Mart")
    assert channel.slug == "hasaki-mart"

    client.post(CHANNELS, {"name": "Chợ Bầu", "kind": "traditional"})
    assert Channel.objects.get(name="Chợ Bầu").is_modern is False
    client.post(CHANNELS, {"name": "Đại lý Kim Bảng", "kind": "traditional", "modern": "1"})
    assert Channel.objects.get(name="Đại lý Kim Bảng").is_modern is True

    html = client.get(CHANNELS).content.decode()
    assert 'data-channel="hasaki-mart"' in html


def test_a_channel_already_in_the_registry_is_refused(client, staff):
    client.force_login(staff)
    before = Channel.objects.count()
    response = client.post(CHANNELS, {"name": "CO-OP MART", "kind": "supermarket"})
    assert response.status_code == 200
    [error] = response.context["form"].errors["name"]
    assert error == gettext("“%(name)s” is already in the registry as “%(existing)s”.") % {
        "name": "CO-OP MART",
        "existing": "Co.opmart",
    }
    assert escape(error) in response.content.decode()
    assert Channel.objects.count() == before


def test_a_channel_whose_slug_is_taken_gets_a_free_one(client, staff):
    Channel.objects.create(
        name="Old shop", slug="sieu-thi-a", match_key="oldshop", kind="marketplace", is_modern=True
    )
    client.force_login(staff)
    assert client.post(CHANNELS, {"name": "Siêu thị A", "kind": "supermarket"}).status_code == 302
    assert Channel.objects.get(name="Siêu thị A").slug == "sieu-thi-a-2"


# Menu ------------------------------------------------------------------------------------------


def test_dashboard_menu_links_the_channel_pages_for_department_staff(client, staff):
    client.force_login(staff)
    html = client.get(reverse("dashboard:index")).content.decode()
    for url in (PRESENCES, ACTIVITY_ADD, CHANNELS, REPORT):
        assert f'href="{url}"' in html


# The department report -------------------------------------------------------------------------

AS_OF = TODAY.strftime("%d/%m/%Y")
DISTRICTS = (
    "xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",
    "xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",
    "xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà Nam",
)
GROUP_NAMES = ("Thực phẩm", "Đồ uống", "Thủ công mỹ nghệ")


def import_producers(first: int, count: int) -> list[Producer]:
    """``count`` more certified producers spread over three districts, groups and ranks; one
    in five has a certificate expiring within 90 days of TODAY."""
    lines = ["Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Điện thoại"]
    for i in range(first, first + count):
        decided = "01/12/2023" if i % 5 == 0 else "01/06/2025"
        lines.append(
            f'Sản phẩm {i},HTX Sản xuất {i},"{DISTRICTS[i % 3]}",{GROUP_NAMES[i % 3]},'
            f"{3 + i % 3} sao,{100 + i}/QĐ-UBND ngày {decided},0912{i:06d}"
        )
    result = import_certificates(
        io.BytesIO("\n".join(lines).encode()), filename="more.csv", today=TODAY
    )
    assert result.ok, result.errors
    return list(Producer.objects.filter(name__startswith="HTX Sản xuất").order_by("pk"))[first:]


def sell(producer, channel="shopee", date=TODAY, reference=None, revenue=150000):
    """Sales-report activity: verifies the presence, so the producer becomes active."""
    product = producer.products.first()
    return record_activity(
        producer,
        Channel.objects.get(slug=channel),
        date=date,
        source=ActivitySource.SALES_REPORT,
        reference=reference or f"test:{producer.pk}:{channel}:{date}",
        orders=2,
        revenue=revenue,
        product=product,
    )


def activate(producers: list[Producer]) -> None:
    """Every third producer active; every fifth declared but pending."""
    for i, producer in enumerate(producers):
        if i % 3 == 0:
            sell(producer)
        if i % 5 == 0:
            record_presence(
                producer,
                Channel.objects.get(slug="tiki"),
                source=PresenceSource.DECLARED,
                listing_url=f"https://tiki.vn/{producer.pk}",
            )


def listed_producers(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {p.name for p in response.context["producers"]}


def link(html: str, element_id: str) -> str:
    match = re.search(rf'<a [^>]*href="([^"]+)" id="{element_id}"', html)
    assert match, element_id
    return match.group(1).replace("&amp;", "&")


def test_report_shows_the_headline_share_against_the_target(client, viewer, producers):
    sell(producers[TEA])
    client.force_login(viewer)
    response = client.get(REPORT, {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert (report["producers_total"], report["producers_active_modern"]) == (2, 1)
    assert 'data-total="2" data-active="1" data-share="0.5" data-met="1"' in html
    assert 'id="ocop-target-met"' in html
    assert f"{floatformat(50.0, 1)} %" in html

    assert listed_producers(client, link(html, "ocop-headline-active")) == {TEA}
    assert listed_producers(client, link(html, "ocop-headline-not-active")) == {HAT}
    assert listed_producers(client, link(html, "ocop-headline-total")) == {TEA, HAT}
    # The call list names the producer that is not active, with its product.
    call_list = re.search(r'<table[^>]*id="ocop-not-active".*?</table>', html, re.S).group(0)
    assert escape(HAT) in call_list and "Nón lá" in call_list
    assert escape(TEA) not in call_list


def test_report_below_target_says_not_met(client, viewer, producers):
    client.force_login(viewer)
    html = client.get(REPORT, {"as_of": AS_OF}).content.decode()
    assert 'data-total="2" data-active="0" data-share="0.0" data-met="0"' in html
    assert 'id="ocop-target-not-met"' in html


def test_each_breakdown_figure_links_to_the_producers_behind_it(client, viewer, producers):
    extra = import_producers(0, 9)
    activate(extra)
    client.force_login(viewer)
    response = client.get(REPORT, {"as_of": AS_OF})
    breakdowns = {b["name"]: b["rows"] for b in response.context["breakdowns"]}
    population = participation.with_participation(participation.population(TODAY), TODAY)
    for name, rows in breakdowns.items():
        assert sum(r["total"] for r in rows if name != "by_group") in (0, population.count())
        for row in rows:
            total = listed_producers(client, row["total_url"])
            active = listed_producers(client, row["active_url"])
            not_active = listed_producers(client, row["not_active_url"])
            assert len(total) == row["total"], (name, row)
            assert len(active) == row["active"], (name, row)
            assert active | not_active == total and not active & not_active
            assert all(population.get(name=n).active_modern for n in active)


def test_producer_list_keeps_the_report_filters(client, viewer, producers):
    extra = import_producers(0, 6)
    activate(extra)
    district = producers[HAT].legacy_district_code
    client.force_login(viewer)
    response = client.get(REPORT, {"as_of": AS_OF, "district": district, "type": "household"})
    assert response.context["report"]["producers_total"] == 1
    html = response.content.decode()
    assert listed_producers(client, link(html, "ocop-headline-total")) == {HAT}


def test_trend_marks_snapshot_months_as_final_figures(client, viewer, producers):
    from plugins.ocop.channels.report import snapshot_month

    snapshot_month(dt.date(2026, 9, 1))
    client.force_login(viewer)
    response = client.get(REPORT, {"as_of": AS_OF})
    html = response.content.decode()
    assert 'data-month="2026-09" data-snapshot="1"' in html
    assert 'data-month="2026-10" data-snapshot="0"' in html
    assert 'data-month="2026-11" data-snapshot="0"' in html
    trend = re.search(r'<table[^>]*id="ocop-trend-table".*?</table>', html, re.S).group(0)
    assert trend.count(escape(gettext("final figure"))) == 1
    assert '<rect class="snapshot"' in html and '<rect class="live"' in html


def test_report_page_loads_nothing_from_other_sites(client, viewer, producers):
    client.force_login(viewer)
    html = client.get(REPORT, {"as_of": AS_OF}).content.decode()
    assert "<svg" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_sales_are_shown_in_vnd(client, viewer, producers):
    sell(producers[TEA], revenue=1500000)
    client.force_login(viewer)
    html = client.get(REPORT, {"as_of": AS_OF}).content.decode()
    by_channel = re.search(r'<table[^>]*id="ocop-sales-by_channel".*?</table>', html, re.S)
    assert "Shopee" in by_channel.group(0)
    assert "1.500.000\xa0₫" in by_channel.group(0)


def test_report_page_costs_the_same_queries_for_3_and_30_producers(client, viewer):
    client.force_login(viewer)
    activate(import_producers(0, 3))
    client.get(REPORT, {"as_of": AS_OF})  # warm the session and the content-type cache

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"as_of": AS_OF}).status_code == 200
        return len(captured)

    small = {url: queries(url) for url in (REPORT, REPORT_PRODUCERS)}
    activate(import_producers(3, 27))
    assert participation.population(TODAY).count() == 30
    large = {url: queries(url) for url in (REPORT, REPORT_PRODUCERS)}
    assert large == small


def test_presence_list_costs_the_same_queries_whatever_the_data(client, staff):
    client.force_login(staff)
    activate(import_producers(0, 3))
    client.get(PRESENCES)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PRESENCES).status_code == 200
        return len(captured)

    small = queries()
    activate(import_producers(3, 27))
    assert queries() == small


@pytest.mark.parametrize(
    ("url", "content_type", "suffix"),
    [
        (EXPORT_CSV, "text/csv; charset=utf-8", "csv"),
        (
            EXPORT_XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    ],
)
def test_report_exports(client, viewer, producers, url, content_type, suffix):
    sell(producers[TEA])
    client.force_login(viewer)
    html = client.get(REPORT, {"as_of": AS_OF}).content.decode()
    assert link(html, f"ocop-export-{suffix}").startswith(f"{url}?as_of=")

    response = client.get(url, {"as_of": AS_OF})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-kenh-ban-2026-11-29.{suffix}"'
    )
    if suffix == "csv":
        assert TEA in response.content.decode("utf-8-sig")
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content))
        cells = {str(c.value) for ws in workbook for row in ws.iter_rows() for c in row}
        assert any(TEA in cell for cell in cells)

"""Discovery and trust pages of the storefront: the home page, producer pages, traceability
pages with their QR codes and printable QR sheet, and counterfeit reports from shoppers to the
Department of Industry and Trade's dashboard."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import Image
from vietnamadminunits import parse_address

from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    Channel,
    CounterfeitReport,
    OcopProduct,
    Presence,
    PresenceSource,
    Producer,
    ProductGroup,
    Verification,
)
from plugins.ocop.roles import DEPARTMENT_STAFF
from plugins.ocop.storefront import counterfeit, dashboard, pages

from .conftest import TODAY
from .helpers import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

TEA = "HTX Chè Liêm Sơn"
DRUM = "Hộ kinh doanh Nguyễn Văn Thùng"
DRUM_VILLAGE = "Làng trống Đọi Tam"
TEA_ADDRESS = "xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam"
LOTUS_STORY = "Trà ướp hương sen Bách Diệp từ đầm sen Liêm Sơn, mỗi mẻ một đêm."
HEADER = "Tên sản phẩm,Chủ thể,Địa chỉ,Làng nghề,Nhóm sản phẩm,Số sao,Quyết định,Giá (đồng),Mô tả\n"
LIST = HEADER + (
    # 5★ in force (central council).
    f'Trà sen Liêm Sơn,{TEA},"{TEA_ADDRESS}",,Đồ uống,5 sao,'
    f'145/QĐ-BNN-VPĐP ngày 01/06/2025,250000,"{LOTUS_STORY}"\n'
    # 3★ then upgraded to 4★: the older decision is superseded by an upgrade.
    f'Trà xanh Liêm Sơn,{TEA},"{TEA_ADDRESS}",,Đồ uống,3 sao,10/QĐ-UBND ngày 05/04/2024,,\n'
    f'Trà xanh Liêm Sơn,{TEA},"{TEA_ADDRESS}",,Đồ uống,4 sao,20/QĐ-UBND ngày 05/06/2025,'
    "120000,Chè búp xanh sao tay.\n"
    # 4★ decided 1 January 2023: valid until 1 January 2026, expired on TODAY.
    f'Chè búp khô,{TEA},"{TEA_ADDRESS}",,Đồ uống,4 sao,30/QĐ-UBND ngày 01/01/2023,90000,\n'
    # 3★ in force, in a craft village.
    f'Trống da Đọi Tam,{DRUM},"xã Đọi Sơn, huyện Duy Tiên, tỉnh Hà Nam",{DRUM_VILLAGE},'
    "Thủ công mỹ nghệ,3 sao,40/QĐ-UBND ngày 01/03/2025,1500000,Trống bịt da trâu.\n"
)


@pytest.fixture(autouse=True)
def setup(settings, tmp_path, monkeypatch):
    """Photos go to a throw-away media directory; every page's "today" is the suite's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ALLOWED_HOSTS = ["testserver", "ocop.example.vn"]
    monkeypatch.setattr(pages, "local_today", lambda: TODAY)
    monkeypatch.setattr(dashboard, "local_today", lambda: TODAY)


def load(text: str) -> None:
    result = import_certificates(io.BytesIO(text.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors


@pytest.fixture
def catalogue() -> dict[str, OcopProduct]:
    load(LIST)
    return {o.name: o for o in OcopProduct.objects.select_related("producer")}


@pytest.fixture
def producers(catalogue) -> dict[str, Producer]:
    return {p.name: p for p in Producer.objects.all()}


@pytest.fixture
def customer(django_user_model):
    return make_user(django_user_model, "khach")


@pytest.fixture
def department(django_user_model):
    return make_user(django_user_model, "canbo", group=DEPARTMENT_STAFF, is_staff=True)


def badge(stars: int) -> str:
    return f'data-ocop-stars="{stars}"'


def section(html: str, element_id: str) -> str:
    """The HTML of the ``<section id=…>`` of a page."""
    match = re.search(rf'<section[^>]*id="{element_id}".*?</section>', html, re.S)
    assert match, element_id
    return match.group(0)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def more_products(count: int) -> None:
    """Another list of ``count`` certified products from ``count`` producers, all 4★."""
    rows = "".join(
        f'Sản phẩm {i},HTX Số {i},"xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà Nam",'
        f"Làng nghề {i},Thực phẩm,4 sao,{100 + i}/QĐ-UBND ngày 01/02/2026,{10000 + i},"
        f"Câu chuyện {i}.\n"
        for i in range(count)
    )
    load(HEADER + rows)


# Home -------------------------------------------------------------------------------------------


def test_home_replaces_oscars_and_keeps_its_url_name(client, catalogue):
    assert reverse("ocop-store:home") == reverse("home") == "/"
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "ocop/store/home.html" in [t.name for t in response.templates]


def test_home_features_4_and_5_star_products_certified_today(client, catalogue):
    html = client.get("/").content.decode()
    featured = section(html, "featured")
    assert "Trà sen Liêm Sơn" in featured and "Trà xanh Liêm Sơn" in featured
    assert f"{badge(5)}" in featured and "OCOP 5 sao" in featured
    assert f"{badge(4)}" in featured and "OCOP 4 sao" in featured
    # 5★ first, then 4★.
    assert featured.index("Trà sen Liêm Sơn") < featured.index("Trà xanh Liêm Sơn")
    # An expired 4★ certificate and a 3★ product are not featured.
    assert "Chè búp khô" not in featured
    assert "Trống da Đọi Tam" not in featured
    assert "250.000\u00a0₫" in featured


def test_home_links_the_six_groups_to_the_filtered_catalogue(client, catalogue):
    groups = section(client.get("/").content.decode(), "groups")
    catalogue_path = reverse("ocop-store:catalogue")
    slugs = list(ProductGroup.objects.values_list("slug", flat=True))
    assert len(slugs) == 6
    for slug in slugs:
        assert f'href="{catalogue_path}?group={slug}"' in groups
    assert "Thực phẩm" in groups and "Đồ uống" in groups


def test_home_links_producers_and_craft_villages(client, producers, catalogue):
    html = client.get("/").content.decode()
    producer_links = section(html, "producers")
    for name in (TEA, DRUM):
        assert f'href="{reverse("ocop-store:producer", args=[producers[name].pk])}"' in (
            producer_links
        )
    village_url = reverse("ocop-store:catalogue") + "?" + urlencode({"village": DRUM_VILLAGE})
    villages = section(html, "villages")
    assert f'href="{escape(village_url)}"' in villages
    # The link lands on the catalogue filtered to the village's products.
    listing = client.get(village_url).content.decode()
    assert "Trống da Đọi Tam" in listing and "Trà sen Liêm Sơn" not in listing


def test_home_drops_a_product_the_day_after_its_certificate_expires(client, catalogue):
    certificate = catalogue["Trà xanh Liêm Sơn"].current_certificate
    certificate.valid_until = TODAY
    certificate.save()
    assert "Trà xanh Liêm Sơn" in section(client.get("/").content.decode(), "featured")
    certificate.valid_until = TODAY - dt.timedelta(days=1)
    certificate.save()
    assert "Trà xanh Liêm Sơn" not in section(client.get("/").content.decode(), "featured")


def test_home_costs_a_fixed_number_of_queries(client, catalogue):
    few = queries_for(client, "/")
    more_products(30)
    assert queries_for(client, "/") == few
    assert few == HOME_QUERIES


#: The request's savepoint and release (ATOMIC_REQUESTS) 2; the header's group menu 1; featured
#: product ids 1 and their cards 3 (products, stock records, images); groups 1; producers 1;
#: craft villages 1.
HOME_QUERIES = 10


# Producer ----------------------------------------------------------------------------------------


def test_producer_page_tells_story_type_place_and_map(client, producers):
    tea = producers[TEA]
    html = client.get(reverse("ocop-store:producer", args=[tea.pk])).content.decode()
    assert TEA in html
    assert "Hợp tác xã" in html  # type
    story = section(html, "story")
    assert "Chủ thể có 3 sản phẩm OCOP." in story
    assert "2 sản phẩm đang còn hiệu lực chứng nhận, cao nhất 5★." in story
    assert LOTUS_STORY in story
    place = section(html, "place")
    assert "Xã Liêm Sơn, Huyện Thanh Liêm, Tỉnh Hà Nam" in place
    assert tea.commune and tea.province
    assert f"{tea.commune}, {tea.province}" in place
    unit = parse_address("Xã Liêm Sơn, Huyện Thanh Liêm, Tỉnh Hà Nam", mode="LEGACY", level=3)
    lat, lon = f"{unit.latitude:.5f}", f"{unit.longitude:.5f}"
    assert escape(f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=14/{lat}/{lon}") in (
        place
    )


def cards(html: str) -> dict[int, str]:
    """The product cards of a page section, by OCOP product id."""
    found = re.findall(
        r'<article class="ocop-product[^"]*" data-ocop-product="(\d+)">(.*?)</article>', html, re.S
    )
    return {int(pk): body for pk, body in found}


def test_producer_page_lists_all_products_with_badges_and_expiry_notice(
    client, producers, catalogue
):
    html = client.get(reverse("ocop-store:producer", args=[producers[TEA].pk])).content.decode()
    shown = cards(section(html, "products"))
    assert set(shown) == {o.pk for o in catalogue.values() if o.producer.name == TEA}
    assert badge(5) in shown[catalogue["Trà sen Liêm Sơn"].pk]
    assert badge(4) in shown[catalogue["Trà xanh Liêm Sơn"].pk]
    expired = shown[catalogue["Chè búp khô"].pk]
    assert "data-ocop-stars" not in expired and "Chứng nhận OCOP đã hết hạn" in expired
    # Certified products first, most stars first.
    assert list(shown) == [
        catalogue[n].pk for n in ("Trà sen Liêm Sơn", "Trà xanh Liêm Sơn", "Chè búp khô")
    ]
    drum = client.get(reverse("ocop-store:producer", args=[producers[DRUM].pk])).content.decode()
    assert badge(3) in section(drum, "products")
    assert DRUM_VILLAGE in drum


def test_producer_page_lists_only_verified_channels_elsewhere(client, producers):
    tea = producers[TEA]
    channels = {c.slug: c for c in Channel.objects.all()}

    def presence(slug: str, verification: str, url: str = "") -> None:
        Presence.objects.create(
            producer=tea,
            channel=channels[slug],
            listing_url=url,
            source=PresenceSource.STAFF,
            verification=verification,
        )

    presence("shopee", Verification.VERIFIED, "https://shopee.vn/htx-che-lien-son")
    presence("coopmart", Verification.VERIFIED)
    presence("lazada", Verification.PENDING, "https://www.lazada.vn/shop/che")
    presence("tiki", Verification.REJECTED, "https://tiki.vn/che")
    presence("ocop-market", Verification.VERIFIED)
    html = client.get(reverse("ocop-store:producer", args=[tea.pk])).content.decode()
    listed = section(html, "channels")
    assert re.findall(r'data-ocop-channel="([\w-]+)"', listed) == ["coopmart", "shopee"]
    assert 'href="https://shopee.vn/htx-che-lien-son"' in listed
    assert "lazada" not in listed.lower() and "tiki" not in listed.lower()


def test_producer_page_of_unknown_producer_is_404(client, catalogue):
    assert client.get(reverse("ocop-store:producer", args=[999999])).status_code == 404


def test_producer_page_costs_a_fixed_number_of_queries(client, producers):
    url = reverse("ocop-store:producer", args=[producers[TEA].pk])
    few = queries_for(client, url)
    rows = "".join(
        f'Trà số {i},{TEA},"{TEA_ADDRESS}",,Đồ uống,4 sao,{200 + i}/QĐ-UBND ngày 01/02/2026,'
        f"{5000 + i},Trà {i}.\n"
        for i in range(20)
    )
    load(HEADER + rows)
    Presence.objects.create(
        producer=producers[TEA],
        channel=Channel.objects.get(slug="shopee"),
        source=PresenceSource.STAFF,
        verification=Verification.VERIFIED,
    )
    assert queries_for(client, url) == few
    assert few == PRODUCER_QUERIES


#: Savepoint and release 2; the header's group menu 1; producer 1; product ids 1 and their cards
#: 3 (products, stock records, images); verified presences 1.
PRODUCER_QUERIES = 9


# Traceability -------------------------------------------------------------------------------


def test_trace_page_of_a_valid_certificate(client, catalogue):
    lotus = catalogue["Trà sen Liêm Sơn"]
    html = client.get(reverse("ocop-store:trace", args=[lotus.pk])).content.decode()
    status = section(html, "status")
    assert badge(5) in status and "OCOP 5 sao" in status
    assert 'data-ocop-status="valid"' in status and "Còn hiệu lực" in status
    certificate = section(html, "certificate")
    for text in ("145/QĐ-BNN-VPĐP", "01/06/2025", "Cấp trung ương", "01/06/2028"):
        assert text in certificate
    producer = section(html, "producer")
    assert TEA in producer and "Xã Liêm Sơn, Huyện Thanh Liêm, Tỉnh Hà Nam" in producer
    assert reverse("ocop-store:trace-qr", args=[lotus.pk]) in html
    assert "window.print()" in html


def test_trace_page_of_an_expired_certificate(client, catalogue):
    tea = catalogue["Chè búp khô"]
    html = client.get(reverse("ocop-store:trace", args=[tea.pk])).content.decode()
    status = section(html, "status")
    assert "data-ocop-stars" not in status
    assert "Chứng nhận OCOP đã hết hạn" in status
    assert 'data-ocop-status="expired"' in status and "Đã hết hạn" in status
    assert "01/01/2026" in section(html, "certificate")


def test_trace_page_of_an_upgraded_product_shows_its_history(client, catalogue):
    tea = catalogue["Trà xanh Liêm Sơn"]
    html = client.get(reverse("ocop-store:trace", args=[tea.pk])).content.decode()
    assert badge(4) in section(html, "status")
    history = section(html, "history")
    rows = re.findall(
        r'<tr data-ocop-certificate="\d+" data-ocop-status="(\w+)">(.*?)</tr>', history, re.S
    )
    assert [status for status, _ in rows] == ["valid", "upgraded"]
    newer, older = rows[0][1], rows[1][1]
    assert "20/QĐ-UBND" in newer and "4★" in newer and "Cấp tỉnh" in newer
    assert "10/QĐ-UBND" in older and "3★" in older and "Đã nâng hạng sao" in older


def test_trace_page_of_unknown_product_is_404(client, catalogue):
    assert client.get(reverse("ocop-store:trace", args=[999999])).status_code == 404
    assert client.get(reverse("ocop-store:trace-qr", args=[999999])).status_code == 404


def test_trace_page_costs_a_fixed_number_of_queries(client, catalogue):
    url = reverse("ocop-store:trace", args=[catalogue["Trà xanh Liêm Sơn"].pk])
    few = queries_for(client, url)
    load(
        HEADER + f'Trà xanh Liêm Sơn,{TEA},"{TEA_ADDRESS}",,Đồ uống,5 sao,'
        "90/QĐ-BNN-VPĐP ngày 01/10/2026,130000,\n"
    )
    assert queries_for(client, url) == few
    assert few == TRACE_QUERIES


#: Savepoint and release 2; the header's group menu 1; the product with its producer, group and
#: current certificate 1; the certificate history 1.
TRACE_QUERIES = 5


def svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of a segno SVG, read back from its path (one unit per module)."""
    size = re.search(r'(?:width="|viewBox="0 0 )(\d+)', svg).group(1)
    scale = re.search(r"scale\((\d+)\)", svg)
    path = re.search(r' d="([^"]+)"', svg).group(1)
    n = int(size) // (int(scale.group(1)) if scale else 1)
    grid = [[False] * n for _ in range(n)]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                grid[int(y)][column] = True
            x += float(a)
    return grid


def matrix_of(data: str, border: int) -> list[list[bool]]:
    """The modules segno draws for ``data`` with a quiet zone of ``border`` modules."""
    code = segno.make(data, error="m", micro=False)
    return [[bool(v) for v in row] for row in code.matrix_iter(border=border)]


def test_qr_svg_encodes_the_absolute_trace_url(client, catalogue):
    lotus = catalogue["Trà sen Liêm Sơn"]
    response = client.get(
        reverse("ocop-store:trace-qr", args=[lotus.pk]), HTTP_HOST="ocop.example.vn"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    expected = f"http://ocop.example.vn/truy-xuat/{lotus.pk}/"
    modules = svg_modules(svg)
    assert modules == matrix_of(expected, border=4)
    assert modules != matrix_of(f"http://ocop.example.vn/truy-xuat/{lotus.pk + 1}/", border=4)
    # The URL the QR opens is the trace page itself.
    assert client.get(expected.removeprefix("http://ocop.example.vn")).status_code == 200


# QR sheet -----------------------------------------------------------------------------------


def qr_sheet(producer: Producer) -> str:
    return reverse("ocop:qr-sheet", args=[producer.pk])


def test_qr_sheet_sends_anonymous_users_to_login(client, producers):
    response = client.get(qr_sheet(producers[TEA]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_qr_sheet_is_refused_to_another_producers_user(client, django_user_model, producers):
    drum_user = make_user(django_user_model, "thung")
    producers[DRUM].partner.users.add(drum_user)
    client.force_login(drum_user)
    assert client.get(qr_sheet(producers[TEA])).status_code == 403
    assert client.get(qr_sheet(producers[DRUM])).status_code == 200


def test_qr_sheet_for_staff_has_one_stamp_per_product(client, department, producers, catalogue):
    client.force_login(department)
    response = client.get(qr_sheet(producers[TEA]))
    assert response.status_code == 200
    html = response.content.decode()
    cells = re.findall(r'<li class="ocop-qr-cell" data-ocop-product="(\d+)">(.*?)</li>', html, re.S)
    assert sorted(int(pk) for pk, _ in cells) == sorted(
        o.pk for o in catalogue.values() if o.producer.name == TEA
    )
    by_pk = dict(cells)
    lotus = catalogue["Trà sen Liêm Sơn"]
    cell = by_pk[str(lotus.pk)]
    assert "Trà sen Liêm Sơn" in cell and badge(5) in cell
    trace = f"http://testserver/truy-xuat/{lotus.pk}/"
    assert svg_modules(cell) == matrix_of(trace, border=2)
    assert "Chứng nhận OCOP đã hết hạn" in by_pk[str(catalogue["Chè búp khô"].pk)]
    stylesheet = ROOT / "storefront_theme" / "static" / "ocop" / "css" / "discovery.css"
    assert "@media print" in stylesheet.read_text(encoding="utf-8")


# Counterfeit reports --------------------------------------------------------------------------


def png(name: str = "anh.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def report(client, product: OcopProduct, **overrides):
    data = {
        "where_seen": "Sạp chợ Bầu, Phủ Lý",
        "description": "Tem không quét được, nhãn in mờ.",
        "reporter_name": "",
        "reporter_contact": "",
        **overrides,
    }
    return client.post(reverse("ocop-store:trace", args=[product.pk]), data)


def test_anonymous_shopper_reports_a_counterfeit_and_is_thanked(client, catalogue):
    lotus = catalogue["Trà sen Liêm Sơn"]
    response = report(client, lotus, photo=png("IMG_0001.PNG"), reporter_contact="0912345678")
    assert response.status_code == 302
    assert response["Location"] == reverse("ocop-store:trace", args=[lotus.pk])
    saved = CounterfeitReport.objects.get()
    assert saved.product == lotus and saved.state == CounterfeitReport.State.NEW
    assert saved.where_seen == "Sạp chợ Bầu, Phủ Lý" and saved.reporter_contact == "0912345678"
    assert re.fullmatch(r"ocop/counterfeit/\d{4}/\d{2}/[0-9a-f]{32}\.png", saved.photo.name)
    with Image.open(saved.photo.path) as image:
        assert image.size == (40, 30)
    page = client.get(response["Location"]).content.decode()
    assert "Cảm ơn bạn! Báo cáo đã được gửi tới Sở Công Thương" in page


def test_report_without_description_is_refused(client, catalogue):
    response = report(client, catalogue["Trà sen Liêm Sơn"], description="")
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == [gettext("This field is required.")]
    assert not CounterfeitReport.objects.exists()


def test_report_with_a_renamed_non_image_is_refused(client, catalogue):
    fake = SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 not an image at all", "image/jpeg")
    response = report(client, catalogue["Trà sen Liêm Sơn"], photo=fake)
    assert response.status_code == 400
    assert response.context["form"].errors["photo"] == [
        "“anh.jpg” không phải là ảnh: hãy gửi ảnh JPEG, PNG, WebP hoặc GIF."
    ]
    assert "không phải là ảnh" in response.content.decode()
    assert not CounterfeitReport.objects.exists()


def test_report_with_an_oversized_photo_is_refused(client, catalogue):
    size = 6 * 1024 * 1024
    big = SimpleUploadedFile("lon.png", png().read() + b"\0" * size, "image/png")
    response = report(client, catalogue["Trà sen Liêm Sơn"], photo=big)
    assert response.status_code == 400
    size_text, limit_text = filesizeformat(big.size), filesizeformat(counterfeit.PHOTO_MAX_BYTES)
    assert response.context["form"].errors["photo"] == [
        f"Ảnh có dung lượng {size_text}; giới hạn là {limit_text}."
    ]
    assert not CounterfeitReport.objects.exists()


def test_reports_are_rate_limited_per_session(client, catalogue):
    lotus = catalogue["Trà sen Liêm Sơn"]
    for _ in range(counterfeit.REPORTS_PER_WINDOW):
        assert report(client, lotus).status_code == 302
    response = report(client, lotus)
    assert response.status_code == 429
    assert "Bạn đã gửi nhiều báo cáo trong một giờ qua" in response.content.decode()
    assert CounterfeitReport.objects.count() == counterfeit.REPORTS_PER_WINDOW


def test_reports_reach_department_staff_in_the_dashboard(client, department, catalogue):
    lotus = catalogue["Trà sen Liêm Sơn"]
    report(client, lotus, photo=png())
    saved = CounterfeitReport.objects.get()
    client.force_login(department)
    listing = client.get(reverse("ocop:counterfeit-list")).content.decode()
    assert f'data-report="{saved.pk}"' in listing and "Sạp chợ Bầu, Phủ Lý" in listing
    assert reverse("ocop:counterfeit-list") in client.get("/dashboard/").content.decode()
    detail_url = reverse("ocop:counterfeit-detail", args=[saved.pk])
    detail = client.get(detail_url).content.decode()
    assert "Tem không quét được, nhãn in mờ." in detail
    photo = client.get(reverse("ocop:counterfeit-photo", args=[saved.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    response = client.post(
        detail_url, {"state": "investigating", "staff_note": "Đã cử đoàn kiểm tra chợ Bầu."}
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.state == CounterfeitReport.State.INVESTIGATING
    assert saved.staff_note == "Đã cử đoàn kiểm tra chợ Bầu." and saved.handled_by == department
    closed = client.get(reverse("ocop:counterfeit-list") + "?state=closed").content.decode()
    assert f'data-report="{saved.pk}"' not in closed


def test_counterfeit_dashboard_is_closed_to_customers_and_anonymous(client, customer, catalogue):
    report(client, catalogue["Trà sen Liêm Sơn"], photo=png())
    saved = CounterfeitReport.objects.get()
    urls = [
        reverse("ocop:counterfeit-list"),
        reverse("ocop:counterfeit-detail", args=[saved.pk]),
        reverse("ocop:counterfeit-photo", args=[saved.pk]),
    ]
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(customer)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(urls[1], {"state": "closed"}).status_code == 403
    saved.refresh_from_db()
    assert saved.state == CounterfeitReport.State.NEW


def test_superuser_sees_counterfeit_reports(client, django_user_model, catalogue):
    report(client, catalogue["Trà sen Liêm Sơn"])
    admin = make_user(django_user_model, "quantri", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("ocop:counterfeit-list")).status_code == 200

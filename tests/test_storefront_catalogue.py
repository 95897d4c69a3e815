"""The shopper's catalogue, search and product page: star badges, filters, sorting, pagination,
diacritic-free search, languages, and a fixed query cost with 10,000 products."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from oscar.apps.catalogue.models import Category

from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import OcopProduct, Producer
from plugins.ocop.storefront import views
from plugins.ocop.storefront.synthetic import build_synthetic_catalogue
from plugins.ocop.templatetags import ocop_storefront

from .conftest import TODAY

pytestmark = pytest.mark.django_db

HANAM = "tỉnh Hà Nam"
LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Làng nghề,Nhóm sản phẩm,Số sao,Quyết định,Giá,Mô tả,Ghi chú\n"
    f'Bánh đa nem Làng Chều,HTX Bánh đa Làng Chều,"xã Nguyên Lý, huyện Lý Nhân, {HANAM}",'
    "Làng nghề bánh đa Làng Chều,Thực phẩm,4 sao,1/QĐ-UBND ngày 01/06/2025,45.000,"
    "Bánh đa tráng tay phơi trên giàn tre.,\n"
    f'Bánh đa vừng,HTX Bánh đa Làng Chều,"xã Nguyên Lý, huyện Lý Nhân, {HANAM}",'
    "Làng nghề bánh đa Làng Chều,Thực phẩm,3 sao,2/QĐ-UBND ngày 01/07/2025,30.000,,\n"
    f'Kẹo lạc,HTX Bánh đa Làng Chều,"xã Nguyên Lý, huyện Lý Nhân, {HANAM}",'
    "Làng nghề bánh đa Làng Chều,Thực phẩm,3 sao,3/QĐ-UBND ngày 01/08/2025,25.000,,\n"
    'Bánh đa,Hộ kinh doanh Nguyễn Văn An,"xã Bát Tràng, huyện Gia Lâm, thành phố Hà Nội",,'
    "Thực phẩm,3 sao,4/QĐ-UBND ngày 01/02/2025,20.000,,\n"
    'Nem cuốn bánh đa,Công ty TNHH Ẩm thực Ba Vì,"xã Vân Hòa, huyện Ba Vì, Hà Nội",,'
    "Thực phẩm,5 sao,145/QĐ-BNN-VPĐP ngày 01/03/2025,150.000,,\n"
    f'Trà xanh Liêm Sơn,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, {HANAM}",,'
    "Đồ uống,5 sao,146/QĐ-BNN-VPĐP ngày 01/03/2025,120.000,,\n"
    f'Mật ong Kim Bảng,HTX Ong mật Kim Bảng,"xã Thanh Sơn, huyện Kim Bảng, {HANAM}",,'
    "Thực phẩm,4 sao,5/QĐ-UBND ngày 01/06/2022,200.000,,\n"
    f'Rượu nếp Nhân Hậu,Hộ kinh doanh Lê Văn Ba,"xã Nhân Hậu, huyện Lý Nhân, {HANAM}",,'
    "Đồ uống,2 sao,6/QĐ-UBND ngày 01/06/2025,90.000,,\n"
    f'Dưa chuột bao tử,HTX Rau sạch Nhân Hậu,"xã Nhân Hậu, huyện Lý Nhân, {HANAM}",,'
    "Thực phẩm,3 sao,7/QĐ-UBND ngày 01/06/2025,35.000,,Đã thu hồi\n"
    f'Nón lá Bình Nghĩa,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, {HANAM}",'
    "Làng nghề nón lá Bình Nghĩa,Thủ công mỹ nghệ,3 sao,8/QĐ-UBND ngày 01/01/2024,80.000,,\n"
    f'Trống da Đọi Tam,HTX Trống Đọi Tam,"xã Đọi Sơn, huyện Duy Tiên, {HANAM}",'
    "Làng nghề trống Đọi Tam,Thủ công mỹ nghệ,4 sao,9/QĐ-UBND ngày 01/09/2024,2.500.000,,\n"
    f'Du lịch sinh thái Tam Chúc,Công ty CP Du lịch Tam Chúc,"xã Ba Sao, huyện Kim Bảng, {HANAM}",'
    ",Dịch vụ du lịch cộng đồng,4 sao,10/QĐ-UBND ngày 01/10/2024,300.000,,\n"
)
#: Certified today: their badge shows, with these stars.
STARS = {
    "Bánh đa nem Làng Chều": 4,
    "Bánh đa vừng": 3,
    "Kẹo lạc": 3,
    "Bánh đa": 3,
    "Nem cuốn bánh đa": 5,
    "Trà xanh Liêm Sơn": 5,
    "Nón lá Bình Nghĩa": 3,  # expires on 01/01/2027: still certified, within 90 days
    "Trống da Đọi Tam": 4,
    "Du lịch sinh thái Tam Chúc": 4,
}
EXPIRED = "Mật ong Kim Bảng"  # valid until 01/06/2025
LEGACY = "Rượu nếp Nhân Hậu"  # a 2★ rank from the 2019 rules
REVOKED = "Dưa chuột bao tử"
ALL = set(STARS) | {EXPIRED, LEGACY, REVOKED}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "local_today", lambda: TODAY)
    monkeypatch.setattr(ocop_storefront, "local_today", lambda: TODAY)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue() -> dict[str, OcopProduct]:
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors
    return {o.name: o for o in OcopProduct.objects.select_related("producer", "product")}


def page(client, path: str = "/catalogue/", **params) -> str:
    url = f"{path}?{urlencode(params)}" if params else path
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def cards(html: str) -> list[str]:
    """The product cards of a listing, in order."""
    return re.findall(
        r'<article class="ocop-product[^"]*" data-ocop-product="\d+">.*?</article>', html, re.S
    )


def card_name(card: str) -> str:
    return unescape(re.search(r'<h3 class="ocop-product__title"><a [^>]*>(.*?)</a>', card).group(1))


def listed(client, path: str = "/catalogue/", **params) -> list[str]:
    return [card_name(c) for c in cards(page(client, path, **params))]


def card_of(html: str, name: str) -> str:
    return next(c for c in cards(html) if card_name(c) == name)


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="ocop-badge[^"]*"[^>]*>.*?</span></span>', html, re.S)


# Star badge ---------------------------------------------------------------------------------


def test_card_badge_carries_stars_attribute_and_accessible_text(client, catalogue):
    html = page(client)
    tea = card_of(html, "Trà xanh Liêm Sơn")
    (badge,) = badges(tea)
    assert 'data-ocop-stars="5"' in badge
    assert 'aria-label="OCOP 5 sao"' in badge
    assert ">★★★★★<" in badge and ">OCOP 5 sao<" in badge
    for name, stars in STARS.items():
        assert f'data-ocop-stars="{stars}"' in card_of(html, name), name


def test_expired_product_is_listed_without_badge_with_a_notice(client, catalogue):
    honey = card_of(page(client), EXPIRED)
    assert "data-ocop-stars" not in honey and "ocop-badge" not in honey
    assert '<span class="ocop-expired" role="note">Chứng nhận OCOP đã hết hạn</span>' in honey
    assert "Thêm vào giỏ hàng" in honey  # still buyable


def test_legacy_two_star_rank_and_revoked_certificate_show_no_badge(client, catalogue):
    html = page(client)
    for name in (LEGACY, REVOKED):
        card = card_of(html, name)
        assert "data-ocop-stars" not in card and "ocop-expired" not in card, name
    assert html.count("data-ocop-stars=") == len(STARS)


def test_badge_changes_the_day_a_certificate_expires(client, catalogue, monkeypatch):
    assert 'data-ocop-stars="3"' in card_of(page(client), "Nón lá Bình Nghĩa")
    next_year = dt.date(2027, 1, 2)
    monkeypatch.setattr(views, "local_today", lambda: next_year)
    hat = card_of(page(client), "Nón lá Bình Nghĩa")  # the cached listing is not reused
    assert "data-ocop-stars" not in hat and "Chứng nhận OCOP đã hết hạn" in hat
    assert "Nón lá Bình Nghĩa" not in listed(client, stars=3)


def test_badge_follows_a_revocation_at_once(client, catalogue):
    assert "Trà xanh Liêm Sơn" in listed(client, stars=5)
    certificate = catalogue["Trà xanh Liêm Sơn"].current_certificate
    certificate.revoked_on = TODAY
    certificate.save()
    assert "data-ocop-stars" not in card_of(page(client), "Trà xanh Liêm Sơn")
    assert listed(client, stars=5) == ["Nem cuốn bánh đa"]


def test_card_shows_producer_place_and_price_in_vnd(client, catalogue):
    cake = catalogue["Bánh đa nem Làng Chều"]
    card = card_of(page(client), cake.name)
    assert "HTX Bánh đa Làng Chều" in card
    assert f"{cake.producer.commune}, {cake.producer.province}" in card
    assert '<p class="ocop-product__price">45.000\u00a0₫</p>' in card
    assert f'action="{reverse("basket:add", kwargs={"pk": cake.product_id})}"' in card


def test_add_to_basket_from_a_card_puts_the_product_in_the_basket(client, catalogue):
    card = card_of(page(client), "Trống da Đọi Tam")
    action = re.search(r'<form action="([^"]+)" method="post">', card).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
    assert "placeholder" not in token
    client.post(action, {"quantity": 1, "csrfmiddlewaretoken": token})
    basket = page(client, "/basket/")
    assert "Trống da Đọi Tam" in basket and "2.500.000" in basket


# Filters ------------------------------------------------------------------------------------


def test_star_filters_keep_only_products_certified_today(client, catalogue):
    assert set(listed(client, stars=3)) == set(STARS)
    assert set(listed(client, stars=4)) == {n for n, s in STARS.items() if s >= 4}
    assert set(listed(client, stars=5)) == {"Nem cuốn bánh đa", "Trà xanh Liêm Sơn"}
    assert set(listed(client)) == ALL


def test_expired_certificate_drops_product_from_star_filter(client, catalogue):
    for stars in (3, 4):
        assert EXPIRED not in listed(client, stars=stars)
    assert EXPIRED in listed(client)


def test_group_filter(client, catalogue):
    assert set(listed(client, group=2)) == {"Trà xanh Liêm Sơn", LEGACY}
    assert set(listed(client, group="do-uong")) == {"Trà xanh Liêm Sơn", LEGACY}


def test_place_filters_current_province_and_commune_and_2024_district(client, catalogue):
    hanoi = catalogue["Bánh đa"].producer
    assert set(listed(client, province=hanoi.province_code)) == {"Bánh đa", "Nem cuốn bánh đa"}
    assert listed(client, province=hanoi.province_code, commune=hanoi.commune_code) == ["Bánh đa"]
    ly_nhan = catalogue["Kẹo lạc"].producer.legacy_district_code
    assert set(listed(client, district=ly_nhan)) == {
        "Bánh đa nem Làng Chều",
        "Bánh đa vừng",
        "Kẹo lạc",
        LEGACY,
        REVOKED,
    }


def test_producer_and_craft_village_filters(client, catalogue):
    lang_chieu = catalogue["Kẹo lạc"].producer
    assert set(listed(client, producer=lang_chieu.pk)) == {
        "Bánh đa nem Làng Chều",
        "Bánh đa vừng",
        "Kẹo lạc",
    }
    assert listed(client, village="Làng nghề trống Đọi Tam") == ["Trống da Đọi Tam"]


def test_filters_combine(client, catalogue):
    ly_nhan = catalogue["Kẹo lạc"].producer.legacy_district_code
    hanam = catalogue["Kẹo lạc"].producer.province_code
    assert listed(client, stars=4, district=ly_nhan) == ["Bánh đa nem Làng Chều"]
    assert set(listed(client, stars=3, group=1, province=hanam)) == {
        "Bánh đa nem Làng Chều",
        "Bánh đa vừng",
        "Kẹo lạc",
    }
    assert listed(client, stars=5, group=4) == []
    html = page(client, stars=4, district=ly_nhan)
    chips = re.findall(r'data-ocop-filter="(\w+)" href="([^"]+)"', html)
    assert [name for name, _ in chips] == ["stars", "district"]
    without_stars = unescape(dict(chips)["stars"])
    assert "stars=" not in without_stars and f"district={ly_nhan}" in without_stars


def test_filter_choices_come_from_the_data(client, catalogue):
    html = page(client)

    def options(name: str) -> list[str]:
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]

    producers = Producer.objects.all()
    assert sorted(options("province")) == sorted({p.province_code for p in producers})
    assert sorted(options("commune")) == sorted({p.commune_code for p in producers} - {""})
    assert sorted(options("district")) == sorted({p.legacy_district_code for p in producers})
    assert sorted(options("village")) == sorted({p.craft_village for p in producers} - {""})
    assert sorted(options("producer"), key=int) == sorted((str(p.pk) for p in producers), key=int)
    assert sorted(options("group"), key=int) == ["1", "2", "4", "6"]  # no 3 or 5 in the data


def test_unknown_filter_values_are_ignored(client, catalogue):
    assert set(listed(client, stars=7, group="nope", province="99", per_page=13)) == ALL


# Sorting and pagination ---------------------------------------------------------------------


def test_default_order_is_certified_stars_first(client, catalogue):
    names = listed(client)
    assert names[:2] == ["Nem cuốn bánh đa", "Trà xanh Liêm Sơn"]
    stars = [STARS.get(n, 0) for n in names]
    assert stars == sorted(stars, reverse=True)
    assert set(names[-3:]) == {EXPIRED, LEGACY, REVOKED}


def test_sort_by_price_and_newest(client, catalogue):
    cheapest_first = listed(client, sort="price")
    assert cheapest_first[:3] == ["Bánh đa", "Kẹo lạc", "Bánh đa vừng"]
    assert cheapest_first[-1] == "Trống da Đọi Tam"
    assert listed(client, sort="-price")[0] == "Trống da Đọi Tam"
    assert listed(client, sort="newest")[0] == "Du lịch sinh thái Tam Chúc"
    assert listed(client, sort="newest")[-1] == "Bánh đa nem Làng Chều"
    assert listed(client, stars=4, sort="price") == [
        "Bánh đa nem Làng Chều",
        "Trà xanh Liêm Sơn",
        "Nem cuốn bánh đa",
        "Du lịch sinh thái Tam Chúc",
        "Trống da Đọi Tam",
    ]


@pytest.fixture
def thirty_products():
    build_synthetic_catalogue(30, today=TODAY, seed=7)


def test_pagination_twelve_per_page_by_default(client, thirty_products):
    first, second, third = (listed(client, page=n) for n in (1, 2, 3))
    assert (len(first), len(second), len(third)) == (12, 12, 6)
    assert len(set(first + second + third)) == 30
    html = page(client, page=2, group=1)
    assert "Trang 2 / " not in html  # fewer than 13 food products
    html = page(client, page=2, sort="price")
    assert "Trang 2 / 3" in html
    assert 'href="?page=3&amp;sort=price"' in html and 'href="?page=1&amp;sort=price"' in html


def test_per_page_choices(client, thirty_products):
    assert len(listed(client, per_page=24)) == 24
    assert len(listed(client, per_page=48)) == 30
    assert len(listed(client, per_page=100)) == 12
    assert listed(client, page=99) == listed(client, page=3)  # past the end: the last page
    assert listed(client, page="abc") == listed(client, page=1)


# Search -------------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_case(client, catalogue):
    found = set(listed(client, "/search/", q="banh da"))
    assert found == {
        "Bánh đa",
        "Bánh đa nem Làng Chều",
        "Bánh đa vừng",
        "Nem cuốn bánh đa",
        "Kẹo lạc",  # its producer is "HTX Bánh đa Làng Chều"
    }
    assert set(listed(client, "/search/", q="BÁNH ĐA")) == found
    assert set(listed(client, "/search/", q="Bánh  đa")) == found


def test_search_folds_d_with_stroke_to_d(client, catalogue):
    assert listed(client, "/search/", q="trong doi tam") == ["Trống da Đọi Tam"]
    assert listed(client, "/search/", q="đoi tam") == ["Trống da Đọi Tam"]
    assert "Bánh đa" in listed(client, "/search/", q="banh đa")


def test_search_covers_producer_and_place_names(client, catalogue):
    assert listed(client, "/search/", q="ba vi") == ["Nem cuốn bánh đa"]
    assert listed(client, "/search/", q="bat trang") == ["Bánh đa"]
    assert listed(client, "/search/", q="che liem") == ["Trà xanh Liêm Sơn"]


def test_search_ranks_exact_name_then_prefix_then_contains_then_producer(client, catalogue):
    assert listed(client, "/search/", q="banh da") == [
        "Bánh đa",  # exact product name
        "Bánh đa nem Làng Chều",  # name starts with it (4★ before 3★)
        "Bánh đa vừng",
        "Nem cuốn bánh đa",  # name contains it
        "Kẹo lạc",  # producer only
    ]


def test_search_stays_within_filters(client, catalogue):
    assert listed(client, "/search/", q="banh da", stars=4) == [
        "Bánh đa nem Làng Chều",
        "Nem cuốn bánh đa",
    ]
    hanoi = catalogue["Bánh đa"].producer.province_code
    assert listed(client, "/search/", q="banh da", province=hanoi) == [
        "Bánh đa",
        "Nem cuốn bánh đa",
    ]
    filters = page(client, "/search/", q="banh da", stars=4).split('class="ocop-filters__form"')[1]
    filters = filters[: filters.index("</form>")]
    assert re.search(r'<input type="search" name="q" value="banh da"', filters)
    assert re.search(r'<input type="radio" name="stars" value="4"[^>]* checked', filters)


def test_search_page_uses_oscar_url_and_our_view(client, catalogue):
    assert reverse("search:search") == reverse("ocop-store:search") == "/search/"
    assert resolve("/search/").func.view_class is views.SearchView
    html = page(client, "/search/", q="banh da")
    assert "Kết quả tìm kiếm cho “banh da”" in html


def test_search_without_match_says_so(client, catalogue):
    html = page(client, "/search/", q="xyz khong co")
    assert cards(html) == [] and "Không có sản phẩm nào khớp với “xyz khong co”" in html


# Category pages (Oscar's URL, our listing) -------------------------------------------------


def test_category_page_lists_its_group(client, catalogue):
    category = Category.objects.get(slug="do-uong")
    url = category.get_absolute_url()
    assert resolve(url).func.view_class is views.CategoryView
    assert set(listed(client, url)) == {"Trà xanh Liêm Sơn", LEGACY}
    assert listed(client, url, stars=3) == ["Trà xanh Liêm Sơn"]
    wrong = url.replace("do-uong", "sai-ten")
    assert client.get(wrong).status_code == 301


# Product page -------------------------------------------------------------------------------


def test_product_page_shows_badge_certificate_and_producer(client, catalogue):
    cake = catalogue["Bánh đa nem Làng Chều"]
    assert resolve(cake.product.get_absolute_url()).func.view_class is views.ProductDetailView
    html = page(client, cake.product.get_absolute_url())
    main = html[html.index('class="col-sm-6 product_main') :]
    (badge,) = badges(main)
    assert 'data-ocop-stars="4"' in badge and 'aria-label="OCOP 4 sao"' in badge
    certificate = html[html.index('id="ocop-certificate-title"') :]
    certificate = certificate[: certificate.index("</section>")]
    assert "Số 1/QĐ-UBND, 01/06/2025" in certificate
    assert "Cấp tỉnh" in certificate
    assert "01/06/2028" in certificate  # valid until: 36 months
    assert 'data-ocop-status="valid"' in certificate and "Còn hiệu lực" in certificate
    assert reverse("ocop-store:trace", args=[cake.pk]) in certificate
    producer = html[html.index('id="ocop-producer-title"') :]
    producer = producer[: producer.index("</section>")]
    assert "HTX Bánh đa Làng Chều" in producer and "Hợp tác xã" in producer
    assert "Làng nghề bánh đa Làng Chều" in producer
    assert cake.producer.commune in producer and "Huyện Lý Nhân" in producer
    assert reverse("ocop-store:producer", args=[cake.producer_id]) in producer
    assert "Câu chuyện sản phẩm" in html and "Bánh đa tráng tay phơi trên giàn tre." in html
    assert "45.000\u00a0₫" in html
    assert 'id="add_to_basket_form"' in html


def product_main(html: str) -> str:
    """The product page without the recommended and recently viewed products."""
    return html[html.index('class="col-sm-6 product_main') : html.index('id="ocop-producer-title"')]


def test_product_page_of_expired_and_legacy_products(client, catalogue):
    honey = product_main(page(client, catalogue[EXPIRED].product.get_absolute_url()))
    assert "data-ocop-stars" not in honey
    assert '<span class="ocop-expired" role="note">Chứng nhận OCOP đã hết hạn</span>' in honey
    assert 'data-ocop-status="expired"' in honey and "Đã hết hạn" in honey
    assert 'id="add_to_basket_form"' in honey
    wine = product_main(page(client, catalogue[LEGACY].product.get_absolute_url()))
    assert "data-ocop-stars" not in wine and "ocop-expired" not in wine
    assert "2 sao (xếp hạng cũ, không phải chứng nhận OCOP)" in wine


def test_tourism_service_page_keeps_oscar_basket_form(client, catalogue):
    tour = catalogue["Du lịch sinh thái Tam Chúc"]
    assert tour.product.get_product_class().slug == "ocop-service"
    html = page(client, tour.product.get_absolute_url())
    assert 'data-ocop-stars="4"' in html and 'id="add_to_basket_form"' in html


def test_product_page_shows_oscar_photos(client, catalogue, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from oscar.apps.catalogue.models import ProductImage
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 0)).save(buffer, "PNG")
    product = catalogue["Trà xanh Liêm Sơn"].product
    ProductImage.objects.create(
        product=product, original=SimpleUploadedFile("tra.png", buffer.getvalue())
    )
    html = page(client, product.get_absolute_url())
    assert "ocop-gallery-placeholder" not in html
    assert re.search(r'<img src="[^"]+\.(png|jpg)"', html)


def test_optional_url_gives_empty_string_for_pages_that_do_not_exist():
    assert ocop_storefront.optional_url("ocop-store:no-such-page", pk=1) == ""
    assert ocop_storefront.optional_url("ocop-store:catalogue") == "/catalogue/"


# Languages ----------------------------------------------------------------------------------


def test_vietnamese_by_default_and_english_after_switching(client, catalogue):
    html = page(client)
    assert "<h1>Sản phẩm OCOP</h1>" in html and 'aria-label="OCOP 5 sao"' in html
    assert "Chứng nhận OCOP đã hết hạn" in html and "Bộ lọc" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/catalogue/"})
    assert response.status_code == 302
    html = page(client)
    assert "<h1>OCOP products</h1>" in html and 'aria-label="OCOP 5 stars"' in html
    assert "OCOP certificate expired" in html and "Filters" in html
    assert 'data-ocop-stars="5"' in html
    product = page(client, catalogue["Trà xanh Liêm Sơn"].product.get_absolute_url())
    assert "OCOP certificate" in product and "Valid" in product


# Oscar's stock catalogue (for the benchmark only) ------------------------------------------


def test_stock_catalogue_is_exposed_only_when_asked(client, settings):
    settings.OCOP_EXPOSE_STOCK_CATALOGUE = False
    assert client.get("/stock-catalogue/").status_code == 404
    settings.OCOP_EXPOSE_STOCK_CATALOGUE = True
    assert client.get("/stock-catalogue/").status_code == 200
    assert resolve("/catalogue/").func.view_class is views.CatalogueView
    assert reverse("catalogue:index") == reverse("ocop-store:catalogue") == "/catalogue/"


# Query counts with 10,000 products ----------------------------------------------------------

#: The queries a listing costs when nothing is cached: transaction, catalogue version, filter
#: choices (groups, producers), count, page ids, the page's products, their stock records and
#: images, the navigation's groups.
LISTING_COLD_QUERIES = 11
#: And when the rendered listing is cached: transaction, catalogue version, navigation.
LISTING_WARM_QUERIES = 4
#: The product page on a product's first view: transaction, the product with its OCOP product,
#: producer, group and current certificate, stock records, images, Oscar's view counter (an
#: update, then an insert), the navigation, the breadcrumb's category, reviews, recommendations.
PRODUCT_QUERIES = 11
#: With recently viewed products: those products, and their cards (three queries together).
PRODUCT_QUERIES_WITH_HISTORY = PRODUCT_QUERIES + 4


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


class TestQueryCountsWith10000Products:
    """The catalogue, search and product pages cost the same number of queries for a page of
    12 as for 48, with 10,000 products in the database."""

    @pytest.fixture(scope="class", autouse=True)
    def ten_thousand_products(self, django_db_setup, django_db_blocker):
        # Built once for the class in an outer transaction that is rolled back afterwards;
        # each test runs in its own savepoint inside it.
        with django_db_blocker.unblock(), transaction.atomic():
            build_synthetic_catalogue(10_000, today=TODAY)
            yield
            transaction.set_rollback(True)

    @pytest.mark.parametrize("path", ["/catalogue/", "/search/?q=banh+da"])
    def test_listing_costs_the_same_for_12_and_48_products(self, client, path):
        assert OcopProduct.objects.count() >= 10_000
        sep = "&" if "?" in path else "?"
        cold, warm = {}, {}
        for per_page in (12, 48):
            cache.clear()
            url = f"{path}{sep}per_page={per_page}"
            cold[per_page] = count_queries(client, url)
            warm[per_page] = count_queries(client, url)
            assert len(cards(page(client, url))) == per_page
        assert cold == {12: LISTING_COLD_QUERIES, 48: LISTING_COLD_QUERIES}
        assert warm == {12: LISTING_WARM_QUERIES, 48: LISTING_WARM_QUERIES}

    def test_filtered_listing_costs_the_same(self, client):
        province = Producer.objects.values_list("province_code", flat=True).first()
        counts = set()
        for per_page in (12, 48):
            cache.clear()
            counts.add(
                count_queries(
                    client,
                    f"/catalogue/?stars=4&province={province}&sort=price&per_page={per_page}",
                )
            )
        assert counts == {LISTING_COLD_QUERIES}

    def test_product_page_costs_a_fixed_number_of_queries(self, client, django_user_model):
        """Whatever the number of recently viewed products (Oscar's history) it shows."""
        from django.test import Client

        products = (
            OcopProduct.objects.filter(product__product_class__slug="ocop-goods")
            .select_related("product")
            .order_by("pk")[:8]
        )
        urls = [o.product.get_absolute_url() for o in products]
        first_visit = count_queries(Client(), urls[0])
        one_viewed, five_viewed = Client(), Client()
        one_viewed.get(urls[1])
        for url in urls[1:6]:
            five_viewed.get(url)
        counts = [count_queries(one_viewed, urls[6]), count_queries(five_viewed, urls[7])]
        assert first_visit == PRODUCT_QUERIES
        assert counts == [PRODUCT_QUERIES_WITH_HISTORY] * 2

"""The producer's path in a real browser (headless Chromium through Playwright, the launch and
fixtures of tests/test_browser.py), against the project served by ``live_server``:

department staff invite the producer → the producer opens the emailed link and sets a password
→ signs in on the dashboard's login page → edits the price of a product and uploads a photo →
the storefront's product page shows the new price and the photo (loaded by the browser).

Screenshots of every step go to ``test-artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from oscar.apps.catalogue.models import ProductImage
from oscar.apps.partner.models import StockRecord
from PIL import Image
from playwright.sync_api import expect

from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import OcopProduct, local_today
from plugins.ocop_dashboard.invitations import invite_producer_user

# The browser (and the skip when Chromium is missing) come from the shopper's browser tests.
from .test_browser import Shopper, browser, path_is  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRODUCER = "HTX Chè Liêm Sơn"
PRODUCT = "Trà xanh Liêm Sơn"
EMAIL = "lan.htx@example.vn"
PASSWORD = "Che-Lien-Son-2026!"
LIST = (
    "Tên sản phẩm,Chủ thể,Mã số thuế,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá\n"
    f'{PRODUCT},{PRODUCER},0700123456,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
    '1/QĐ-UBND ngày 01/06/2025,"150.000"\n'
    'Chè búp Thanh Hà,HTX Chè Thanh Hà,0700654321,"xã Thanh Hà, huyện Thanh Liêm",Đồ uống,'
    '4 sao,3/QĐ-UBND ngày 01/07/2025,"120.000"\n'
)


@pytest.fixture
def producer_page(browser, live_server, settings, tmp_path):  # noqa: F811 - fixture use
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OCOP_SITE_URL = live_server.url
    cache.clear()
    shopper = Shopper(browser, live_server, "desktop", "test_producer_workspace")
    yield shopper
    shopper.close()


@pytest.fixture
def product() -> OcopProduct:
    today = local_today()
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=today)
    assert result.ok, result.errors
    return OcopProduct.objects.select_related("producer", "product").get(name=PRODUCT)


def photo(path) -> str:
    Image.new("RGB", (640, 480), (34, 120, 60)).save(path, format="JPEG")
    return str(path)


def test_a_producer_edits_a_price_uploads_a_photo_and_sees_both_on_the_storefront(
    producer_page, product, tmp_path
):
    shopper, page = producer_page, producer_page.page
    invite_producer_user(product.producer, EMAIL, invited_by=None)
    (message,) = mail.outbox
    link = re.search(r"(http://\S+/dashboard/welcome/\S+/)", message.body).group(1)

    # The emailed link: choose a password.
    page.goto(link)
    expect(page.locator("#ocop-welcome-form")).to_be_visible()
    page.locator("input[name=new_password1]").fill(PASSWORD)
    page.locator("input[name=new_password2]").fill(PASSWORD)
    shopper.shot("01-set-password")
    page.locator("#ocop-welcome-form button[type=submit]").click()
    page.wait_for_url(path_is(reverse("dashboard:index")))

    # Sign in again on the dashboard's login page, as on any later day.
    shopper.context.clear_cookies()
    page.goto(shopper.url(reverse("dashboard:index")))
    expect(page.locator("#dashboard_login_form")).to_be_visible()
    page.locator("#dashboard_login_form input[name=username]").fill(EMAIL)
    page.locator("#dashboard_login_form input[name=password]").fill(PASSWORD)
    shopper.shot("02-login")
    page.locator("#dashboard_login_form input[type=submit]").click()
    page.wait_for_url(path_is(reverse("dashboard:index")))
    home_products = page.locator("#ocop-home-products")
    expect(home_products).to_contain_text(PRODUCT)
    expect(home_products).not_to_contain_text("Chè búp Thanh Hà")
    shopper.shot("03-producer-home")

    # The product: a new price and a photo.
    home_products.locator(f"tr[data-product='{product.product_id}'] a").click()
    page.wait_for_url(path_is(reverse("dashboard:catalogue-product", args=[product.product_id])))
    expect(page.locator("#ocop-certification")).to_contain_text("1/QĐ-UBND")
    page.locator("a[href='#product_stock']").click()
    price = page.locator("input[name='stockrecords-0-price']")
    expect(price).to_have_value("150000")
    price.fill("175.000")
    page.locator("a[href='#product_images']").click()
    page.locator("input[name='images-0-original']").set_input_files(photo(tmp_path / "tra.jpg"))
    shopper.shot("04-edit-product")
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url(path_is(reverse("dashboard:catalogue-product-list")))
    expect(page.locator(".alert-success")).to_be_visible()
    shopper.shot("05-saved")

    record = StockRecord.objects.get(product=product.product)
    assert record.price == Decimal("175000")
    image = ProductImage.objects.get(product=product.product)

    # The storefront's product page.
    page.goto(shopper.url(product.product.get_absolute_url()))
    expect(page.locator(".product_main .price_color")).to_contain_text("175.000")
    gallery = page.locator(".product_page img").first
    expect(gallery).to_be_visible()
    loaded = gallery.evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded, gallery.get_attribute("src")
    assert not page.locator(".ocop-gallery-placeholder").count()
    shopper.shot("06-storefront")
    assert image.original.name.endswith(".jpg")

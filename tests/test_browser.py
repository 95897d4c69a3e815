"""The shopper's path in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright against the project served by pytest-django's ``live_server``, at desktop size and on
a phone.

1. Home → catalogue → 4★ filter → search without diacritics → product page with its badge →
   the traceability page the product's QR stamp encodes → basket → guest checkout with a
   Vietnamese address → cash on delivery → thank-you page with the order number.
2. The same purchase paid by card against the Stripe stand-in (``tests/stripe_standin.py``):
   the card method is offered, the PaymentIntent is created in VND, the card page says Stripe.js
   could not load (every request that leaves the live server is aborted, js.stripe.com
   included), then a webhook signed as Stripe signs it marks the order paid.

Data: the illustrative Hà Nam list (``plugins.ocop.sample_data``) built for today and imported
by the real importer before each test (the live server's database is flushed after each test;
product groups, channels and roles come back through ``post_migrate``).

Screenshots of every step go to ``test-artifacts/screenshots/<test>-<viewport>-<step>.png``
(git-ignored), for people to look at; the assertions do not depend on them.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it",
        allow_module_level=True,
    )

import segno  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.urls import reverse  # noqa: E402
from oscar.apps.order.models import Order  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from plugins.ocop.importer.certificates import import_certificates  # noqa: E402
from plugins.ocop.models import Certificate, OcopProduct, local_today  # noqa: E402
from plugins.ocop.sample_data import write_sample_xlsx  # noqa: E402
from plugins.ocop.text import key  # noqa: E402
from plugins.payments import statuses  # noqa: E402
from plugins.payments.methods import CARD, COD  # noqa: E402

from .stripe_standin import StripeStandIn, sign  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Every wait is explicit and bounded by this (milliseconds).
TIMEOUT_MS = 15_000
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
#: The sample product the path looks for: 5★, "Đ" in its name (folded to "d").
PREFERRED_PRODUCT = "Cá kho làng Vũ Đại"
WEBHOOK_SECRET = "whsec_browser_test"
#: Oscar's base template loads jQuery from here first (then its own copy when that fails).
OSCAR_JQUERY_CDN = "ajax.googleapis.com"
EMAIL = "lan@example.vn"
NINH_BINH = "37"
PHU_LY = "Phường Phủ Lý"


# Fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django
    # refuse ORM calls from the test ("SynchronousOnlyOperation"). The test only reads the
    # database while the browser waits, so Django's documented escape hatch is safe here; the
    # live server answers in its own thread, without a loop.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS * 2
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Shopper:
    """A browser tab at one viewport, Vietnamese first, that can reach only the live server."""

    def __init__(self, browser, live_server, viewport: str, test_name: str) -> None:
        self.base = live_server.url
        self.host = urlsplit(self.base).netloc
        self.viewport = viewport
        self.test_name = test_name
        self.blocked: list[str] = []
        self.context = browser.new_context(locale="vi-VN", **VIEWPORTS[viewport])
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._only_the_live_server)
        self.page: Page = self.context.new_page()
        expect.set_options(timeout=TIMEOUT_MS)

    def _only_the_live_server(self, route) -> None:
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def url(self, path: str) -> str:
        return self.base + path

    def shot(self, step: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{self.viewport}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=list(VIEWPORTS))
def shopper(request, browser, live_server):
    cache.clear()  # listings are cached per catalogue version; start from nothing
    shopper = Shopper(browser, live_server, request.param, request.node.originalname)
    yield shopper
    shopper.close()


@pytest.fixture
def sample_product(tmp_path) -> OcopProduct:
    """The Hà Nam sample list for today, imported; returns a goods product certified today
    with 4★ or more whose name has diacritics (the preferred one when it qualifies)."""
    today = local_today()
    path = write_sample_xlsx(tmp_path / "danh-sach-ocop-ha-nam-mau.xlsx", today)
    with path.open("rb") as stream:
        result = import_certificates(stream, filename=path.name, today=today)
    assert result.ok and result.written, result.errors[:5]

    certified = Certificate.objects.certified_on(today).filter(stars__gte=4)
    candidates = [
        ocop
        for ocop in OcopProduct.objects.select_related("product", "producer", "group")
        .filter(current_certificate__in=certified, group__is_service=False)
        .order_by("pk")
        if key(ocop.name) != ocop.name and not ocop.product.has_options
    ]
    assert candidates, "the sample list has no 4★+ goods certified today"
    preferred = [ocop for ocop in candidates if ocop.name == PREFERRED_PRODUCT]
    return (preferred or candidates)[0]


@pytest.fixture
def standin(settings):
    with StripeStandIn() as server:
        settings.STRIPE_SECRET_KEY = server.api_key
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.url
        yield server


@pytest.fixture
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""


# Helpers ------------------------------------------------------------------------------------------


def path_is(path: str):
    """A URL matcher for ``expect(page).to_have_url`` and ``wait_for_url``: this path, any host
    and query."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?(#.*)?$")


def qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) of a QR code drawn by segno as one SVG path of
    horizontal runs ("M4 4.5h7m2 0h1m-29 1h1 …", in modules before ``scale``)."""
    match = re.search(r'<path[^>]*\sd="([^"]+)"', svg)
    assert match, svg[:300]
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, first, second in re.findall(
        r"([MmHh])\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+))?", match.group(1)
    ):
        if command in "Mm":
            dx, dy = float(first), float(second)
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
        else:
            end = float(first) if command == "H" else x + float(first)
            dark.update((int(y), column) for column in range(int(x), int(end)))
            x = end
    return dark


def encoded_modules(data: str, border: int = 4) -> set[tuple[int, int]]:
    """The dark modules of segno's QR code for ``data`` (the site's error level M)."""
    code = segno.make(data, error="m", micro=False)
    return {
        (row, column)
        for row, line in enumerate(code.matrix_iter(border=border))
        for column, module in enumerate(line)
        if module
    }


def add_to_basket_and_check_out(shopper: Shopper, quantity: int = 1) -> None:
    """On a product page: add it to the basket, go to the basket, then through "who are you"
    as a guest and the Vietnamese address form, to the payment page."""
    page = shopper.page
    form = page.locator("#add_to_basket_form")
    expect(form).to_be_visible()
    basket_link = page.locator(".ocop-header__basket")
    # The product page adds one at a time (Oscar's single-quantity form), back to the page.
    for added in range(1, quantity + 1):
        form.locator("button[type=submit]").click()
        expect(basket_link.locator(".badge")).to_have_text(str(added))
    shopper.shot("07-added-to-basket")

    basket_link.click()
    page.wait_for_url(path_is(reverse("basket:summary")))
    checkout = page.locator(f"a.btn-primary[href='{reverse('checkout:index')}']")
    expect(checkout).to_be_visible()
    expect(page.locator("input[name='form-0-quantity']")).to_have_value(str(quantity))
    shopper.shot("08-basket")
    checkout.click()

    page.wait_for_url(path_is(reverse("checkout:index")))
    page.locator("#id_username").fill(EMAIL)
    page.locator("input[name=options][value=anonymous]").check()
    shopper.shot("09-who-are-you")
    page.locator("form:has(#id_username) button[type=submit]").click()

    page.wait_for_url(path_is(reverse("checkout:shipping-address")))
    address = page.locator("#new_shipping_address")
    address.locator("#id_first_name").fill("Nguyễn Thị Lan")
    address.locator("#id_phone_number").fill("0912 345 678")
    # Choosing the province reloads the form with that province's communes (a few inline lines
    # press the "show the communes" button), keeping what was typed.
    with page.expect_navigation():
        address.locator("#id_province").select_option(NINH_BINH)
    address = page.locator("#new_shipping_address")
    expect(address.locator("#id_first_name")).to_have_value("Nguyễn Thị Lan")
    expect(address.locator("#id_province")).to_have_value(NINH_BINH)
    address.locator("#id_commune").select_option(label=PHU_LY)
    address.locator("#id_line1").fill("Số 12 đường Lê Lợi")
    shopper.shot("10-address")
    address.locator("button.btn-primary.btn-lg").click()

    # Oscar chooses the only shipping method itself and moves on to the payment page.
    page.wait_for_url(path_is(reverse("checkout:payment-details")))


def choose_payment_and_place_order(shopper: Shopper, method: str) -> None:
    page = shopper.page
    page.locator(f"#method-{method}").check()
    shopper.shot("11-payment")
    page.locator("#view_preview").click()
    page.wait_for_url(path_is(reverse("checkout:preview")))
    expect(page.locator("#payment-method")).to_have_attribute("data-method", method)
    shopper.shot("12-preview")
    page.locator("#place-order").click()


def check_order(order: Order, ocop: OcopProduct, quantity: int, status: str) -> None:
    price = ocop.product.stockrecords.get().price
    assert order.guest_email == EMAIL
    assert order.status == status
    assert order.total_incl_tax == price * quantity
    line = order.lines.get()
    assert (line.product_id, line.quantity) == (ocop.product_id, quantity)
    shipping = order.shipping_address
    assert (shipping.first_name, shipping.line1) == ("Nguyễn Thị Lan", "Số 12 đường Lê Lợi")
    assert (shipping.line3, shipping.state, shipping.country_id) == (PHU_LY, "Ninh Bình", "VN")
    assert str(shipping.phone_number) == "+84912345678"


# The shopper's path, cash on delivery -------------------------------------------------------------


def test_browse_filter_search_trace_and_buy_with_cash_on_delivery(
    shopper, sample_product, no_stripe
):
    page, ocop = shopper.page, sample_product
    stars = ocop.current_certificate.stars
    term = key(ocop.name)  # "ca kho lang vu dai": no diacritics, "đ" folded to "d"
    assert term.isascii() and term != ocop.name

    # Home.
    page.goto(shopper.url("/"))
    expect(page.locator(".ocop-hero h1")).to_be_visible()
    expect(page.locator("#featured .ocop-badge").first).to_be_visible()
    shopper.shot("01-home")

    # Browse to the catalogue.
    page.locator(f".ocop-hero__actions a[href='{reverse('ocop-store:catalogue')}']").click()
    page.wait_for_url(path_is(reverse("ocop-store:catalogue")))
    count = page.locator("[data-ocop-count]")
    expect(count).to_be_visible()
    all_products = int(count.get_attribute("data-ocop-count"))
    assert all_products > 0
    expect(page.locator(".ocop-grid .ocop-product").first).to_be_visible()
    shopper.shot("02-catalogue")

    # Filter to 4★ and up (the filters are folded on a phone).
    four = page.locator(".ocop-filters input[name=stars][value='4']")
    if not four.is_visible():
        page.locator(".ocop-filters__summary").click()
    four.check()
    page.locator(".ocop-filters__form button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]stars=4(&|$)"))
    expect(page.locator(".ocop-active-filter[data-ocop-filter=stars]")).to_be_visible()
    certified = int(page.locator("[data-ocop-count]").get_attribute("data-ocop-count"))
    assert 0 < certified < all_products
    cards = page.locator(".ocop-grid .ocop-product")
    expect(cards.first).to_be_visible()
    badges = page.locator(".ocop-grid .ocop-badge[data-ocop-stars]")
    assert badges.count() == cards.count() > 0  # every card carries a badge…
    for badge in badges.all():
        expect(badge).to_be_visible()
        assert int(badge.get_attribute("data-ocop-stars")) >= 4  # …of 4★ or 5★
    expect(page.locator(".ocop-grid .ocop-expired")).to_have_count(0)
    shopper.shot("03-four-stars")

    # Search without diacritics from the header.
    search = page.locator("#ocop-search-q")
    search.fill(term)
    search.press("Enter")
    page.wait_for_url(path_is(reverse("ocop-store:search")))
    first = page.locator(".ocop-grid .ocop-product").first
    expect(first.locator(".ocop-product__title")).to_have_text(ocop.name)  # the exact name first
    shopper.shot("04-search")

    # The product page, with its badge.
    first.locator(".ocop-product__title a").click()
    page.wait_for_url(path_is(ocop.product.get_absolute_url()))
    badge = page.locator(".ocop-product-main__certification .ocop-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("data-ocop-stars", str(stars))
    expect(badge).to_contain_text(f"OCOP {stars} sao")
    expect(page.locator(".product_main h1")).to_have_text(ocop.name)
    shopper.shot("05-product")

    # The traceability page, opened at the URL the product's QR stamp encodes.
    trace_url = shopper.url(reverse("ocop-store:trace", args=[ocop.pk]))
    trace_link = page.locator(".ocop-certificate a.ocop-panel__link")
    assert trace_link.evaluate("a => a.href") == trace_url
    qr = page.request.get(shopper.url(reverse("ocop-store:trace-qr", args=[ocop.pk])))
    assert qr.ok and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr_modules(qr.text()) == encoded_modules(trace_url)
    page.goto(trace_url)
    expect(page.locator(".ocop-trace__header h1")).to_have_text(ocop.name)
    expect(page.locator("#producer")).to_contain_text(ocop.producer.name)
    certificate = ocop.current_certificate
    expect(page.locator("#certificate [data-ocop-decision]")).to_have_text(
        certificate.decision_number
    )
    status = page.locator("#status [data-ocop-status]")
    expect(status).to_have_attribute("data-ocop-status", "valid")
    expect(status).to_have_text(re.compile(r"\S"))
    expect(page.locator("#status .ocop-badge")).to_contain_text(f"OCOP {stars} sao")
    expect(page.locator(".ocop-trace__url")).to_have_text(trace_url)
    qr_image = page.locator("#qr img")
    expect(qr_image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=qr_image.element_handle()
    )
    shopper.shot("06-traceability")

    # Back to the product; basket; guest checkout; cash on delivery.
    page.go_back()
    page.wait_for_url(path_is(ocop.product.get_absolute_url()))
    add_to_basket_and_check_out(shopper)
    methods = page.locator(".payment-method[data-method]")
    expect(methods).to_have_count(1)
    expect(methods).to_have_attribute("data-method", COD)
    choose_payment_and_place_order(shopper, COD)

    page.wait_for_url(path_is(reverse("checkout:thank-you")))
    expect(page.locator("#order-status")).to_have_text(statuses.AWAITING_CONFIRMATION)
    number = page.locator(".page p.lead strong").first
    expect(number).to_have_text(re.compile(r"^\d+$"))
    shopper.shot("13-thank-you")
    order = Order.objects.get()
    assert number.inner_text() == order.number
    check_order(order, ocop, 1, statuses.AWAITING_CONFIRMATION)
    assert order.sources.get().source_type.code == COD
    # Nothing on these pages reaches outside the site except Oscar's jQuery from Google's CDN,
    # which falls back to the copy served here.
    assert {urlsplit(url).netloc for url in shopper.blocked} <= {OSCAR_JQUERY_CDN}
    assert page.evaluate("typeof window.jQuery") == "function"


# Card payment through the Stripe stand-in ---------------------------------------------------------


def test_pay_by_card_with_the_stripe_standin_and_a_signed_webhook(shopper, sample_product, standin):
    page, ocop = shopper.page, sample_product
    quantity = 2
    price = ocop.product.stockrecords.get().price

    page.goto(shopper.url(ocop.product.get_absolute_url()))
    expect(page.locator(".ocop-product-main__certification .ocop-badge")).to_be_visible()
    shopper.shot("05-product")
    add_to_basket_and_check_out(shopper, quantity)

    methods = page.locator(".payment-method[data-method]")
    expect(methods).to_have_count(2)
    expect(page.locator(f".payment-method[data-method='{CARD}']")).to_be_visible()
    choose_payment_and_place_order(shopper, CARD)

    # The card page: the PaymentIntent exists at the stand-in, in whole đồng.
    page.wait_for_url(path_is(reverse("payments:card-payment")))
    [create] = [
        r for r in standin.requests if (r.method, r.path) == ("POST", "/v1/payment_intents")
    ]
    assert create.params["amount"] == str(int(price * quantity))  # VND has no minor unit
    assert create.params["currency"] == "vnd"
    [intent] = standin.intents.values()
    assert intent["amount"] == int(price * quantity)
    # Stripe.js cannot load here (external requests are aborted): the page says so.
    expect(page.locator("#payment-message")).to_have_text(re.compile(r"\S"))
    expect(page.locator("#pay-button")).to_be_disabled()
    assert any(urlsplit(url).netloc == "js.stripe.com" for url in shopper.blocked)
    shopper.shot("13-card-payment")

    page.locator(f"a[href='{reverse('checkout:thank-you')}']").click()
    page.wait_for_url(path_is(reverse("checkout:thank-you")))
    expect(page.locator("#order-status")).to_have_text(statuses.AWAITING_PAYMENT)
    shopper.shot("14-awaiting-payment")
    order = Order.objects.get()
    assert order.sources.get().reference == intent["id"]

    # Stripe confirms the card and sends its webhook, signed with the endpoint's secret.
    event = standin.event("payment_intent.succeeded", standin.succeed(intent["id"]))
    payload = json.dumps(event)
    response = page.request.post(
        shopper.url(reverse("payments:stripe-webhook")),
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(payload, WEBHOOK_SECRET),
        },
    )
    assert response.status == 200, response.text()
    assert response.json()["processed"] is True

    page.reload()
    expect(page.locator("#order-status")).to_have_text(statuses.PAID)
    expect(page.locator("#payment-status .text-success")).to_be_visible()
    shopper.shot("15-paid")
    order.refresh_from_db()
    check_order(order, ocop, quantity, statuses.PAID)
    source = order.sources.get()
    assert (source.source_type.code, source.amount_debited) == (CARD, Decimal(price * quantity))

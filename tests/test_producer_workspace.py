"""The producer workspace: producers manage their own listings in Oscar's dashboard, restricted
to them (plugins/ocop_dashboard, docs/producers.md).

Two producers, A and B, each with products, stock records, photos, orders (one order holds
both producers' lines), a channel presence and notes. The authorization matrix below lists
every dashboard page and operation that touches one of B's objects: producer A gets 403 or 404
and a tampered POST changes nothing. Anonymous users are sent to log in on every dashboard
route; producers are refused every staff-only route and do not see them in the menu.
Invitations: the email, the one-time link, the command and the department's page.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import boto3
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape
from oscar.apps.catalogue.models import ProductCategory, ProductImage
from oscar.apps.order.models import Order, OrderNote, PaymentEvent, ShippingEvent, ShippingEventType
from oscar.apps.partner.models import StockRecord
from oscar.test.factories import create_order
from PIL import Image

from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    CertificateScan,
    CertificationChangeRequest,
    Channel,
    OcopProduct,
    Presence,
    PresenceSource,
    Producer,
)
from plugins.ocop.roles import DEPARTMENT_STAFF, PRODUCER_USERS
from plugins.ocop_dashboard import views as dashboard_views
from plugins.ocop_dashboard.invitations import (
    InvitationError,
    find_producer,
    invitation_tokens,
    invite_producer_user,
)
from plugins.ocop_dashboard.models import ProducerInvitation
from plugins.payments.models import Payout

from .conftest import TODAY
from .helpers import basket_with
from .test_s3_storage import bucket, s3_client, s3_endpoint, s3_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

TEA_A = "HTX Chè Liêm Sơn"
TEA_B = "HTX Chè Thanh Hà"
DRUM = "Hộ kinh doanh Nguyễn Văn Thùng"
TAX_A = "0700123456"
TAX_B = "0700654321"
LIST = (
    "Tên sản phẩm,Chủ thể,Mã số thuế,Địa chỉ,Nhóm sản phẩm,Số sao,Điểm,Quyết định,Giá,Mô tả\n"
    f'Trà xanh Liêm Sơn,{TEA_A},{TAX_A},"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,78,'
    '1/QĐ-UBND ngày 01/06/2025,"150.000",Chè búp xanh sao tay.\n'
    f'Trà sen Liêm Sơn,{TEA_A},{TAX_A},"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,5 sao,92,'
    '2/QĐ-BNN ngày 01/06/2025,"250.000",\n'
    f'Chè búp Thanh Hà,{TEA_B},{TAX_B},"xã Thanh Hà, huyện Thanh Liêm",Đồ uống,4 sao,75,'
    '3/QĐ-UBND ngày 01/07/2025,"120.000",Chè Thanh Hà.\n'
    f'Trống da Đọi Tam,{DRUM},,"xã Đọi Sơn, huyện Duy Tiên",Thủ công mỹ nghệ,3 sao,60,'
    '4/QĐ-UBND ngày 01/03/2025,"1.500.000",\n'
)
PASSWORD = "mat-khau-123"
NEW_PASSWORD = "Che-Lien-Son-2026!"


def png_bytes(size=(32, 24), color=(20, 120, 60), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def setup(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OCOP_SITE_URL = "https://ocop.example.vn"
    settings.OCOP_STOREFRONT_CACHE_SECONDS = 0
    monkeypatch.setattr(dashboard_views, "local_today", lambda: TODAY)


@pytest.fixture
def world(django_user_model, django_capture_on_commit_callbacks):
    """Producers A and B with users, products, stock records, photos, orders, presences and
    notes; the department's staff user; a shopper."""
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors
    products = {o.name: o for o in OcopProduct.objects.select_related("product", "producer")}
    a = Producer.objects.get(name=TEA_A)
    b = Producer.objects.get(name=TEA_B)
    user_a = producer_user(django_user_model, a, "a")
    user_b = producer_user(django_user_model, b, "b")
    staff = django_user_model.objects.create_user(
        "canbo", "canbo@sct.example.vn", PASSWORD, is_staff=True
    )
    staff.groups.add(Group.objects.get(name=DEPARTMENT_STAFF))
    green, lotus = products["Trà xanh Liêm Sơn"], products["Trà sen Liêm Sơn"]
    b_tea = products["Chè búp Thanh Hà"]
    image_a = ProductImage.objects.create(
        product=green.product, original=SimpleUploadedFile("a.png", png_bytes()), caption="A"
    )
    image_b = ProductImage.objects.create(
        product=b_tea.product, original=SimpleUploadedFile("b.png", png_bytes()), caption="B"
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_a = create_order(number="A-1", basket=basket_with((green.product, 1)))
        order_b = create_order(number="B-1", basket=basket_with((b_tea.product, 2)))
        mixed = create_order(
            number="AB-1", basket=basket_with((lotus.product, 1), (b_tea.product, 3))
        )
    note_b = OrderNote.objects.create(order=mixed, user=user_b, message="Ghi chú của B")
    channel = Channel.objects.get(slug="shopee")
    presence_a = Presence.objects.create(
        producer=a, channel=channel, source=PresenceSource.DECLARED
    )
    presence_b = Presence.objects.create(
        producer=b, channel=channel, source=PresenceSource.DECLARED
    )
    ShippingEventType.objects.create(code="shipped", name="Đã gửi hàng")
    scan_b = CertificateScan(
        producer=b, original_name="qd-b.pdf", content_type="application/pdf", size=9
    )
    scan_b.file.save("qd-b.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    request_b = CertificationChangeRequest.objects.create(
        producer=b,
        product=b_tea,
        certificate=b_tea.current_certificate,
        stars=5,
        decision_number="9/QĐ-UBND",
        decision_date=TODAY,
        valid_until=TODAY.replace(year=TODAY.year + 3),
        scan=scan_b,
        requested_by=user_b,
    )
    payout_b = Payout.objects.create(
        order=order_b,
        partner=b.partner,
        gross=Decimal("240000"),
        commission_rate=Decimal("0.05"),
        commission=Decimal("12000"),
        net=Decimal("228000"),
        status=Payout.Status.FAILED,
    )
    mail.outbox.clear()  # order notifications to producers, not what these tests look at
    return {
        "a": a,
        "b": b,
        "user_a": user_a,
        "user_b": user_b,
        "staff": staff,
        "green": green,
        "lotus": lotus,
        "b_tea": b_tea,
        "image_a": image_a,
        "image_b": image_b,
        "record_a": StockRecord.objects.get(product=green.product),
        "record_b": StockRecord.objects.get(product=b_tea.product),
        "order_a": order_a,
        "order_b": order_b,
        "mixed": mixed,
        "line_b": order_b.lines.get(),
        "mixed_line_b": mixed.lines.get(partner=b.partner),
        "mixed_line_a": mixed.lines.get(partner=a.partner),
        "note_b": note_b,
        "presence_a": presence_a,
        "presence_b": presence_b,
        "scan_b": scan_b,
        "request_b": request_b,
        "payout_b": payout_b,
    }


def producer_user(django_user_model, producer: Producer, name: str):
    user = django_user_model.objects.create_user(name, f"{name}@example.vn", PASSWORD)
    producer.partner.users.add(user)
    user.groups.add(Group.objects.get(name=PRODUCER_USERS))
    return user


def signed_in(client, user):
    client.force_login(user)
    return client


def product_form_data(client, product_id: int, **changes) -> dict:
    """What the producer's product page posts when nothing is changed, then ``changes``."""
    html = client.get(reverse("dashboard:catalogue-product", args=[product_id])).content.decode()
    data: dict[str, object] = {}
    form = re.search(r'<form id="create_update_product_form".*?</form>', html, re.S).group(0)
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = text.strip()
    data.update(changes)
    return data


def test_migrate_gives_the_roles_their_dashboard_permissions():
    """Oscar's partner.dashboard_access and the invitation permission exist only after the
    OCOP app's own post_migrate step; the workspace app completes the roles after them."""
    producer = Group.objects.get(name=PRODUCER_USERS)
    assert ("partner", "dashboard_access") in producer.permissions.values_list(
        "content_type__app_label", "codename"
    )
    department = Group.objects.get(name=DEPARTMENT_STAFF)
    assert department.permissions.filter(
        content_type__app_label="dashboard", codename="invite_producer_user"
    ).exists()


# The authorization matrix ---------------------------------------------------------------------

#: Every dashboard page and operation that takes one of B's objects: (case, method, URL name,
#: arguments from the world, POST data, what producer A must get).
MATRIX = [
    ("product page", "get", "dashboard:catalogue-product", ("b_tea.product_id",), None, 404),
    (
        "product save",
        "post",
        "dashboard:catalogue-product",
        ("b_tea.product_id",),
        {"description": "Hacked", "stockrecords-TOTAL_FORMS": "1"},
        404,
    ),
    (
        "product delete page",
        "get",
        "dashboard:catalogue-product-delete",
        ("b_tea.product_id",),
        None,
        403,
    ),
    (
        "product delete",
        "post",
        "dashboard:catalogue-product-delete",
        ("b_tea.product_id",),
        {},
        403,
    ),
    ("order page", "get", "dashboard:order-detail", ("order_b.number",), None, 404),
    (
        "order note",
        "post",
        "dashboard:order-detail",
        ("order_b.number",),
        {"order_action": "save_note", "message": "Hacked"},
        404,
    ),
    (
        "order line action",
        "post",
        "dashboard:order-detail",
        ("order_b.number",),
        {"line_action": "create_shipping_event", "selected_line": "line_b.pk"},
        404,
    ),
    (
        "order line page",
        "get",
        "dashboard:order-line-detail",
        ("order_b.number", "line_b.pk"),
        None,
        404,
    ),
    (
        "B's line in a shared order",
        "get",
        "dashboard:order-line-detail",
        ("mixed.number", "mixed_line_b.pk"),
        None,
        404,
    ),
    (
        "B's note in a shared order",
        "get",
        "dashboard:order-detail-note",
        ("mixed.number", "note_b.pk"),
        None,
        404,
    ),
    ("delivery address", "get", "dashboard:order-shipping-address", ("order_b.number",), None, 403),
    (
        "delivery address save",
        "post",
        "dashboard:order-shipping-address",
        ("order_b.number",),
        {"line1": "Hacked"},
        403,
    ),
    ("presence page", "get", "ocop:my-presence-detail", ("presence_b.pk",), None, 404),
    (
        "presence evidence",
        "post",
        "ocop:my-presence-detail",
        ("presence_b.pk",),
        {"listing_url": "https://shopee.vn/hacked"},
        404,
    ),
    ("presence evidence file", "get", "ocop:my-presence-evidence", ("presence_b.pk",), None, 404),
    ("QR sheet", "get", "ocop:qr-sheet", ("b.pk",), None, 403),
    ("staff presence review", "get", "ocop:presence-detail", ("presence_b.pk",), None, 403),
    ("certificate scan", "get", "ocop:my-scan", ("scan_b.pk",), None, 404),
    ("scan through the staff page", "get", "ocop:scan", ("scan_b.pk",), None, 403),
    ("change request", "get", "ocop:my-change-request", ("request_b.pk",), None, 404),
    (
        "change request review",
        "post",
        "ocop:change-request-detail",
        ("request_b.pk",),
        {"action": "approve"},
        403,
    ),
    (
        "change request about B's product",
        "post",
        "ocop:my-change-requests",
        (),
        {"product": "b_tea.pk", "stars": "5", "decision_number": "1/QĐ", "note": "x"},
        200,
    ),
    ("payout", "get", "payments:payout-detail", ("payout_b.pk",), None, 404),
    ("payout retry", "post", "payments:payout-retry", ("payout_b.pk",), {}, 403),
    (
        "payout onboarding for B",
        "post",
        "payments:payout-onboarding",
        (),
        {"partner": "b.partner_id"},
        404,
    ),
    (
        "payout onboarding return",
        "get",
        "payments:payout-onboarding-return",
        ("b.partner_id",),
        None,
        404,
    ),
    (
        "payout onboarding refresh",
        "get",
        "payments:payout-onboarding-refresh",
        ("b.partner_id",),
        None,
        404,
    ),
]


def resolve_args(world, paths):
    values = []
    for path in paths:
        value = world
        for part in path.split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        values.append(value)
    return values


def snapshot(world) -> dict:
    """Everything of B's a tampered request could change."""
    b_product = world["b_tea"].product
    b_product.refresh_from_db()
    return {
        "description": b_product.description,
        "is_public": b_product.is_public,
        "price": StockRecord.objects.get(pk=world["record_b"].pk).price,
        "images": list(ProductImage.objects.filter(product=b_product).values_list("pk", "caption")),
        "product_exists": OcopProduct.objects.filter(pk=world["b_tea"].pk).exists(),
        "notes": list(OrderNote.objects.order_by("pk").values_list("pk", "message")),
        "shipping_events": ShippingEvent.objects.count(),
        "order_b": Order.objects.filter(pk=world["order_b"].pk).values_list("status").get(),
        "address": world["order_b"].shipping_address.line1
        if world["order_b"].shipping_address
        else "",
        "presence_b": Presence.objects.filter(pk=world["presence_b"].pk)
        .values_list("listing_url", "verification")
        .get(),
        "change_requests": list(
            CertificationChangeRequest.objects.values_list("pk", "producer_id", "status")
        ),
        "scans": CertificateScan.objects.count(),
        "payout_b": Payout.objects.filter(pk=world["payout_b"].pk)
        .values_list("status", "attempts", "key_generation")
        .get(),
    }


@pytest.mark.parametrize(
    "case, method, url_name, args, data, expected", MATRIX, ids=[row[0] for row in MATRIX]
)
def test_producer_a_is_refused_every_route_to_b_objects(
    client, world, case, method, url_name, args, data, expected
):
    signed_in(client, world["user_a"])
    url = reverse(url_name, args=resolve_args(world, args))
    before = snapshot(world)
    if method == "get":
        response = client.get(url)
    else:
        resolved = {
            key: resolve_args(world, [value])[0] if value.endswith((".pk", "_id")) else value
            for key, value in (data or {}).items()
        }
        response = client.post(url, resolved)
    assert response.status_code == expected, (case, response.status_code)
    assert snapshot(world) == before


def test_b_objects_are_reachable_by_b_so_the_matrix_refusals_mean_something(client, world):
    signed_in(client, world["user_b"])
    for url in (
        reverse("dashboard:catalogue-product", args=[world["b_tea"].product_id]),
        reverse("dashboard:order-detail", args=[world["order_b"].number]),
        reverse("dashboard:order-line-detail", args=[world["order_b"].number, world["line_b"].pk]),
        reverse("dashboard:order-detail-note", args=[world["mixed"].number, world["note_b"].pk]),
        reverse("ocop:my-presence-detail", args=[world["presence_b"].pk]),
        reverse("ocop:qr-sheet", args=[world["b"].pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_sees_only_its_own_products_in_the_list_and_bulk_actions_skip_b(client, world):
    signed_in(client, world["user_a"])
    html = client.get(reverse("dashboard:catalogue-product-list")).content.decode()
    assert "Trà xanh Liêm Sơn" in html and "Trà sen Liêm Sơn" in html
    assert "Chè búp Thanh Hà" not in html
    assert "Trống da" not in html
    assert 'id="create_product_with_class_form"' not in html

    response = client.post(
        reverse("dashboard:catalogue-product-list"),
        {"action": "make_products_non_public", "selected_product": [world["b_tea"].product_id]},
        follow=True,
    )
    assert response.status_code == 200
    world["b_tea"].product.refresh_from_db()
    assert world["b_tea"].product.is_public


def test_tampered_stock_and_photo_forms_on_a_own_product_cannot_reach_b(client, world):
    signed_in(client, world["user_a"])
    green = world["green"].product_id
    url = reverse("dashboard:catalogue-product", args=[green])
    before = snapshot(world)
    # B's stock record id in A's price form.
    data = product_form_data(
        client, green, **{"stockrecords-0-id": world["record_b"].pk, "stockrecords-0-price": "1"}
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the page again, with the error
    assert StockRecord.objects.get(pk=world["record_a"].pk).price == Decimal("150000")
    # B's photo id in A's photo form, asking to delete it: the form is not A's photo any more
    # and Django's formset leaves objects outside the product alone.
    data = product_form_data(
        client, green, **{"images-0-id": world["image_b"].pk, "images-0-DELETE": "on"}
    )
    client.post(url, data)
    assert ProductImage.objects.filter(pk=world["image_a"].pk, product_id=green).exists()
    # A second price for the same producer (a tampered form count).
    data = product_form_data(
        client,
        green,
        **{"stockrecords-TOTAL_FORMS": "2", "stockrecords-1-price": "5", "stockrecords-1-id": ""},
    )
    assert client.post(url, data).status_code == 200
    assert StockRecord.objects.filter(product_id=green).count() == 1
    assert snapshot(world) == before


def test_anonymous_users_are_sent_to_log_in_on_every_dashboard_route(client, world):
    checked = 0
    for name, url in dashboard_routes(world):
        if name in PUBLIC_ROUTES:
            continue
        response = client.get(url)
        assert response.status_code == 302, (name, url, response.status_code)
        assert "login" in response["Location"], (name, response["Location"])
        checked += 1
    assert checked > 80


#: Dashboard routes a producer user may open (its own objects only, see the matrix).
PRODUCER_ROUTES = {
    "dashboard:index",
    "dashboard:login",
    "dashboard:logout",
    "dashboard:producer-welcome",
    "dashboard:catalogue-product-list",
    "dashboard:catalogue-product",
    "dashboard:catalogue-product-bulk-action",
    "dashboard:order-list",
    "dashboard:order-detail",
    "dashboard:order-detail-note",
    "dashboard:order-line-detail",
    "ocop:my-presences",
    "ocop:my-presence-detail",
    "ocop:my-presence-evidence",
    "ocop:qr-sheet",
}
#: Pages other parts of the project give producers (their own tests cover them).
OTHER_PRODUCER_PAGES = re.compile(
    r"^(ocop:my-|ocop:private-file|payments:my-|payments:payout-onboarding|payments:payout-detail)"
)
#: Routes that need no login: the invitation link, the login page, signed private-file links.
PUBLIC_ROUTES = {
    "dashboard:login",
    "dashboard:logout",
    "dashboard:producer-welcome",
    "ocop:private-file",
}


def test_producers_are_refused_every_staff_only_dashboard_route(client, world):
    signed_in(client, world["user_a"])
    refused = []
    for name, url in dashboard_routes(world):
        if name in PRODUCER_ROUTES or OTHER_PRODUCER_PAGES.match(name):
            continue
        status = client.get(url).status_code
        assert status in (403, 404), (name, url, status)
        refused.append(name)
    for name in (
        "dashboard:catalogue-product-create",
        "dashboard:catalogue-class-list",
        "dashboard:catalogue-category-list",
        "dashboard:order-stats",
        "dashboard:users-index",
        "dashboard:offer-list",
        "dashboard:voucher-list",
        "dashboard:range-list",
        "dashboard:page-list",
        "dashboard:reports-index",
        "dashboard:partner-list",
        "dashboard:reviews-list",
        "dashboard:comms-list",
        "dashboard:producer-users",
        "ocop:import-list",
        "ocop:presence-list",
        "ocop:report",
        "ocop:counterfeit-list",
        "ocop:change-request-list",
        "payments:payout-list",
        "payments:payout-retry",
    ):
        assert name in refused, name


def test_the_producer_menu_shows_only_the_producer_pages(client, world):
    signed_in(client, world["user_a"])
    html = client.get(reverse("dashboard:index")).content.decode()
    nav = re.search(r'<nav class="navbar navbar-expand-lg navbar-light.*?</nav>', html, re.S)
    menu = nav.group(0) if nav else html
    for name in ("dashboard:catalogue-product-list", "dashboard:order-list", "ocop:my-presences"):
        assert f'href="{reverse(name)}"' in menu, name
    for name in (
        "dashboard:order-stats",
        "dashboard:users-index",
        "dashboard:offer-list",
        "dashboard:partner-list",
        "dashboard:page-list",
        "dashboard:reviews-list",
        "dashboard:reports-index",
        "dashboard:catalogue-category-list",
        "dashboard:catalogue-class-list",
        "dashboard:producer-users",
        "ocop:import-list",
        "ocop:report",
    ):
        assert f'href="{reverse(name)}"' not in menu, name


def dashboard_routes(world) -> list[tuple[str, str]]:
    """Every named URL under /dashboard/, with arguments filled in (B's objects where the
    route takes one, else 1 or "x")."""
    known = {
        "pk": world["b_tea"].product_id,
        "number": world["order_b"].number,
        "line_id": world["line_b"].pk,
        "note_id": world["note_b"].pk,
    }
    routes = []
    for name, route, params in _named_patterns(get_resolver().url_patterns, [], ""):
        if not route.lstrip("^").startswith("dashboard/"):
            continue
        kwargs = {param: known.get(param, 1 if kind == "int" else "x") for param, kind in params}
        routes.append((name, reverse(name, kwargs=kwargs)))
    return routes


def _named_patterns(patterns, namespaces, prefix):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            ns = namespaces + [pattern.namespace] if pattern.namespace else namespaces
            for name, full, params in _named_patterns(pattern.url_patterns, ns, route):
                yield name, full, _params(pattern.pattern) + params
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join(namespaces + [pattern.name]), route, _params(pattern.pattern)


def _params(pattern) -> list[tuple[str, str]]:
    converters = getattr(pattern, "converters", {})
    return [
        (name, "int" if type(converters.get(name)).__name__ == "IntConverter" else "str")
        for name in pattern.regex.groupindex
    ]


# What a producer may change, and what it may not -----------------------------------------------


def test_a_producer_edits_price_stock_and_story_and_the_storefront_shows_them(client, world):
    signed_in(client, world["user_a"])
    green = world["green"]
    story = "<p>Chè hái buổi sớm, sao tay trên chảo gang.</p>"
    data = product_form_data(
        client,
        green.product_id,
        description=story,
        **{"stockrecords-0-price": "175.000", "stockrecords-0-num_in_stock": "40"},
    )
    response = client.post(reverse("dashboard:catalogue-product", args=[green.product_id]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    record = StockRecord.objects.get(pk=world["record_a"].pk)
    assert (record.price, record.num_in_stock, record.partner_id) == (
        Decimal("175000"),
        40,
        world["a"].partner_id,
    )
    page = client.get(green.product.get_absolute_url()).content.decode()
    assert "175.000\xa0₫" in page
    assert "sao tay trên chảo gang" in page


def test_certification_and_identity_cannot_be_changed_by_a_producer_post(client, world):
    signed_in(client, world["user_a"])
    green = world["green"]
    product = green.product
    categories = list(ProductCategory.objects.filter(product=product).values_list("category_id"))
    data = product_form_data(
        client,
        green.product_id,
        title="Trà giả mạo",
        upc="HACK",
        slug="hack",
        structure="parent",
        is_discountable="",
        attr_ocop_stars="5",
        attr_ocop_score="99",
        attr_ocop_decision_number="999/QĐ-GIA",
        attr_ocop_valid_until="2099-01-01",
        attr_ocop_issuing_level="central",
        **{
            "categories-TOTAL_FORMS": "1",
            "categories-INITIAL_FORMS": "0",
            "categories-0-category": "",
            "recommended_products-TOTAL_FORMS": "1",
            "recommended_products-INITIAL_FORMS": "0",
            "recommended_products-0-recommendation": world["b_tea"].product_id,
        },
    )
    response = client.post(reverse("dashboard:catalogue-product", args=[green.product_id]), data)
    assert response.status_code == 302
    product = type(product).objects.get(pk=product.pk)
    assert product.title == "Trà xanh Liêm Sơn"
    assert (product.upc, product.structure, product.is_discountable) == ("", "standalone", True)
    assert product.slug != "hack"
    assert (product.attr.ocop_stars, product.attr.ocop_score) == (4, 78)
    assert product.attr.ocop_decision_number == "1/QĐ-UBND"
    assert list(ProductCategory.objects.filter(product=product).values_list("category_id")) == (
        categories
    )
    assert not product.recommended_products.exists()


def test_the_certification_is_shown_read_only(client, world):
    signed_in(client, world["user_a"])
    html = client.get(
        reverse("dashboard:catalogue-product", args=[world["green"].product_id])
    ).content.decode()
    certification = re.search(r'<table[^>]*id="ocop-certification".*?</table>', html, re.S)
    assert "1/QĐ-UBND" in certification.group(0) and ">4<" in certification.group(0)
    assert 'name="attr_ocop_stars"' not in html
    assert 'name="title"' not in html
    assert 'name="categories-TOTAL_FORMS"' not in html


def test_scripts_in_a_producer_story_are_removed(client, world):
    signed_in(client, world["user_a"])
    green = world["green"]
    data = product_form_data(
        client,
        green.product_id,
        description='<p onclick="steal()">Chè <strong>ngon</strong></p><script>steal()</script>'
        '<a href="javascript:steal()">x</a>',
    )
    assert client.post(reverse("dashboard:catalogue-product", args=[green.product_id]), data)
    green.product.refresh_from_db()
    assert "<strong>ngon</strong>" in green.product.description
    for bad in ("script", "onclick", "javascript"):
        assert bad not in green.product.description


@pytest.mark.parametrize(
    "price, message",
    [
        ("mười nghìn", "không phải giá tính bằng đồng"),
        ("0", "phải lớn hơn 0 đồng"),
    ],
)
def test_a_wrong_price_is_refused_with_a_clear_message(client, world, price, message):
    signed_in(client, world["user_a"])
    green = world["green"]
    data = product_form_data(client, green.product_id, **{"stockrecords-0-price": price})
    response = client.post(reverse("dashboard:catalogue-product", args=[green.product_id]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert StockRecord.objects.get(pk=world["record_a"].pk).price == Decimal("150000")


def test_a_producer_uploads_a_photo_and_a_non_photo_is_refused_by_its_content(client, world):
    signed_in(client, world["user_a"])
    lotus = world["lotus"]
    url = reverse("dashboard:catalogue-product", args=[lotus.product_id])
    data = product_form_data(client, lotus.product_id)
    data["images-0-original"] = SimpleUploadedFile("tra-sen.png", png_bytes(), "image/png")
    data["images-0-caption"] = "Trà sen"
    assert client.post(url, data).status_code == 302
    image = ProductImage.objects.get(product=lotus.product)
    assert image.caption == "Trà sen" and image.original.name.endswith(".png")

    data = product_form_data(client, lotus.product_id)
    bitmap = png_bytes(fmt="BMP")
    data["images-1-original"] = SimpleUploadedFile("anh.bmp", bitmap, "image/bmp")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "anh.bmp" in response.content.decode()
    assert ProductImage.objects.filter(product=lotus.product).count() == 1


@pytest.mark.s3
@pytest.mark.usefixtures("s3_media")
def test_a_producer_photo_is_stored_in_the_s3_bucket(client, world, settings):
    """Media on S3: the photo goes through django-storages to the S3 API (moto's server in its
    own process, tests/test_s3_storage.py), read back here with a plain boto3 client."""
    s3 = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
    )
    bucket_name = settings.AWS_STORAGE_BUCKET_NAME
    signed_in(client, world["user_a"])
    lotus = world["lotus"]
    data = product_form_data(client, lotus.product_id)
    data["images-0-original"] = SimpleUploadedFile("tra-sen.jpg", png_bytes(fmt="JPEG"))
    url = reverse("dashboard:catalogue-product", args=[lotus.product_id])
    assert client.post(url, data).status_code == 302
    image = ProductImage.objects.get(product=lotus.product)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket_name).get("Contents", [])]
    assert image.original.name in keys
    stored = s3.get_object(Bucket=bucket_name, Key=image.original.name)["Body"].read()
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


def test_producers_may_neither_create_nor_delete_products(client, world):
    signed_in(client, world["user_a"])
    own = world["green"].product_id
    assert client.get(reverse("dashboard:catalogue-product-delete", args=[own])).status_code == 403
    assert client.post(reverse("dashboard:catalogue-product-delete", args=[own])).status_code == 403
    create = reverse("dashboard:catalogue-product-create", args=["ocop-goods"])
    assert client.get(create).status_code == 403
    assert client.post(create, {"title": "Sản phẩm mới"}).status_code == 403
    assert OcopProduct.objects.filter(pk=world["green"].pk).exists()


# Orders -----------------------------------------------------------------------------------------


def test_the_order_list_holds_a_orders_with_a_own_totals(client, world):
    signed_in(client, world["user_a"])
    html = client.get(reverse("dashboard:order-list")).content.decode()
    assert "A-1" in html and "AB-1" in html
    assert ">B-1<" not in html
    row = re.search(r'<tr data-order="AB-1">.*?</tr>', html, re.S).group(0)
    assert "250.000\xa0₫" in row  # A's line only; B's 3 × 120.000 is not A's
    csv = client.get(reverse("dashboard:order-list"), {"response_format": "csv"}).content.decode()
    values = {row.split(",")[0]: row.split(",")[1] for row in csv.splitlines()[1:]}
    assert values == {"AB-1": "250000", "A-1": "150000"}


def test_a_shared_order_shows_a_only_its_own_lines_and_notes(client, world):
    signed_in(client, world["user_a"])
    html = client.get(reverse("dashboard:order-detail", args=["AB-1"])).content.decode()
    assert "Trà sen Liêm Sơn" in html
    assert "Chè búp Thanh Hà" not in html
    assert "Ghi chú của B" not in html
    assert f'data-line="{world["mixed_line_b"].pk}"' not in html
    assert 'value="create_payment_event"' not in html
    assert 'name="order_action" value="change_order_status"' not in html


def test_line_actions_in_a_shared_order_act_only_on_a_lines(client, world):
    signed_in(client, world["user_a"])
    url = reverse("dashboard:order-detail", args=["AB-1"])
    line_a, line_b = world["mixed_line_a"], world["mixed_line_b"]
    status = Order.objects.get(pk=world["mixed"].pk).status
    client.post(
        url,
        {
            "line_action": "create_shipping_event",
            "selected_line": [line_a.pk, line_b.pk],
            f"selected_line_qty_{line_a.pk}": 1,
            f"selected_line_qty_{line_b.pk}": 3,
            "shipping_event_type": "shipped",
        },
    )
    assert not ShippingEvent.objects.exists()
    for refused in (
        {"line_action": "create_payment_event", "selected_line": line_a.pk, "amount": "1"},
        {"order_action": "change_order_status", "new_status": "Đã hủy"},
        {"order_action": "create_order_payment_event", "amount": "1"},
    ):
        client.post(url, {f"selected_line_qty_{line_a.pk}": 1, **refused})
    assert not PaymentEvent.objects.exists()
    assert Order.objects.get(pk=world["mixed"].pk).status == status
    client.post(url, {"order_action": "delete_note", "note_id": world["note_b"].pk})
    assert OrderNote.objects.filter(pk=world["note_b"].pk).exists()

    client.post(
        url,
        {
            "line_action": "create_shipping_event",
            "selected_line": [line_a.pk],
            f"selected_line_qty_{line_a.pk}": 1,
            "shipping_event_type": "shipped",
            "reference": "VNPost 123",
        },
    )
    event = ShippingEvent.objects.get()
    assert [q.line_id for q in event.line_quantities.all()] == [line_a.pk]


# The producer home --------------------------------------------------------------------------------


def test_the_producer_home_shows_products_orders_presences_and_participation(client, world):
    signed_in(client, world["user_a"])
    html = client.get(reverse("dashboard:index")).content.decode()
    products = re.search(r'<table[^>]*id="ocop-home-products".*?</table>', html, re.S).group(0)
    assert "Trà xanh Liêm Sơn" in products and "150.000\xa0₫" in products
    assert "Chè búp Thanh Hà" not in products
    orders = re.search(r'<table[^>]*id="ocop-home-orders".*?</table>', html, re.S).group(0)
    assert "A-1" in orders and "AB-1" in orders and ">B-1<" not in orders
    presences = re.search(r'<table[^>]*id="ocop-home-presences".*?</table>', html, re.S).group(0)
    assert f'data-presence="{world["presence_a"].pk}"' in presences
    assert f'data-presence="{world["presence_b"].pk}"' not in presences
    # A's orders on this marketplace verified its presence here, with sales: A is active.
    assert re.search(r'id="ocop-participation"[^>]*data-active="1"', html)
    for name in ("ocop:my-presences", "dashboard:order-list", "dashboard:catalogue-product-list"):
        assert f'href="{reverse(name)}"' in html
    assert 'id="ocop-no-producer"' not in html


def test_a_producer_without_activity_is_not_active(client, world):
    from plugins.ocop.channels.services import delete_activities
    from plugins.ocop.models import ChannelActivity

    # Through the service, which keeps the monthly roll-ups the participation rule reads.
    orders = ChannelActivity.objects.filter(producer=world["a"], source=ActivitySource.ORDER)
    delete_activities(ActivitySource.ORDER, list(orders.values_list("reference", flat=True)))
    signed_in(client, world["user_a"])
    html = client.get(reverse("dashboard:index")).content.decode()
    assert re.search(r'id="ocop-participation"[^>]*data-active="0"', html)


def test_the_producer_home_costs_the_same_queries_for_more_products(client, world):
    signed_in(client, world["user_a"])
    url = reverse("dashboard:index")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    more = "".join(
        f'Chè số {i},{TEA_A},{TAX_A},"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,80,'
        f'{10 + i}/QĐ-UBND ngày 01/06/2025,"90.000",\n'
        for i in range(5)
    )
    header = LIST.splitlines()[0] + "\n"
    assert import_certificates(
        io.BytesIO((header + more).encode()), filename="more.csv", today=TODAY
    ).ok
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert "Chè số 4" in html
    assert len(after) == len(before)


def test_staff_keep_oscar_dashboard_index(client, world):
    signed_in(client, world["staff"])
    html = client.get(reverse("dashboard:index")).content.decode()
    assert 'id="ocop-home-products"' not in html


# Invitations ----------------------------------------------------------------------------------


def invitation_link(message) -> str:
    match = re.search(r"https://ocop\.example\.vn(/dashboard/welcome/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_an_invitation_creates_the_user_and_emails_a_one_time_link(client, world):
    b = world["b"]
    user = invite_producer_user(b, " Lan@Example.VN ", world["staff"])
    assert user.email == "Lan@example.vn"
    assert not user.has_usable_password()
    assert b.partner.users.filter(pk=user.pk).exists()
    assert user.groups.filter(name=PRODUCER_USERS).exists()
    assert user.has_perm("partner.dashboard_access")
    invitation = ProducerInvitation.objects.get(user=user)
    assert (invitation.producer, invitation.invited_by, invitation.accepted_at) == (
        b,
        world["staff"],
        None,
    )

    (message,) = mail.outbox
    assert message.to == ["Lan@example.vn"]
    assert TEA_B in message.subject and "Lời mời" in message.subject
    assert message.body.index("Bấm vào liên kết") < message.body.index("Open the link below")
    link = invitation_link(message)

    response = client.get(link)
    assert response.status_code == 302  # Django moves the token into the session
    form_url = response["Location"]
    page = client.get(form_url).content.decode()
    assert 'id="ocop-welcome-form"' in page
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:index")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert ProducerInvitation.objects.get(user=user).accepted_at is not None
    home = client.get(reverse("dashboard:index")).content.decode()
    assert "Chè búp Thanh Hà" in home  # signed in, on B's workspace

    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert 'id="ocop-welcome-invalid"' in again
    assert 'id="ocop-welcome-form"' not in again


def test_the_invitation_link_is_not_a_password_reset_token(world):
    from django.contrib.auth.tokens import default_token_generator

    user = invite_producer_user(world["b"], "lan@example.vn", world["staff"])
    token = invitation_tokens.make_token(user)
    assert invitation_tokens.check_token(user, token)
    assert not default_token_generator.check_token(user, token)


def test_a_user_of_another_producer_is_refused(world):
    with pytest.raises(InvitationError) as error:
        invite_producer_user(world["b"], world["user_a"].email, world["staff"])
    assert error.value.code == "other_producer"
    assert TEA_A in error.value.message
    assert not world["b"].partner.users.filter(pk=world["user_a"].pk).exists()
    assert not mail.outbox


def test_inviting_again_reuses_the_user_and_an_existing_shopper_can_be_invited(
    world, django_user_model
):
    shopper = django_user_model.objects.create_user("khach", "khach@example.vn", PASSWORD)
    first = invite_producer_user(world["b"], "khach@example.vn", world["staff"])
    second = invite_producer_user(world["b"], "KHACH@example.vn", world["staff"])
    assert first.pk == second.pk == shopper.pk
    assert len(mail.outbox) == 2
    assert world["b"].partner.users.filter(pk=shopper.pk).count() == 1


def test_staff_accounts_and_bad_emails_are_refused(world):
    for email, code in (
        (world["staff"].email, "staff_account"),
        ("khong-phai-email", "invalid_email"),
    ):
        with pytest.raises(InvitationError) as error:
            invite_producer_user(world["b"], email, world["staff"])
        assert error.value.code == code
    assert not mail.outbox


def test_an_email_that_cannot_be_sent_saves_nothing(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    with pytest.raises(InvitationError) as error:
        invite_producer_user(world["b"], "lan@example.vn", world["staff"])
    assert error.value.code == "email_not_sent"
    assert not ProducerInvitation.objects.exists()
    assert not world["b"].partner.users.filter(email="lan@example.vn").exists()


@pytest.mark.parametrize(
    "text, expected",
    [(TAX_B, TEA_B), ("htx che thanh ha", TEA_B), ("Thanh Hà", TEA_B), (TEA_A, TEA_A)],
)
def test_producers_are_found_by_tax_code_or_name_without_diacritics(world, text, expected):
    assert find_producer(text).name == expected


def test_the_command_invites_and_explains_every_refusal(world):
    out = io.StringIO()
    call_command("ocop_invite_producer", producer=TAX_B, email="lan@example.vn", stdout=out)
    assert "lan@example.vn" in out.getvalue() and TEA_B in out.getvalue()
    assert len(mail.outbox) == 1

    cases = [
        ({"producer": "HTX Không Có", "email": "x@example.vn"}, 2, ["HTX Không Có"]),
        ({"producer": "HTX Chè", "email": "x@example.vn"}, 2, [TEA_A, TEA_B, TAX_A]),
        ({"producer": TEA_A, "email": "khong-phai-email"}, 2, ["khong-phai-email"]),
        ({"producer": TEA_A, "email": "lan@example.vn"}, 1, [TEA_B]),
    ]
    for options, code, words in cases:
        with pytest.raises(CommandError) as error:
            call_command("ocop_invite_producer", **options)
        assert error.value.returncode == code, options
        vietnamese, english = str(error.value).split("\n")
        for word in words:
            assert word in vietnamese and word in english, (word, str(error.value))
        assert vietnamese != english
    assert len(mail.outbox) == 1


def test_the_department_invites_from_the_dashboard(client, world):
    url = reverse("dashboard:producer-users")
    assert "login" in client.get(url)["Location"]
    signed_in(client, world["user_a"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"producer": TEA_B, "email": "x@example.vn"}).status_code == 403

    signed_in(client, world["staff"])
    response = client.post(url, {"producer": "HTX Chè", "email": "lan@example.vn"})
    assert response.status_code == 200
    assert escape(TEA_A) in response.content.decode() and not mail.outbox

    response = client.post(url, {"producer": "thanh ha", "email": "lan@example.vn"}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lan@example.vn"]
    assert invitation_link(mail.outbox[0]).startswith("/dashboard/welcome/")
    table = re.search(
        r'<table[^>]*id="ocop-invitations".*?</table>', response.content.decode(), re.S
    )
    assert "lan@example.vn" in table.group(0) and escape(TEA_B) in table.group(0)

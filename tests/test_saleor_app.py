"""The Saleor App connector (plugins/saleor_app) against a local stand-in of a Saleor store
(tests/saleor_standin.py): manifest, registration, signed webhooks, publishing, commands,
dashboard pages, and every GraphQL document checked against Saleor 3.23's schema file."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from graphql import parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule

from plugins.ocop.channels import participation
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    Certificate,
    ChannelActivity,
    ChannelKind,
    ChannelSalesMonth,
    OcopProduct,
    Presence,
    PresenceSource,
    Verification,
)
from plugins.ocop.roles import DEPARTMENT_STAFF
from plugins.saleor_app import crypto, documents, publishing
from plugins.saleor_app.client import SaleorClient, normalize_api_url
from plugins.saleor_app.manifest import PERMISSIONS
from plugins.saleor_app.models import (
    AllowedSaleorApi,
    PublishedProduct,
    PublishRun,
    SaleorConnection,
    SaleorOrder,
    WebhookDelivery,
)
from plugins.saleor_app.publishing import publish_catalogue
from plugins.saleor_app.registration import allow_api_url
from plugins.saleor_app.roles import grant_department_permissions
from plugins.saleor_app.tasks import refresh_star_attributes_task

from . import helpers
from .conftest import TODAY
from .saleor_standin import SCHEMA_MISSING_REASON, SaleorStandIn, load_schema

pytestmark = pytest.mark.django_db

LIST = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Giá\n"
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
    '1/QĐ-UBND ngày 01/06/2025,"150.000"\n'
    'Trà sen,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,3 sao,'
    '4/QĐ-UBND ngày 01/06/2025,"95.500"\n'
    'Nón lá,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",'
    'Thủ công mỹ nghệ,3 sao,2/QĐ-UBND ngày 01/03/2024,"80.000"\n'
)
UPGRADE = (
    "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định\n"
    'Trà sen,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm",Đồ uống,4 sao,'
    "9/QĐ-UBND ngày 01/10/2026\n"
)
#: 18:30 UTC on 28 November is 01:30 on 29 November in Hà Nội.
PLACED = "2026-11-28T18:30:00+00:00"


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Runs that take today's date (command, task, dashboard) see the suite's fixed day."""
    monkeypatch.setattr(publishing, "local_today", lambda: TODAY)


@pytest.fixture
def standin():
    with SaleorStandIn() as server:
        yield server


@pytest.fixture
def products():
    helpers.import_list(LIST)
    return {o.name: o for o in OcopProduct.objects.select_related("product", "producer")}


def register(client, standin, token: str | None = None, api_url: str | None = None):
    return client.post(
        "/saleor/register/",
        data=json.dumps({"auth_token": token if token is not None else standin.issue_token()}),
        content_type="application/json",
        HTTP_SALEOR_API_URL=api_url or standin.api_url,
        HTTP_SALEOR_DOMAIN=standin.domain,
        HTTP_SALEOR_SCHEMA_VERSION="3.23",
    )


@pytest.fixture
def connection(client, standin) -> SaleorConnection:
    allow_api_url(standin.api_url)
    response = register(client, standin)
    assert response.status_code == 200, response.content
    return SaleorConnection.objects.get()


def make_user(django_user_model, username: str, *, group: str | None = None, **extra):
    """The shared :func:`tests.helpers.make_user`, with the connector's permission granted to
    the department staff group first."""
    grant_department_permissions()
    return helpers.make_user(django_user_model, username, group=group, **extra)


@pytest.fixture
def staff(django_user_model):
    return make_user(django_user_model, "canbo", group=DEPARTMENT_STAFF, is_staff=True)


@pytest.fixture
def producer_user(django_user_model, products):
    user = make_user(django_user_model, "htx-che")
    products["Trà xanh"].producer.partner.users.add(user)
    return user


def line(product: OcopProduct | None, amount: float, *, sku: str = "", currency: str = "VND"):
    reference = f"ocop:{product.pk}" if product is not None else None
    return {
        "id": f"T3JkZXJMaW5lOj{amount:.0f}",
        "productName": product.name if product else "Quà lưu niệm",
        "productSku": sku or None,
        "quantity": 1,
        "totalPrice": {"gross": {"amount": amount, "currency": currency}},
        "variant": {
            "id": "UHJvZHVjdFZhcmlhbnQ6MQ==",
            "sku": sku or None,
            "externalReference": reference,
            "product": {"id": "UHJvZHVjdDox", "externalReference": reference},
        },
    }


def order_event(
    lines: list[dict],
    *,
    typename: str = "OrderCreated",
    order_id: str = "T3JkZXI6MTAwMQ==",
    currency: str = "VND",
    issued_at: str = PLACED,
) -> dict:
    total = sum(item["totalPrice"]["gross"]["amount"] for item in lines)
    return {
        "__typename": typename,
        "issuedAt": issued_at,
        "order": {
            "id": order_id,
            "number": "1001",
            "created": PLACED,
            "status": "UNFULFILLED",
            "channel": {"slug": "default-channel", "currencyCode": currency},
            "total": {"gross": {"amount": total, "currency": currency}},
            "lines": lines,
        },
    }


SUBSCRIPTIONS = {
    "OrderCreated": ("order_created", documents.ORDER_CREATED_SUBSCRIPTION),
    "OrderFullyPaid": ("order_fully_paid", documents.ORDER_FULLY_PAID_SUBSCRIPTION),
    "OrderCancelled": ("order_cancelled", documents.ORDER_CANCELLED_SUBSCRIPTION),
}


def webhook(standin, event: dict) -> tuple[bytes, str]:
    """The body Saleor would send for ``event`` under the manifest's subscription, and its
    ``Saleor-Event`` header."""
    name, subscription = SUBSCRIPTIONS[event["__typename"]]
    return standin.webhook_body(subscription, event), name


def post_webhook(client, standin, body: bytes, event: str = "order_created", **overrides):
    headers = {
        "HTTP_SALEOR_EVENT": event,
        "HTTP_SALEOR_DOMAIN": standin.domain,
        "HTTP_SALEOR_API_URL": standin.api_url,
        "HTTP_SALEOR_SIGNATURE": standin.sign(body),
    }
    headers.update(overrides)
    headers = {k: v for k, v in headers.items() if v is not None}
    return client.post("/saleor/webhooks/", data=body, content_type="application/json", **headers)


# Manifest -----------------------------------------------------------------------------------


def test_manifest_names_permissions_urls_and_the_three_order_webhooks(client):
    response = client.get("/saleor/manifest/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    assert manifest["id"] == "vn.ocop-market.saleor-app"
    assert manifest["name"] == "OCOP Market"
    assert manifest["version"]
    assert set(manifest["permissions"]) == {
        "MANAGE_PRODUCTS",
        "MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES",
        "MANAGE_CHANNELS",
        "MANAGE_ORDERS",
    }
    assert manifest["appUrl"] == "http://testserver/saleor/app/"
    assert manifest["tokenTargetUrl"] == "http://testserver/saleor/register/"
    hooks = {tuple(h["asyncEvents"]): h for h in manifest["webhooks"]}
    assert set(hooks) == {("ORDER_CREATED",), ("ORDER_FULLY_PAID",), ("ORDER_CANCELLED",)}
    assert hooks[("ORDER_CREATED",)]["query"] == documents.ORDER_CREATED_SUBSCRIPTION.strip()
    assert "... on OrderCancelled" in hooks[("ORDER_CANCELLED",)]["query"]
    assert all(h["targetUrl"] == "http://testserver/saleor/webhooks/" for h in hooks.values())
    assert all(h["isActive"] for h in hooks.values())


def test_manifest_urls_follow_the_configured_public_address(client, settings):
    settings.OCOP_SALEOR_APP_URL = "https://ocop.example/"
    manifest = client.get("/saleor/manifest/").json()
    assert manifest["tokenTargetUrl"] == "https://ocop.example/saleor/register/"
    assert manifest["webhooks"][0]["targetUrl"] == "https://ocop.example/saleor/webhooks/"


def test_app_page_can_be_framed_by_the_saleor_dashboard(client):
    response = client.get("/saleor/app/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "OCOP Market" in response.content.decode()


# Registration -------------------------------------------------------------------------------


def test_an_allowed_store_is_connected_with_its_token_encrypted_and_its_own_channel(
    client, standin
):
    allow_api_url(standin.api_url)
    token = standin.issue_token()
    response = register(client, standin, token)
    assert response.status_code == 200
    assert response.json() == {"success": True, "domain": standin.domain}

    connection = SaleorConnection.objects.get()
    assert connection.api_url == standin.api_url
    assert connection.domain == standin.domain
    assert connection.shop_name == "Đặc sản Hà Nam"
    assert connection.saleor_app_id == standin.app["id"]
    assert connection.schema_version == "3.23"
    assert token not in connection.token_encrypted
    assert connection.get_token() == token
    # The token was confirmed with the store before anything was stored.
    check = standin.requests[0]
    assert (check.name, check.authorized) == ("OcopTokenCheck", True)
    # The store's signing keys are cached at once.
    assert [k["kid"] for k in connection.jwks["keys"]] == [standin.kid]

    channel = connection.channel
    assert channel.name == f"Đặc sản Hà Nam ({standin.domain})"
    assert channel.kind == ChannelKind.ONLINE_SHOP
    assert channel.is_modern
    assert channel.slug.startswith("saleor-127-0-0-1-")


def test_a_store_not_on_the_allow_list_is_refused_with_403(client, standin):
    response = register(client, standin)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "api_url_not_allowed"
    assert standin.api_url in error["message"]
    assert not SaleorConnection.objects.exists()
    assert standin.requests == []  # nobody was asked anything


def test_a_token_the_store_does_not_confirm_is_refused_and_not_stored(client, standin):
    allow_api_url(standin.api_url)
    response = register(client, standin, token="not-a-token-of-this-store")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_rejected"
    assert "PermissionDenied" not in error["message"] and "permission" in error["message"]
    assert not SaleorConnection.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [
        (b"not json", "invalid_body"),
        (b"[]", "invalid_body"),
        (b'{"auth_token": ""}', "missing_token"),
    ],
)
def test_a_malformed_registration_says_what_is_wrong(client, standin, body, code):
    allow_api_url(standin.api_url)
    response = client.post(
        "/saleor/register/",
        data=body,
        content_type="application/json",
        HTTP_SALEOR_API_URL=standin.api_url,
        HTTP_SALEOR_DOMAIN=standin.domain,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_an_unreachable_store_is_refused_with_502(client, standin):
    allow_api_url(standin.api_url)
    token = standin.issue_token()
    standin.stop()
    response = register(client, standin, token)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "store_unreachable"
    assert not SaleorConnection.objects.exists()


def test_reinstalling_replaces_the_token_and_keeps_one_connection_and_channel(
    client, standin, connection
):
    channel = connection.channel
    new_token = standin.issue_token()
    assert register(client, standin, new_token).status_code == 200
    connection = SaleorConnection.objects.get()
    assert connection.get_token() == new_token
    assert connection.channel == channel


def test_api_urls_are_compared_in_one_canonical_form():
    assert (
        normalize_api_url("HTTP://Shop.Example:8000/graphql") == "http://shop.example:8000/graphql/"
    )
    for bad in ("ftp://shop/graphql/", "shop.example/graphql/", "https://u:p@shop/graphql/"):
        with pytest.raises(ValueError, match="graphql|user name|http"):
            normalize_api_url(bad)


def test_the_token_never_reaches_logs_admin_or_dashboard(
    client, standin, products, staff, caplog, admin_client
):
    allow_api_url(standin.api_url)
    token = standin.issue_token()
    with caplog.at_level(logging.DEBUG):
        register(client, standin, token)
        connection = SaleorConnection.objects.get()
        publish_catalogue(connection, today=TODAY)
        register(client, standin, "a-wrong-token")
    assert caplog.records  # something was logged, and none of it is the token
    assert all(token not in record.getMessage() for record in caplog.records)
    admin_page = admin_client.get(f"/admin/saleor_app/saleorconnection/{connection.pk}/change/")
    assert admin_page.status_code == 200
    assert token not in admin_page.content.decode()
    assert connection.token_encrypted not in admin_page.content.decode()
    client.force_login(staff)
    dashboard = client.get("/dashboard/saleor/")
    assert dashboard.status_code == 200
    assert token not in dashboard.content.decode()
    assert standin.domain in dashboard.content.decode()


def test_tokens_are_encrypted_with_the_configured_keys_which_can_rotate(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OCOP_SALEOR_TOKEN_KEY = [old]
    stored = crypto.encrypt_token("tok-123")
    assert Fernet(old.encode()).decrypt(stored.encode()) == b"tok-123"
    settings.OCOP_SALEOR_TOKEN_KEY = [new, old]  # rotated: the new key first
    assert crypto.decrypt_token(stored) == "tok-123"
    settings.OCOP_SALEOR_TOKEN_KEY = [new]
    with pytest.raises(crypto.TokenDecryptionError, match="OCOP_SALEOR_TOKEN_KEY"):
        crypto.decrypt_token(stored)


def test_production_without_a_token_key_is_refused_and_the_default_derives_one(settings):
    settings.OCOP_SALEOR_TOKEN_KEY = []
    settings.OCOP_SALEOR_DERIVE_TOKEN_KEY = True
    stored = crypto.encrypt_token("tok-123")
    assert Fernet(crypto.derive_key(settings.SECRET_KEY)).decrypt(stored.encode()) == b"tok-123"
    settings.OCOP_SALEOR_DERIVE_TOKEN_KEY = False
    with pytest.raises(ImproperlyConfigured, match="OCOP_SALEOR_TOKEN_KEY is not set"):
        crypto.encrypt_token("tok-123")
    settings.OCOP_SALEOR_TOKEN_KEY = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="key number 1"):
        crypto.encrypt_token("tok-123")


# Webhooks -----------------------------------------------------------------------------------


def test_a_signed_order_becomes_verified_activity_counted_by_the_participation_rule(
    client, standin, connection, products
):
    tea, lotus, hat = products["Trà xanh"], products["Trà sen"], products["Nón lá"]
    producer = tea.producer
    assert not participation.is_active_modern(producer, TODAY)
    body, event = webhook(
        standin,
        order_event(
            [line(tea, 300000.0), line(lotus, 95500.0), line(hat, 80000.0), line(None, 20000.0)]
        ),
    )
    response = post_webhook(client, standin, body, event)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "processed"

    activities = {
        a.producer: a for a in ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR)
    }
    assert set(activities) == {producer, hat.producer}
    tea_activity = activities[producer]
    assert tea_activity.channel == connection.channel
    assert tea_activity.date == dt.date(2026, 11, 29)  # placed 01:30 in Hà Nội
    assert tea_activity.orders == 1
    assert tea_activity.revenue == Decimal(395500)
    assert tea_activity.product == tea
    assert tea_activity.reference == f"saleor:{standin.domain}:T3JkZXI6MTAwMQ==:{producer.pk}"
    assert activities[hat.producer].revenue == Decimal(80000)

    presence = Presence.objects.get(producer=producer, channel=connection.channel)
    assert presence.verification == Verification.VERIFIED
    assert presence.source == PresenceSource.CONNECTOR
    assert participation.is_active_modern(producer, TODAY)
    assert participation.population(TODAY).filter(pk=producer.pk).exists()

    order = SaleorOrder.objects.get()
    assert order.status == SaleorOrder.Status.CREATED
    assert order.unmatched_lines == [
        {"line": "T3JkZXJMaW5lOj20000", "name": "Quà lưu niệm", "sku": ""}
    ]
    rollup = ChannelSalesMonth.objects.get(producer=producer, channel=connection.channel)
    assert (rollup.orders, rollup.revenue) == (1, Decimal(395500))


def test_a_line_is_matched_by_sku_when_it_has_no_external_reference(
    client, standin, connection, products
):
    lotus = products["Trà sen"]
    sku = lotus.product.stockrecords.get().partner_sku
    item = line(None, 95500.0, sku=sku)
    body, event = webhook(standin, order_event([item]))
    assert post_webhook(client, standin, body, event).status_code == 200
    activity = ChannelActivity.objects.get(source=ActivitySource.CONNECTOR)
    assert (activity.producer, activity.product) == (lotus.producer, lotus)


def test_an_order_in_another_currency_counts_the_order_without_revenue(
    client, standin, connection, products
):
    body, event = webhook(
        standin, order_event([line(products["Trà xanh"], 12.5, currency="USD")], currency="USD")
    )
    assert post_webhook(client, standin, body, event).status_code == 200
    activity = ChannelActivity.objects.get(source=ActivitySource.CONNECTOR)
    assert (activity.orders, activity.revenue) == (1, None)


def test_a_redelivered_webhook_changes_nothing(client, standin, connection, products):
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    assert post_webhook(client, standin, body, event).json()["status"] == "processed"
    activity = ChannelActivity.objects.get(source=ActivitySource.CONNECTOR)
    again = post_webhook(client, standin, body, event)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert (
        ChannelActivity.objects.get(source=ActivitySource.CONNECTOR).updated_at
        == activity.updated_at
    )
    assert WebhookDelivery.objects.count() == 1
    assert ChannelSalesMonth.objects.get(channel=connection.channel).orders == 1


def test_a_body_altered_after_signing_is_refused(client, standin, connection, products):
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    signature = standin.sign(body)
    altered = body.replace(b"150000.0", b"1500000.0")
    assert altered != body
    response = post_webhook(client, standin, altered, event, HTTP_SALEOR_SIGNATURE=signature)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_invalid"
    assert not ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).exists()
    assert not WebhookDelivery.objects.exists()


def test_a_body_signed_with_another_key_is_refused(client, standin, connection, products):
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = standin.sign(body, key=stranger, kid=standin.kid)
    response = post_webhook(client, standin, body, event, HTTP_SALEOR_SIGNATURE=forged)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_invalid"
    assert not ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).exists()


def test_a_webhook_without_signature_is_refused(client, standin, connection, products):
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    response = post_webhook(client, standin, body, event, HTTP_SALEOR_SIGNATURE=None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_missing"
    for malformed in ("abc", "a.b.c", "e30..c2ln"):
        response = post_webhook(client, standin, body, event, HTTP_SALEOR_SIGNATURE=malformed)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "signature_invalid"
    assert not ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).exists()


def test_a_webhook_from_a_store_not_connected_is_refused(client, standin, connection, products):
    other = SaleorStandIn().start()
    try:
        body, event = webhook(other, order_event([line(products["Trà xanh"], 150000.0)]))
        response = post_webhook(
            client,
            other,
            body,
            event,
            HTTP_SALEOR_API_URL=other.api_url,
            HTTP_SALEOR_SIGNATURE=other.sign(body),
        )
    finally:
        other.stop()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "store_not_connected"
    missing = post_webhook(client, standin, body, event, HTTP_SALEOR_API_URL=None)
    assert missing.status_code == 403
    assert not ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).exists()


def test_a_disconnected_store_is_refused(client, standin, connection, products):
    connection.is_active = False
    connection.save()
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    assert post_webhook(client, standin, body, event).status_code == 403


def test_a_rotated_key_is_fetched_once_by_its_kid(client, standin, connection, products, settings):
    settings.OCOP_SALEOR_JWKS_REFETCH_SECONDS = 0
    fetched = standin.jwks_requests
    standin.rotate_key()
    first, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    assert post_webhook(client, standin, first, event).status_code == 200
    assert standin.jwks_requests == fetched + 1
    second, event = webhook(
        standin, order_event([line(products["Nón lá"], 80000.0)], order_id="T3JkZXI6MTAwMg==")
    )
    assert post_webhook(client, standin, second, event).status_code == 200
    assert standin.jwks_requests == fetched + 1  # the new kid is cached now
    connection.refresh_from_db()
    assert [k["kid"] for k in connection.jwks["keys"]] == [standin.kid]
    assert ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).count() == 2


def test_an_unknown_kid_is_refused_after_one_refetch(
    client, standin, connection, products, settings
):
    settings.OCOP_SALEOR_JWKS_REFETCH_SECONDS = 0
    fetched = standin.jwks_requests
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    response = post_webhook(
        client,
        standin,
        body,
        event,
        HTTP_SALEOR_SIGNATURE=standin.sign(body, key=stranger, kid="nope"),
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unknown_key"
    assert standin.jwks_requests == fetched + 1


def test_unknown_kids_do_not_make_the_store_fetch_its_keys_again_and_again(
    client, standin, connection, products
):
    fetched = standin.jwks_requests  # just fetched at registration
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body, event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    for kid in ("a", "b", "c"):
        signature = standin.sign(body, key=stranger, kid=kid)
        assert (
            post_webhook(client, standin, body, event, HTTP_SALEOR_SIGNATURE=signature).status_code
            == 401
        )
    assert standin.jwks_requests == fetched


def test_an_order_paid_then_cancelled_keeps_then_removes_its_activity(
    client, standin, connection, products
):
    tea = products["Trà xanh"]
    created, event = webhook(standin, order_event([line(tea, 150000.0)]))
    assert post_webhook(client, standin, created, event).status_code == 200
    # Edited before payment: a second line; the paid event corrects the activity.
    paid, event = webhook(
        standin,
        order_event(
            [line(tea, 150000.0), line(products["Trà sen"], 95500.0)], typename="OrderFullyPaid"
        ),
    )
    assert post_webhook(client, standin, paid, event).status_code == 200
    activity = ChannelActivity.objects.get(source=ActivitySource.CONNECTOR)
    assert (activity.orders, activity.revenue) == (1, Decimal(245500))
    assert SaleorOrder.objects.get().status == SaleorOrder.Status.PAID
    assert ChannelSalesMonth.objects.get(channel=connection.channel).revenue == Decimal(245500)

    cancelled, event = webhook(
        standin, order_event([line(tea, 150000.0)], typename="OrderCancelled")
    )
    response = post_webhook(client, standin, cancelled, event)
    assert response.status_code == 200
    assert "1 activity" in response.json()["detail"]
    assert not ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).exists()
    assert not ChannelSalesMonth.objects.filter(channel=connection.channel).exists()
    assert not participation.is_active_modern(tea.producer, TODAY)
    order = SaleorOrder.objects.get()
    assert order.status == SaleorOrder.Status.CANCELLED

    # A late retry of the creation (another delivery, another issuedAt) does not revive it.
    late, event = webhook(
        standin, order_event([line(tea, 150000.0)], issued_at="2026-11-29T03:00:00+00:00")
    )
    response = post_webhook(client, standin, late, event)
    assert response.status_code == 200
    assert "cancelled already" in response.json()["detail"]
    assert not ChannelActivity.objects.filter(source=ActivitySource.CONNECTOR).exists()


def test_the_unsigned_event_header_cannot_turn_a_creation_into_a_cancellation(
    client, standin, connection, products
):
    body, _event = webhook(standin, order_event([line(products["Trà xanh"], 150000.0)]))
    response = post_webhook(client, standin, body, "order_cancelled")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "event_mismatch"


def test_a_signed_body_that_is_not_an_order_event_is_refused_or_ignored(
    client, standin, connection
):
    body = b'{"order": {"number": "1"}}'
    response = post_webhook(client, standin, body, "order_created")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"
    other = json.dumps({"__typename": "ProductUpdated", "product": {"id": "x"}}).encode()
    response = post_webhook(client, standin, other, "product_updated")
    assert (response.status_code, response.json()["status"]) == (200, "ignored")


# Publishing ---------------------------------------------------------------------------------


def test_publish_creates_structure_and_products_then_a_second_run_changes_nothing(
    standin, connection, products
):
    result = publish_catalogue(connection, today=TODAY)
    assert result.ok, (result.errors, result.fatal)
    assert (result.total, result.created, result.updated, result.failed) == (3, 3, 0, 0)
    assert result.channels == ["default-channel"]
    assert any("channel-usd is in USD" in note for note in result.notes)

    assert set(standin.attributes) == {"ocop-stars", "ocop-decision-number", "ocop-valid-until"}
    stars = standin.attributes["ocop-stars"]
    assert [v["name"] for v in stars["values"]] == ["3 sao", "4 sao", "5 sao", "Không còn hiệu lực"]
    product_type = standin.product_types["ocop-product"]
    assert len(product_type["attribute_ids"]) == 3
    assert set(standin.categories) == {"ocop-do-uong", "ocop-thu-cong-my-nghe"}

    tea = products["Trà xanh"]
    remote = standin.product_by_reference(f"ocop:{tea.pk}")
    assert remote["name"] == "Trà xanh"
    assert remote["category"] == standin.categories["ocop-do-uong"]["id"]
    assert standin.assigned_value(remote, "ocop-stars") == "4 sao"
    assert standin.assigned_value(remote, "ocop-decision-number") == "1/QĐ-UBND"
    assert standin.assigned_value(remote, "ocop-valid-until") == "2028-06-01"
    [variant_id] = remote["variants"]
    variant = standin.variants[variant_id]
    assert variant["externalReference"] == f"ocop:{tea.pk}"
    assert variant["sku"] == tea.product.stockrecords.get().partner_sku
    vnd = standin.channels[0]["id"]
    assert remote["channelListings"] == {vnd: {"isPublished": True}}
    assert variant["channelListings"] == {vnd: "150000"}
    assert PublishedProduct.objects.filter(connection=connection).count() == 3

    mutations_before = len(standin.mutations)
    again = publish_catalogue(connection, today=TODAY)
    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.mutations == 0
    assert len(standin.mutations) == mutations_before


def test_a_price_change_here_updates_only_that_price_there(standin, connection, products):
    publish_catalogue(connection, today=TODAY)
    record = products["Nón lá"].product.stockrecords.get()
    record.price = Decimal(85000)
    record.save()
    mutations_before = len(standin.mutations)
    result = publish_catalogue(connection, today=TODAY)
    assert (result.updated, result.unchanged) == (1, 2)
    assert standin.mutations[mutations_before:] == ["productVariantChannelListingUpdate"]
    remote = standin.product_by_reference(f"ocop:{products['Nón lá'].pk}")
    assert (
        standin.variants[remote["variants"][0]]["channelListings"][standin.channels[0]["id"]]
        == "85000"
    )


def test_dry_run_reads_the_store_and_sends_no_mutation(standin, connection, products):
    result = publish_catalogue(connection, dry_run=True, today=TODAY)
    assert result.dry_run and not result.fatal
    assert (result.total, result.created) == (3, 3)
    assert result.mutations == 0
    assert standin.mutations == []
    assert any("would create the attribute ocop-stars" in n for n in result.notes)
    assert not PublishedProduct.objects.exists()


def test_an_upgrade_here_changes_the_star_attribute_at_the_next_publish(
    standin, connection, products
):
    publish_catalogue(connection, today=TODAY)
    lotus = products["Trà sen"]
    assert import_certificates(io.BytesIO(UPGRADE.encode()), filename="u.csv", today=TODAY).ok
    mutations_before = len(standin.mutations)
    result = publish_catalogue(connection, today=TODAY)
    assert (result.updated, result.unchanged) == (1, 2)
    assert standin.mutations[mutations_before:] == ["productUpdate"]
    remote = standin.product_by_reference(f"ocop:{lotus.pk}")
    assert standin.assigned_value(remote, "ocop-stars") == "4 sao"
    assert standin.assigned_value(remote, "ocop-decision-number") == "9/QĐ-UBND"


def test_an_expired_certificate_shows_as_no_longer_valid_at_the_next_publish(
    standin, connection, products
):
    publish_catalogue(connection, today=TODAY)
    hat = products["Nón lá"]
    after_expiry = hat.current_certificate.valid_until + dt.timedelta(days=1)
    result = publish_catalogue(connection, today=after_expiry)
    remote = standin.product_by_reference(f"ocop:{hat.pk}")
    assert standin.assigned_value(remote, "ocop-stars") == "Không còn hiệu lực"
    assert result.updated == 1


def test_the_daily_star_refresh_sends_only_the_changed_stars(standin, connection, products):
    publish_catalogue(connection)
    hat = products["Nón lá"]
    Certificate.objects.filter(pk=hat.current_certificate_id).update(
        revoked_on=TODAY - dt.timedelta(days=1)
    )
    mutations_before = len(standin.mutations)
    requests_before = len(standin.requests)
    [summary] = refresh_star_attributes_task()
    assert (summary["updated"], summary["unchanged"], summary["failed"]) == (1, 2, 0)
    assert standin.mutations[mutations_before:] == ["productUpdate"]
    # No product was read back: three attribute look-ups and one update.
    assert len(standin.requests) - requests_before == 4
    remote = standin.product_by_reference(f"ocop:{hat.pk}")
    assert standin.assigned_value(remote, "ocop-stars") == "Không còn hiệu lực"
    assert PublishedProduct.objects.get(product=hat).stars == "none"
    run = PublishRun.objects.get(stars_only=True)
    assert (run.state, run.done, run.total) == ("done", 3, 3)
    [again] = refresh_star_attributes_task()
    assert again["updated"] == 0


def test_one_failing_product_does_not_stop_the_others(standin, connection, products):
    standin.fail_names = {"Trà sen"}
    result = publish_catalogue(connection, today=TODAY)
    assert (result.created, result.failed) == (2, 1)
    [error] = result.errors
    assert error["name"] == "Trà sen"
    assert error["producer"] == "HTX Chè Liêm Sơn"
    assert "Tên sản phẩm bị cửa hàng từ chối" in error["message"]
    assert "productCreate" in error["message"]
    assert standin.product_by_reference(f"ocop:{products['Nón lá'].pk}") is not None


def test_a_rejected_token_stops_the_run_with_a_clear_message(standin, connection, products):
    standin.tokens.clear()
    result = publish_catalogue(connection, today=TODAY)
    assert result.fatal_code == "token_rejected"
    assert "AUTHENTICATED_APP" in result.fatal


def test_an_unknown_channel_stops_the_run_naming_the_store_channels(standin, connection, products):
    result = publish_catalogue(connection, channel_slug="khong-co", today=TODAY)
    assert result.fatal_code == "unknown_channel"
    assert "default-channel" in result.fatal and "channel-usd" in result.fatal
    assert not standin.products


# Command ------------------------------------------------------------------------------------


def test_publish_command_reports_progress_and_exit_status(standin, connection, products, capsys):
    call_command("ocop_saleor_publish", "--store", standin.domain, "--channel", "default-channel")
    out = capsys.readouterr().out
    assert "3 sản phẩm" in out and "tạo 3" in out
    run = PublishRun.objects.get()
    assert (run.state, run.done, run.total, run.created_by) == ("done", 3, 3, None)

    standin.fail_names = {"Trà sen"}
    product = standin.product_by_reference(f"ocop:{products['Trà sen'].pk}")
    standin.products.pop(product["id"])
    with pytest.raises(SystemExit) as exit_info:
        call_command("ocop_saleor_publish", "--store", standin.api_url, "--format", "json")
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 1 and report["errors"][0]["name"] == "Trà sen"


def test_publish_command_dry_run_changes_nothing(standin, connection, products, capsys):
    call_command("ocop_saleor_publish", "--store", standin.domain, "--dry-run")
    out = capsys.readouterr().out
    assert "sẽ tạo 3" in out and "--dry-run" in out
    assert standin.mutations == []


def test_publish_command_refuses_an_unknown_store_or_channel(standin, connection, products, capsys):
    with pytest.raises(CommandError, match="shop.unknown") as error:
        call_command("ocop_saleor_publish", "--store", "shop.unknown")
    assert error.value.returncode == 2
    with pytest.raises(SystemExit) as exit_info:
        call_command("ocop_saleor_publish", "--store", standin.domain, "--channel", "x")
    assert exit_info.value.code == 2
    assert "no channel “x”" in capsys.readouterr().err


def test_allow_command_adds_lists_and_removes(capsys):
    call_command("ocop_saleor_allow", "https://Shop.Example/graphql", "--note", "Cửa hàng thử")
    assert AllowedSaleorApi.objects.get().api_url == "https://shop.example/graphql/"
    call_command("ocop_saleor_allow", "--list")
    assert "https://shop.example/graphql/\tCửa hàng thử" in capsys.readouterr().out
    call_command("ocop_saleor_allow", "--remove", "https://shop.example/graphql/")
    assert not AllowedSaleorApi.objects.exists()
    with pytest.raises(CommandError, match="http:// or https://"):
        call_command("ocop_saleor_allow", "shop.example")


# Dashboard ----------------------------------------------------------------------------------


def test_dashboard_pages_are_for_department_staff_only(client, staff, producer_user, connection):
    run = PublishRun.objects.create(connection=connection)
    pages = ["/dashboard/saleor/", f"/dashboard/saleor/runs/{run.pk}/"]
    for url in pages:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(producer_user)
    for url in pages:
        assert client.get(url).status_code == 403
    for url in ("/dashboard/saleor/publish/", "/dashboard/saleor/allow/"):
        assert client.post(url, {"connection": connection.pk}).status_code == 403
    assert (
        client.post(f"/dashboard/saleor/connections/{connection.pk}/disconnect/").status_code == 403
    )
    assert PublishRun.objects.count() == 1
    client.force_login(staff)
    for url in pages:
        assert client.get(url).status_code == 200
    page = client.get("/dashboard/saleor/").content.decode()
    assert "Cửa hàng đã kết nối" in page  # Vietnamese first
    assert "Cửa hàng Saleor" in page  # also the OCOP menu's entry
    assert "http://testserver/saleor/manifest/" in page


def test_staff_allow_a_store_and_publish_from_the_dashboard(
    client, staff, standin, connection, products, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    bad = client.post("/dashboard/saleor/allow/", {"api_url": "shop.example/graphql"})
    assert bad.status_code == 400
    assert "http:// or https://" in bad.content.decode()
    ok = client.post("/dashboard/saleor/allow/", {"api_url": "https://shop.example/graphql/"})
    assert ok.status_code == 302
    assert AllowedSaleorApi.objects.filter(api_url="https://shop.example/graphql/").exists()

    standin.fail_names = {"Nón lá"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/saleor/publish/", {"connection": connection.pk, "channel_slug": ""}
        )
    run = PublishRun.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/dashboard/saleor/runs/{run.pk}/"
    )
    run.refresh_from_db()
    assert (run.state, run.done, run.total, run.created_by) == ("done", 3, 3, staff)
    assert run.result["created"] == 2
    page = client.get(response["Location"]).content.decode()
    assert "Nón lá" in page and "Tên sản phẩm bị cửa hàng từ chối" in page

    response = client.post(f"/dashboard/saleor/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302
    connection.refresh_from_db()
    assert not connection.is_active and connection.get_token() == ""


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_stores_and_runs(
    client, staff, standin, connection
):
    client.force_login(staff)
    PublishRun.objects.create(connection=connection)
    with CaptureQueriesContext(db_connection) as few:
        assert client.get("/dashboard/saleor/").status_code == 200
    for number in range(3):
        other = SaleorConnection.objects.create(
            api_url=f"https://shop{number}.example/graphql/",
            domain=f"shop{number}.example",
            channel=connection.channel,
            connected_at=connection.connected_at,
        )
        allow_api_url(other.api_url)
        for _ in range(3):
            PublishRun.objects.create(connection=other)
    with CaptureQueriesContext(db_connection) as many:
        page = client.get("/dashboard/saleor/")
    assert page.content.decode().count("shop2.example") >= 2
    assert len(many.captured_queries) == len(few.captured_queries)


# GraphQL documents against Saleor's schema --------------------------------------------------

needs_schema = pytest.mark.skipif(load_schema() is None, reason=SCHEMA_MISSING_REASON)


def test_the_documents_module_lists_every_document_it_defines():
    defined = {
        value
        for name, value in vars(documents).items()
        if documents.is_document_name(name) and isinstance(value, str)
    }
    assert defined == documents.ALL
    assert len(documents.ALL) >= 20


@needs_schema
@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n, v in vars(documents).items()
        if documents.is_document_name(n) and isinstance(v, str)
    ),
)
def test_every_document_is_valid_against_saleor_3_23_without_deprecated_fields(name):
    document = getattr(documents, name)
    errors = validate(load_schema(), parse(document), [*specified_rules, NoDeprecatedCustomRule])
    assert errors == [], f"{name}: {[e.message for e in errors]}"


@needs_schema
def test_manifest_subscriptions_are_the_validated_documents(client):
    manifest = client.get("/saleor/manifest/").json()
    for hook in manifest["webhooks"]:
        assert hook["query"] + "\n" in {d.lstrip("\n") for d in documents.ALL}
        assert validate(load_schema(), parse(hook["query"])) == []


@needs_schema
def test_the_standin_refuses_documents_saleor_would_refuse(standin):
    answer = standin.execute("query { product(reference: 1) { id } }", {}, authorized=True)
    assert answer["errors"]


def test_the_client_sends_only_documents_from_the_documents_module(standin):
    client = SaleorClient(standin.api_url, standin.issue_token())
    with pytest.raises(ValueError, match="documents"):
        client.execute("query { shop { name } }")
    assert client.execute(documents.TOKEN_CHECK)["shop"]["name"] == "Đặc sản Hà Nam"
    assert PERMISSIONS  # the manifest's permissions are declared once

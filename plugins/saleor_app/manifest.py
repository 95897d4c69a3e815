"""The app manifest Saleor reads to install the app (``GET /saleor/manifest/``)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from . import documents

APP_ID = "vn.ocop-market.saleor-app"
APP_NAME = "OCOP Market"
#: What the app needs: products, product types and attributes, channels, orders.
PERMISSIONS = (
    "MANAGE_PRODUCTS",
    "MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES",
    "MANAGE_CHANNELS",
    "MANAGE_ORDERS",
)
#: (name, event, subscription) of the webhooks the store sends.
WEBHOOKS = (
    ("OCOP Market: order created", "ORDER_CREATED", documents.ORDER_CREATED_SUBSCRIPTION),
    ("OCOP Market: order fully paid", "ORDER_FULLY_PAID", documents.ORDER_FULLY_PAID_SUBSCRIPTION),
    ("OCOP Market: order cancelled", "ORDER_CANCELLED", documents.ORDER_CANCELLED_SUBSCRIPTION),
)
#: ``assignedAttributes``, which the publisher reads, came with Saleor 3.22.
REQUIRED_SALEOR_VERSION = ">=3.22.0"


def app_version() -> str:
    try:
        return version("ocop-market")
    except PackageNotFoundError:
        return "0.1.0"


def base_url(request: HttpRequest) -> str:
    """Where Saleor reaches this app: ``OCOP_SALEOR_APP_URL`` or the request's own host."""
    configured = settings.OCOP_SALEOR_APP_URL.strip().rstrip("/")
    return configured or f"{request.scheme}://{request.get_host()}"


def build_manifest(request: HttpRequest) -> dict:
    root = base_url(request)
    webhook_url = root + reverse("saleor_app:webhooks")
    return {
        "id": APP_ID,
        "version": app_version(),
        "name": APP_NAME,
        "about": (
            "Publishes Vietnam's OCOP-certified products (star rank, certificate) to this "
            "store and reports its orders to the OCOP Market channel report."
        ),
        "permissions": list(PERMISSIONS),
        "appUrl": root + reverse("saleor_app:app"),
        "tokenTargetUrl": root + reverse("saleor_app:register"),
        "homepageUrl": root + "/",
        "supportUrl": root + reverse("saleor_app:app"),
        "author": APP_NAME,
        "requiredSaleorVersion": REQUIRED_SALEOR_VERSION,
        "webhooks": [
            {
                "name": name,
                "asyncEvents": [event],
                "query": query.strip(),
                "targetUrl": webhook_url,
                "isActive": True,
            }
            for name, event, query in WEBHOOKS
        ],
    }

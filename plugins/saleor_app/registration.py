"""Connecting a Saleor store: the allow-list, the token exchange, the store's channel here.

When a store installs the app it POSTs ``{"auth_token": …}`` to the manifest's
``tokenTargetUrl`` with ``Saleor-Api-Url`` and ``Saleor-Domain``. ``register_store`` accepts it
only from an allowed API URL, asks that store who the token belongs to (``app { id }``) before
storing anything, then stores one connection per API URL with the token encrypted, and makes
sure the store has its own modern channel here for the activity its orders become.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from plugins.ocop.channels.registry import channel_key
from plugins.ocop.models import Channel, ChannelKind
from plugins.ocop.text import slugify

from . import documents
from .client import (
    SaleorClient,
    SaleorError,
    SaleorTokenRejected,
    SaleorUnreachable,
    normalize_api_url,
)
from .error_codes import SaleorErrorCode
from .models import AllowedSaleorApi, SaleorConnection
from .signatures import refresh_jwks

logger = logging.getLogger(__name__)


class RegistrationError(Exception):
    """The token POST is refused: ``status`` is the HTTP status to answer with."""

    def __init__(self, code: SaleorErrorCode, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def allow_api_url(url: str, *, note: str = "", user: AbstractBaseUser | None = None):
    """Add a Saleor API URL to the allow-list (idempotent); ``ValueError`` for a bad URL."""
    api_url = normalize_api_url(url)
    allowed, _created = AllowedSaleorApi.objects.get_or_create(
        api_url=api_url,
        defaults={
            "note": note,
            "created_by": user if user is not None and user.is_authenticated else None,
        },
    )
    return allowed


def disallow_api_url(url: str) -> int:
    """Remove a URL from the allow-list; connections already made stay until disconnected."""
    return AllowedSaleorApi.objects.filter(api_url=normalize_api_url(url)).delete()[0]


def is_allowed(api_url: str) -> bool:
    return AllowedSaleorApi.objects.filter(api_url=api_url).exists()


def store_channel_slug(domain: str) -> str:
    return "saleor-" + slugify(re.sub(r"[^0-9A-Za-z]+", " ", domain))[:40]


def ensure_store_channel(domain: str, shop_name: str, api_url: str) -> Channel:
    """The store's own channel here: a modern online shop named after the store."""
    slug = store_channel_slug(domain)
    channel = Channel.objects.filter(slug=slug).first()
    if channel is not None:
        return channel
    name = f"{shop_name} ({domain})" if shop_name else f"Saleor {domain}"
    name = name[:150]
    match_key = channel_key(name)
    if Channel.objects.filter(match_key=match_key).exists():
        match_key = channel_key(f"{name} {slug}")
    parts = urlsplit(api_url)
    return Channel.objects.create(
        name=name,
        slug=slug,
        match_key=match_key[:150],
        kind=ChannelKind.ONLINE_SHOP,
        is_modern=True,
        website=urlunsplit((parts.scheme, parts.netloc, "/", "", "")),
    )


def register_store(
    *, api_url: str, domain: str, token: str, schema_version: str = ""
) -> SaleorConnection:
    """Check and store a store's app token; raises ``RegistrationError`` saying why not."""
    try:
        api_url = normalize_api_url(api_url)
    except ValueError as error:
        raise RegistrationError(
            SaleorErrorCode.INVALID_API_URL, f"Saleor-Api-Url: {error}", 400
        ) from None
    if not is_allowed(api_url):
        raise RegistrationError(
            SaleorErrorCode.API_URL_NOT_ALLOWED,
            f"The Saleor API URL {api_url} is not allowed to install this app; department "
            "staff must allow it first (Dashboard → OCOP → Saleor stores).",
            403,
        )
    if not isinstance(token, str) or not token.strip():
        raise RegistrationError(
            SaleorErrorCode.MISSING_TOKEN, "The request body has no auth_token.", 400
        )
    domain = (domain or "").strip() or urlsplit(api_url).netloc
    try:
        data = SaleorClient(api_url, token.strip()).execute(documents.TOKEN_CHECK)
    except SaleorUnreachable as error:
        raise RegistrationError(SaleorErrorCode.STORE_UNREACHABLE, error.message, 502) from None
    except (SaleorTokenRejected, SaleorError) as error:
        raise RegistrationError(
            SaleorErrorCode.TOKEN_REJECTED,
            f"The token could not be confirmed with the store: {error.message}",
            401,
        ) from None
    app = data.get("app") or {}
    if not app.get("id"):
        raise RegistrationError(
            SaleorErrorCode.TOKEN_REJECTED,
            f"The store at {api_url} does not recognise the token as an app token.",
            401,
        )
    shop_name = ((data.get("shop") or {}).get("name") or "").strip()
    with transaction.atomic():
        connection = SaleorConnection.objects.select_for_update().filter(api_url=api_url).first()
        if connection is None:
            connection = SaleorConnection(
                api_url=api_url, channel=ensure_store_channel(domain, shop_name, api_url)
            )
        connection.domain = domain
        connection.shop_name = shop_name[:255]
        connection.saleor_app_id = str(app["id"])[:255]
        connection.schema_version = (schema_version or "")[:20]
        connection.set_token(token.strip())
        connection.is_active = True
        connection.connected_at = timezone.now()
        connection.save()
    try:
        refresh_jwks(connection)
    except SaleorError as error:
        # The keys are fetched again on the first webhook; the connection stands.
        logger.warning("Saleor store %s: signing keys not read yet: %s", domain, error.message)
    logger.info("Saleor store %s connected (app %s)", domain, connection.saleor_app_id)
    return connection


@transaction.atomic
def disconnect_store(connection: SaleorConnection) -> None:
    """Stop accepting the store's webhooks and forget its token; its channel and the activity
    already recorded stay (they are evidence)."""
    connection.is_active = False
    connection.set_token("")
    connection.save(update_fields=["is_active", "token_encrypted", "updated_at"])

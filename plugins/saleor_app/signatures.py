"""Verifying ``Saleor-Signature``: a detached JWS (RFC 7515 with RFC 7797's unencoded payload).

Saleor signs each webhook body with RS256 and sends ``<protected>..<signature>``; the protected
header is ``{"alg": "RS256", "b64": false, "crit": ["b64"], "kid": …}`` and the signature covers
``<protected> + "." + <raw body>``. Verification is joserfc's (which enforces ``crit``); this
module picks the store's key by ``kid`` from the JWK Set cached on the connection, fetching the
set again once when the ``kid`` is unknown (the store rotated its keys), at most once every
``OCOP_SALEOR_JWKS_REFETCH_SECONDS`` per store.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet
from joserfc.util import urlsafe_b64decode

from .client import SaleorError, fetch_jwks
from .error_codes import SaleorErrorCode
from .models import SaleorConnection

ALGORITHM = "RS256"


class SignatureError(Exception):
    def __init__(self, code: SaleorErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _protected_header(signature: str) -> dict:
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "" or not parts[0] or not parts[2]:
        raise SignatureError(
            SaleorErrorCode.SIGNATURE_INVALID,
            "Saleor-Signature is not a detached JWS (<protected header>..<signature>).",
        )
    try:
        header = json.loads(urlsafe_b64decode(parts[0].encode()))
    except (ValueError, TypeError):
        header = None
    if not isinstance(header, dict):
        raise SignatureError(
            SaleorErrorCode.SIGNATURE_INVALID,
            "Saleor-Signature's protected header is not base64url-encoded JSON.",
        )
    if header.get("alg") != ALGORITHM or header.get("b64") is not False:
        raise SignatureError(
            SaleorErrorCode.SIGNATURE_INVALID,
            'Saleor-Signature must be RS256 over the raw body ("alg": "RS256", "b64": false).',
        )
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise SignatureError(
            SaleorErrorCode.SIGNATURE_INVALID, "Saleor-Signature's header names no key (kid)."
        )
    return header


def _key(jwks: dict, kid: str) -> Key | None:
    try:
        key_set = KeySet.import_key_set(jwks) if jwks else None
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    if key_set is None:
        return None
    for key in key_set.keys:
        if key.kid == kid:
            return key
    return None


def _may_refetch(connection: SaleorConnection) -> bool:
    if connection.jwks_fetched_at is None:
        return True
    wait = dt.timedelta(seconds=settings.OCOP_SALEOR_JWKS_REFETCH_SECONDS)
    return timezone.now() - connection.jwks_fetched_at >= wait


def refresh_jwks(connection: SaleorConnection) -> None:
    """Fetch the store's JWK Set and cache it on the connection."""
    connection.jwks = fetch_jwks(connection.api_url)
    connection.jwks_fetched_at = timezone.now()
    connection.save(update_fields=["jwks", "jwks_fetched_at", "updated_at"])


def verify_signature(connection: SaleorConnection, signature: str, body: bytes) -> dict:
    """Check that ``body`` was signed by ``connection``'s store; returns the protected header.

    Raises ``SignatureError`` for a missing, malformed or wrong signature, or a key the store
    does not publish."""
    if not signature:
        raise SignatureError(
            SaleorErrorCode.SIGNATURE_MISSING, "The Saleor-Signature header is missing."
        )
    header = _protected_header(signature)
    kid = header["kid"]
    key = _key(connection.jwks, kid)
    if key is None and _may_refetch(connection):
        try:
            refresh_jwks(connection)
        except SaleorError as error:
            raise SignatureError(SaleorErrorCode.UNKNOWN_KEY, error.message) from None
        key = _key(connection.jwks, kid)
    if key is None:
        raise SignatureError(
            SaleorErrorCode.UNKNOWN_KEY,
            f"The store publishes no key “{kid}” at /.well-known/jwks.json.",
        )
    try:
        jws.deserialize_compact(signature, key, algorithms=[ALGORITHM], payload=body)
    except JoseError:
        raise SignatureError(
            SaleorErrorCode.SIGNATURE_INVALID,
            "Saleor-Signature does not match the body and the store's key.",
        ) from None
    return header

"""Stable codes for what the connector refuses or fails at, so callers (Saleor, the
dashboard, scripts reading ``--format json``) can act on them without parsing messages."""

from enum import StrEnum


class SaleorErrorCode(StrEnum):
    # Registration (the token POST).
    INVALID_API_URL = "invalid_api_url"
    API_URL_NOT_ALLOWED = "api_url_not_allowed"
    MISSING_DOMAIN = "missing_domain"
    INVALID_BODY = "invalid_body"
    MISSING_TOKEN = "missing_token"
    TOKEN_REJECTED = "token_rejected"
    # Webhooks.
    STORE_NOT_CONNECTED = "store_not_connected"
    SIGNATURE_MISSING = "signature_missing"
    SIGNATURE_INVALID = "signature_invalid"
    UNKNOWN_KEY = "unknown_key"
    INVALID_PAYLOAD = "invalid_payload"
    EVENT_MISMATCH = "event_mismatch"
    # Talking to a store.
    STORE_UNREACHABLE = "store_unreachable"
    STORE_ERROR = "store_error"
    MUTATION_FAILED = "mutation_failed"
    UNKNOWN_CHANNEL = "unknown_channel"
    STRUCTURE_FAILED = "structure_failed"
    # Publishing, per product.
    PRODUCT_FAILED = "product_failed"

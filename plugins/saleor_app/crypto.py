"""Encryption at rest of Saleor app tokens (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from ``OCOP_SALEOR_TOKEN_KEY``: one or more Fernet keys separated by commas; the
first encrypts, all decrypt, so a key is rotated by putting the new one first. On the embedded
default only (no ``SECRET_KEY`` in the environment) the key is derived from the generated
``SECRET_KEY`` with HKDF-SHA256 (salt ``ocop-market``, info ``saleor-app-token``, 32 bytes);
production must set the variable.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

HKDF_SALT = b"ocop-market"
HKDF_INFO = b"saleor-app-token"


class TokenDecryptionError(Exception):
    """The stored token cannot be decrypted with the configured keys (a key was changed)."""


def derive_key(secret_key: str) -> bytes:
    """The Fernet key the embedded default derives from ``SECRET_KEY``."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.OCOP_SALEOR_TOKEN_KEY if k.strip()]
    if not keys:
        if not settings.OCOP_SALEOR_DERIVE_TOKEN_KEY:
            raise ImproperlyConfigured(
                "OCOP_SALEOR_TOKEN_KEY is not set: Saleor app tokens need an encryption key in "
                'production (generate one with `python -c "from cryptography.fernet import '
                'Fernet; print(Fernet.generate_key().decode())"`).'
            )
        return MultiFernet([Fernet(derive_key(settings.SECRET_KEY))])
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"OCOP_SALEOR_TOKEN_KEY: key number {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from error
    return MultiFernet(fernets)


def encrypt_token(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def decrypt_token(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise TokenDecryptionError(
            "The stored Saleor token cannot be decrypted with OCOP_SALEOR_TOKEN_KEY; reinstall "
            "the app in the store or restore the old key."
        ) from error

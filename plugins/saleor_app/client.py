"""The HTTP side of the connector: Saleor's GraphQL API (with the app token) and its JWKS.

Only documents from ``documents`` are sent. Requests time out after
``OCOP_SALEOR_HTTP_TIMEOUT`` seconds. The token travels only in the ``Authorization`` header:
it is never part of an error message or a log line.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from graphql import OperationDefinitionNode, OperationType, parse

from . import documents
from .error_codes import SaleorErrorCode

USER_AGENT = "OCOP-Market-Saleor-App"


class SaleorError(Exception):
    """A Saleor store could not do what was asked; ``message`` says what and where."""

    code = SaleorErrorCode.STORE_ERROR

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class SaleorUnreachable(SaleorError):
    code = SaleorErrorCode.STORE_UNREACHABLE


class SaleorTokenRejected(SaleorError):
    code = SaleorErrorCode.TOKEN_REJECTED


class SaleorMutationError(SaleorError):
    code = SaleorErrorCode.MUTATION_FAILED


def normalize_api_url(url: str) -> str:
    """The canonical form of a Saleor API URL, as allow-list and connections compare it:
    lower-case scheme and host, the path with a trailing slash, no query or fragment.

    Raises ``ValueError`` with a message naming what is wrong."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"“{url}” is not a Saleor API URL: it must start with http:// or https:// and name "
            "a host, e.g. https://shop.example/graphql/."
        )
    if parts.username or parts.password:
        raise ValueError(f"“{url}” must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ValueError(f"“{url}” must not have a query (?…) or fragment (#…).")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"“{url}” has an invalid port.") from error
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    path = parts.path or "/"
    if not path.endswith("/"):
        path += "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def jwks_url(api_url: str) -> str:
    """Where a store serves its public signing keys: ``/.well-known/jwks.json`` at its root."""
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme, parts.netloc, "/.well-known/jwks.json", "", ""))


@functools.lru_cache(maxsize=64)
def _operation_type(document: str) -> OperationType:
    for definition in parse(document).definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.operation
    raise ValueError("A GraphQL document without an operation.")


def _timeout() -> float:
    return float(settings.OCOP_SALEOR_HTTP_TIMEOUT)


class SaleorClient:
    """Sends the connector's GraphQL documents to one store with its app token.

    ``mutations`` counts the mutations sent (what a dry run must keep at zero)."""

    def __init__(self, api_url: str, token: str, *, session: requests.Session | None = None):
        self.api_url = api_url
        self._token = token
        self._session = session or requests.Session()
        self.mutations = 0

    def __repr__(self) -> str:
        return f"<SaleorClient {self.api_url}>"

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict:
        """Send ``document`` and return its ``data``; GraphQL errors raise ``SaleorError``."""
        if document not in documents.ALL:
            raise ValueError("Only documents from plugins.saleor_app.documents are sent.")
        if _operation_type(document) is OperationType.MUTATION:
            self.mutations += 1
        try:
            response = self._session.post(
                self.api_url,
                json={"query": document, "variables": variables or {}},
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                },
                timeout=_timeout(),
            )
        except requests.RequestException as error:
            raise SaleorUnreachable(
                f"The Saleor store at {self.api_url} did not answer ({type(error).__name__})."
            ) from None
        if response.status_code in (401, 403):
            raise SaleorTokenRejected(
                f"The Saleor store at {self.api_url} refused the app token "
                f"(HTTP {response.status_code}); reinstall the app in the store."
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise SaleorUnreachable(
                f"The Saleor store at {self.api_url} answered HTTP {response.status_code} "
                "without a GraphQL response."
            )
        errors = body.get("errors") or []
        if errors:
            messages = "; ".join(str(e.get("message", e)) for e in errors[:5])
            codes = {
                (e.get("extensions") or {}).get("exception", {}).get("code")
                for e in errors
                if isinstance(e, dict)
            }
            error_class = SaleorTokenRejected if "PermissionDenied" in codes else SaleorError
            raise error_class(f"The Saleor store at {self.api_url} answered: {messages}")
        return body.get("data") or {}

    def mutate(self, document: str, field: str, variables: dict[str, Any]) -> dict:
        """Send a mutation and return its payload ``field``; the payload's ``errors`` raise
        ``SaleorMutationError`` naming the mutation, the fields and Saleor's codes."""
        payload = self.execute(document, variables).get(field) or {}
        errors = payload.get("errors") or []
        if errors:
            details = "; ".join(
                f"{e.get('field') or '-'}: {e.get('message') or ''} ({e.get('code')})"
                for e in errors
            )
            raise SaleorMutationError(f"{field} refused: {details}")
        return payload


def fetch_jwks(api_url: str) -> dict:
    """The store's public keys (a JWK Set) from ``/.well-known/jwks.json``."""
    url = jwks_url(api_url)
    try:
        response = requests.get(url, timeout=_timeout(), headers={"User-Agent": USER_AGENT})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SaleorUnreachable(
            f"Could not read the store's signing keys at {url} ({type(error).__name__})."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise SaleorError(f"{url} is not a JWK Set (no “keys” list).")
    return data

"""Who is asking: session users and bearer tokens (API tokens) for the GraphQL API.

The catalogue is public. Protected fields (the department report) accept either a logged-in
user (session) or ``Authorization: Bearer <token>``, where the token is one issued by
``create_api_token``. Only the token's SHA-256 digest is stored, so a token cannot be read
back from the database; it is shown once when created. Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone

from ..models import ApiToken
from .errors import ApiErrorCode, api_error

#: Permission that opens the modern-channel participation report.
REPORT_PERMISSION = "ocop.view_channel_report"
_BEARER = "bearer"
#: Attribute of the request where the resolved viewer is cached for the request's lifetime.
_VIEWER_ATTRIBUTE = "_ocop_graphql_viewer"


def token_digest(token: str) -> str:
    """The SHA-256 hex digest stored in ``ApiToken.digest`` for ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: AbstractBaseUser, name: str) -> str:
    """Issue a token for ``user`` and return it in plain text; only its digest is stored, so
    this is the one time anyone sees it."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=token_digest(token))
    return token


def revoke_api_tokens(user: AbstractBaseUser, name: str) -> int:
    """Revoke ``user``'s tokens called ``name``; returns how many were revoked."""
    return ApiToken.objects.filter(user=user, name=name, revoked=False).update(revoked=True)


@dataclass(frozen=True)
class Viewer:
    """The identity behind a request: a session user, a token's user, or nobody.

    ``token_rejected`` is true when a bearer token was sent but did not authenticate; such a
    request is anonymous (its session is ignored too, since the caller meant the token)."""

    user: AbstractBaseUser | AnonymousUser
    token: ApiToken | None = None
    token_rejected: bool = False

    def has_perm(self, permission: str) -> bool:
        return bool(self.user.is_active and self.user.has_perm(permission))


def _bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer …`` header ("" when empty), else None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.strip().partition(" ")
    if scheme.lower() != _BEARER:
        return None
    return token.strip()


def _authenticate(request: HttpRequest) -> Viewer:
    token = _bearer_token(request)
    if token is None:
        return Viewer(user=getattr(request, "user", None) or AnonymousUser())
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked=False)
        .first()
        if token
        else None
    )
    if api_token is None or not api_token.user.is_active:
        return Viewer(user=AnonymousUser(), token_rejected=True)
    api_token.last_used_at = timezone.now()
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=api_token.last_used_at)
    return Viewer(user=api_token.user, token=api_token)


def viewer(request: HttpRequest) -> Viewer:
    """The request's viewer, authenticated on first use and cached on the request, so public
    queries sent with a token cost no token look-up."""
    found = getattr(request, _VIEWER_ATTRIBUTE, None)
    if found is None:
        found = _authenticate(request)
        setattr(request, _VIEWER_ATTRIBUTE, found)
    return found


def require_permission(request: HttpRequest, permission: str) -> Viewer:
    """The viewer when it holds ``permission``; otherwise a GraphQL error with a stable code:
    ``INVALID_TOKEN`` for a token that did not authenticate, ``PERMISSION_DENIED`` else."""
    found = viewer(request)
    if found.token_rejected:
        raise api_error(ApiErrorCode.INVALID_TOKEN, "The API token is invalid or revoked.")
    if not found.has_perm(permission):
        raise api_error(
            ApiErrorCode.PERMISSION_DENIED,
            "You do not have permission to read this field.",
            permission=permission,
        )
    return found

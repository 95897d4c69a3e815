"""Stable error codes of the GraphQL API, sent in each error's ``extensions.code``.

Clients act on the code, never on the message; messages may change or be translated.
"""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError


class ApiErrorCode(StrEnum):
    #: The caller is not allowed to read this field (anonymous, customer, producer user).
    PERMISSION_DENIED = "PERMISSION_DENIED"
    #: A bearer token was sent but it is unknown, revoked or its user is inactive.
    INVALID_TOKEN = "INVALID_TOKEN"
    #: An argument is out of range (page size, offset, stars, window).
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    #: The server failed; details are logged, never sent.
    INTERNAL_ERROR = "INTERNAL_ERROR"


def api_error(code: ApiErrorCode, message: str, **details: object) -> GraphQLError:
    """A ``GraphQLError`` carrying ``code`` (and any ``details``) in its extensions."""
    return GraphQLError(message, extensions={"code": code.value, **details})

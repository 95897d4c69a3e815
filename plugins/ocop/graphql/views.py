"""The ``/graphql/`` endpoint: graphene-django's view with our error policy and limits."""

from __future__ import annotations

import logging

from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import GraphQLError

from .errors import ApiErrorCode

logger = logging.getLogger(__name__)

#: Deepest selection a query may make (products → producer → products → certificates is 4).
MAX_QUERY_DEPTH = 8


class OcopGraphQLView(GraphQLView):
    """GraphQL over GET and POST. Errors a resolver raises on purpose keep their message and
    ``extensions.code``; anything else is logged and answered with ``INTERNAL_ERROR`` only, so
    no traceback or internal detail ever reaches the client. Bearer tokens are read lazily by
    ``auth.viewer`` when a protected field needs them."""

    validation_rules = (depth_limit_validator(max_depth=MAX_QUERY_DEPTH),)

    @staticmethod
    def format_error(error):
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and (
            original is None or isinstance(original, GraphQLError)
        ):
            return error.formatted
        logger.error("GraphQL request failed", exc_info=original or error)
        formatted = {
            "message": "Internal server error.",
            "extensions": {"code": ApiErrorCode.INTERNAL_ERROR.value},
        }
        if isinstance(error, GraphQLError):
            formatted["locations"] = error.formatted.get("locations")
            formatted["path"] = error.path
        return formatted

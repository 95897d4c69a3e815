"""The GraphQL schema: the public OCOP catalogue and the department's channel report."""

from __future__ import annotations

import datetime as dt

import graphene

from ..channels.participation import DEFAULT_WINDOW_DAYS
from ..channels.report import build_channel_report
from ..models import MIN_CERTIFIED_STARS, Channel
from .auth import REPORT_PERMISSION, require_permission
from .errors import ApiErrorCode, api_error
from .prefetch import district_filter, producer_queryset, product_queryset, search_filter
from .types import (
    ChannelParticipationReport,
    OcopProducer,
    ProducerTypeEnum,
    Product,
    SalesChannel,
    request_today,
)

#: Largest page a client may ask for.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
#: Longest window of the report, in days.
MAX_WINDOW_DAYS = 366


def _page(queryset, first: int, offset: int):
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise api_error(
            ApiErrorCode.INVALID_ARGUMENT,
            f"first must be between 1 and {MAX_PAGE_SIZE}.",
            field="first",
        )
    if offset < 0:
        raise api_error(
            ApiErrorCode.INVALID_ARGUMENT, "offset must not be negative.", field="offset"
        )
    return queryset[offset : offset + first]


#: Ids are database keys (bigint); anything else matches nothing.
_MAX_PK = 2**63 - 1


def _pk(value: str | int) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= _MAX_PK else None


def _stars(value: int | None, name: str) -> None:
    if value is not None and not MIN_CERTIFIED_STARS <= value <= 5:
        raise api_error(
            ApiErrorCode.INVALID_ARGUMENT,
            f"{name} must be between {MIN_CERTIFIED_STARS} and 5: lower ranks are not certified.",
            field=name,
        )


class Query(graphene.ObjectType):
    products = graphene.List(
        graphene.NonNull(Product),
        required=True,
        description="Public OCOP products, by name. Star filters count only certificates that "
        "make a product OCOP-certified today.",
        stars=graphene.Int(description="Exactly this many stars (3–5)."),
        min_stars=graphene.Int(description="At least this many stars (3–5)."),
        group=graphene.Int(description="Product group code (1–6)."),
        district=graphene.String(
            description="Producer's 2024 district: code, or name with or without diacritics."
        ),
        search=graphene.String(
            description="Words in the product's or producer's name; diacritics are ignored."
        ),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE),
        offset=graphene.Int(default_value=0),
    )
    product = graphene.Field(Product, id=graphene.ID(required=True))
    producers = graphene.List(
        graphene.NonNull(OcopProducer),
        required=True,
        description="Producers with at least one public product, by name.",
        district=graphene.String(),
        type=graphene.Argument(ProducerTypeEnum),
        first=graphene.Int(default_value=DEFAULT_PAGE_SIZE),
        offset=graphene.Int(default_value=0),
    )
    producer = graphene.Field(OcopProducer, id=graphene.ID(required=True))
    channels = graphene.List(graphene.NonNull(SalesChannel), required=True)
    channel_participation_report = graphene.Field(
        ChannelParticipationReport,
        description="Needs the permission ocop.view_channel_report (session or bearer token).",
        as_of=graphene.Date(description="Day of the report; today by default."),
        window_days=graphene.Int(default_value=DEFAULT_WINDOW_DAYS),
        district_code=graphene.String(description="Narrow to one 2024 district, by code."),
        group=graphene.Int(description="Narrow to one product group (1–6)."),
        producer_type=graphene.Argument(ProducerTypeEnum),
    )

    @staticmethod
    def resolve_products(
        root,
        info,
        stars=None,
        min_stars=None,
        group=None,
        district=None,
        search=None,
        first=DEFAULT_PAGE_SIZE,
        offset=0,
    ):
        _stars(stars, "stars")
        _stars(min_stars, "minStars")
        products = product_queryset(request_today(info), info.field_nodes, info.fragments)
        if stars is not None:
            products = products.filter(certified_stars=stars)
        if min_stars is not None:
            products = products.filter(certified_stars__gte=min_stars)
        if group is not None:
            products = products.filter(group__code=group)
        if district:
            products = products.filter(district_filter(district, prefix="producer__"))
        if search and (condition := search_filter(search)) is not None:
            products = products.filter(condition)
        return _page(products, first, offset)

    @staticmethod
    def resolve_product(root, info, id):
        products = product_queryset(request_today(info), info.field_nodes, info.fragments)
        pk = _pk(id)
        return products.filter(pk=pk).first() if pk is not None else None

    @staticmethod
    def resolve_producers(root, info, district=None, type=None, first=DEFAULT_PAGE_SIZE, offset=0):
        producers = producer_queryset(request_today(info), info.field_nodes, info.fragments)
        if district:
            producers = producers.filter(district_filter(district))
        if type is not None:
            producers = producers.filter(type=getattr(type, "value", type))
        return _page(producers, first, offset)

    @staticmethod
    def resolve_producer(root, info, id):
        producers = producer_queryset(request_today(info), info.field_nodes, info.fragments)
        pk = _pk(id)
        return producers.filter(pk=pk).first() if pk is not None else None

    @staticmethod
    def resolve_channels(root, info):
        return Channel.objects.order_by("name")

    @staticmethod
    def resolve_channel_participation_report(
        root,
        info,
        as_of: dt.date | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
        district_code: str | None = None,
        group: int | None = None,
        producer_type=None,
    ):
        require_permission(info.context, REPORT_PERMISSION)
        if not 1 <= window_days <= MAX_WINDOW_DAYS:
            raise api_error(
                ApiErrorCode.INVALID_ARGUMENT,
                f"windowDays must be between 1 and {MAX_WINDOW_DAYS}.",
                field="windowDays",
            )
        try:
            return build_channel_report(
                as_of or request_today(info),
                window_days,
                district_code=(district_code or "").strip(),
                group_code=group,
                producer_type=getattr(producer_type, "value", producer_type) or "",
            )
        except ValueError as exc:
            # The report validates its filters (an unknown group code, …).
            raise api_error(ApiErrorCode.INVALID_ARGUMENT, str(exc)) from exc


schema = graphene.Schema(query=Query)

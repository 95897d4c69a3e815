"""GraphQL types of the catalogue (products, producers, certificates, channels) and the report.

Catalogue types resolve from model instances loaded by ``prefetch``: nested lists read the
prefetch cache and never query. Report types resolve from the dict that
``build_channel_report`` returns, with its snake_case keys exposed in camelCase.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import graphene
from django.http import HttpRequest
from graphene.types.generic import GenericScalar
from graphql import GraphQLResolveInfo

from ..models import (
    Certificate,
    CertificateStatus,
    ChannelKind,
    IssuingLevel,
    OcopProduct,
    Producer,
    ProducerType,
    local_today,
)

_TODAY_ATTRIBUTE = "_ocop_graphql_today"


def request_today(info: GraphQLResolveInfo) -> dt.date:
    """The day certificate states are judged on, fixed once per request so every field agrees
    even across midnight."""
    context = info.context
    today = getattr(context, _TODAY_ATTRIBUTE, None)
    if today is None:
        today = local_today()
        if isinstance(context, HttpRequest):
            setattr(context, _TODAY_ATTRIBUTE, today)
    return today


def _enum(name: str, choices: type, description: str) -> type[graphene.Enum]:
    return graphene.Enum(name, [(m.name, m.value) for m in choices], description=description)


ProducerTypeEnum = _enum("ProducerType", ProducerType, "Kind of OCOP subject (loại hình chủ thể).")
IssuingLevelEnum = _enum("IssuingLevel", IssuingLevel, "Level that issued the decision.")
CertificateStatusEnum = _enum(
    "CertificateStatus", CertificateStatus, "State of a certificate on the day of the request."
)
ChannelKindEnum = _enum("ChannelKind", ChannelKind, "Kind of sales channel (kênh bán hàng).")


class ProductGroup(graphene.ObjectType):
    """One of the six OCOP product groups (nhóm sản phẩm, Decision 148/QĐ-TTg)."""

    code = graphene.Int(required=True)
    slug = graphene.String(required=True)
    name = graphene.String(required=True, description="Vietnamese name.")
    name_en = graphene.String(required=True)
    is_service = graphene.Boolean(required=True)

    @staticmethod
    def resolve_name(group, info):
        return group.name_vi


class OcopCertificate(graphene.ObjectType):
    """A recognition decision (quyết định công nhận) ranking a product with stars."""

    class Meta:
        name = "Certificate"

    stars = graphene.Int(required=True)
    score = graphene.Int()
    decision_number = graphene.String(required=True)
    decision_date = graphene.Date(required=True)
    decision_date_is_year_only = graphene.Boolean(
        required=True, description="The list gave only the year; the date is 1 January."
    )
    issuing_level = graphene.Field(IssuingLevelEnum, required=True)
    valid_until = graphene.Date(required=True)
    revoked_on = graphene.Date()
    status = graphene.Field(CertificateStatusEnum, required=True)
    certified = graphene.Boolean(
        required=True, description="Whether this certificate makes its product certified today."
    )

    @staticmethod
    def resolve_status(certificate: Certificate, info):
        return CertificateStatus(certificate.status(request_today(info))).value

    @staticmethod
    def resolve_certified(certificate: Certificate, info):
        return certificate.is_certified(request_today(info))


class Product(graphene.ObjectType):
    """An OCOP product (sản phẩm OCOP) on sale in the marketplace."""

    id = graphene.ID(required=True, description="The OCOP product's id.")
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    url = graphene.String(required=True, description="Path of the product page.")
    description = graphene.String(required=True)
    group = graphene.Field(ProductGroup, required=True)
    producer = graphene.Field(lambda: OcopProducer, required=True)
    current_stars = graphene.Int(
        description="Stars of the certificate that makes the product OCOP-certified today; "
        "null when none does (expired, revoked, or a 1–2 star legacy rank)."
    )
    certified = graphene.Boolean(required=True)
    certificate = graphene.Field(
        OcopCertificate, description="The latest decision on the product, whatever its state."
    )
    certificates = graphene.List(
        graphene.NonNull(OcopCertificate),
        required=True,
        description="Every decision on the product, oldest first.",
    )
    price = graphene.Int(description="Price in VND, when the product has a stock record.")

    @staticmethod
    def resolve_slug(product: OcopProduct, info):
        return product.product.slug

    @staticmethod
    def resolve_url(product: OcopProduct, info):
        return product.product.get_absolute_url()

    @staticmethod
    def resolve_description(product: OcopProduct, info):
        return product.product.description

    @staticmethod
    def resolve_current_stars(product: OcopProduct, info):
        return product.certified_stars

    @staticmethod
    def resolve_certified(product: OcopProduct, info):
        return product.certified_stars is not None

    @staticmethod
    def resolve_certificate(product: OcopProduct, info):
        return product.current_certificate

    @staticmethod
    def resolve_certificates(product: OcopProduct, info):
        return product.certificates.all()

    @staticmethod
    def resolve_price(product: OcopProduct, info):
        records = list(product.product.stockrecords.all())
        # The producer's own stock record first: it is the one the certificate list priced.
        own = [r for r in records if r.partner_id == product.producer.partner_id]
        record = next((r for r in own + records if r.price is not None), None)
        return int(record.price) if record else None


class OcopProducer(graphene.ObjectType):
    """An OCOP subject (chủ thể OCOP): a cooperative, enterprise or household business."""

    class Meta:
        name = "Producer"

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    type = graphene.Field(ProducerTypeEnum, required=True)
    province = graphene.String(required=True, description="Province since the 2025 reform.")
    district = graphene.String(
        required=True,
        description="District (2024) as on the certificate; no district exists "
        "since the 2025 reform.",
    )
    commune = graphene.String(required=True, description="Commune or ward since the 2025 reform.")
    legacy_commune = graphene.String(required=True, description="Commune (2024).")
    craft_village = graphene.String(required=True, description="Craft village (làng nghề).")
    products = graphene.List(
        graphene.NonNull(Product), required=True, description="The producer's public products."
    )

    @staticmethod
    def resolve_district(producer: Producer, info):
        return producer.legacy_district

    @staticmethod
    def resolve_products(producer: Producer, info):
        return producer.products.all()


class SalesChannel(graphene.ObjectType):
    """A sales channel (kênh bán hàng): platform, chain, showroom, this marketplace, market."""

    class Meta:
        name = "Channel"

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    kind = graphene.Field(ChannelKindEnum, required=True)
    is_modern = graphene.Boolean(required=True)
    website = graphene.String(required=True)


# The department report ----------------------------------------------------------------------


def as_date(value: object) -> dt.date | None:
    """A date from a report value: a date already, or ISO text as JSON snapshots store it."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def jsonable(value: object) -> object:
    """``value`` with dates as ISO text and decimals as numbers, for ``GenericScalar`` fields
    (the response is encoded with the plain JSON encoder)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _get(source: dict, name: str) -> object:
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)


def _date_resolver(name: str):
    def resolve(source, info):
        return as_date(_get(source, name))

    return resolve


def _text_resolver(name: str):
    def resolve(source, info):
        value = _get(source, name)
        if value is None:
            return None
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return resolve


class ReportBreakdownRow(graphene.ObjectType):
    """Producers counted and active in modern channels within one district, group, …"""

    key = graphene.String(
        resolver=_text_resolver("key"),
        description="District or commune code, group code, producer type or stars; null for "
        "producers whose unit is unknown.",
    )
    name = graphene.String()
    province = graphene.String(description="Province of a district or commune row.")
    total = graphene.Int(required=True)
    active = graphene.Int(required=True)
    share = graphene.Float(required=True, description="Active share, 0–1.")


class ReportTrendPoint(graphene.ObjectType):
    """The headline figure at the end of one month."""

    month = graphene.String(required=True, resolver=_text_resolver("month"))
    as_of = graphene.Date(resolver=_date_resolver("as_of"))
    total = graphene.Int(required=True)
    active = graphene.Int(required=True)
    share = graphene.Float(required=True)
    snapshot = graphene.Boolean(
        description="Whether the figure comes from the month's frozen snapshot.",
        resolver=lambda source, info: bool(_get(source, "snapshot")),
    )


class ReportProductStars(graphene.ObjectType):
    name = graphene.String(required=True)
    stars = graphene.Int()
    valid_until = graphene.Date(resolver=_date_resolver("valid_until"))


class ReportPresence(graphene.ObjectType):
    """A producer's presence on a modern channel that does not (yet) make it active."""

    channel = graphene.String(required=True)
    verification = graphene.String(required=True, description="pending, verified or rejected.")
    last_activity = graphene.Date(resolver=_date_resolver("last_activity"))


class ReportProducer(graphene.ObjectType):
    """A counted producer not active in modern channels, with what it takes to contact it."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    type = graphene.Field(ProducerTypeEnum)
    type_name = graphene.String()
    address = graphene.String()
    district_code = graphene.String()
    district = graphene.String()
    commune_code = graphene.String()
    commune = graphene.String()
    phone = graphene.String()
    email = graphene.String()
    products = graphene.List(graphene.NonNull(ReportProductStars), required=True)
    channels = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Modern channels named."
    )
    presences = graphene.List(
        graphene.NonNull(ReportPresence),
        required=True,
        resolver=lambda source, info: _get(source, "presences") or [],
    )


class ReportExpiringCertificate(graphene.ObjectType):
    """A valid 3★+ certificate ending within 90 days of the report's day."""

    certificate_id = graphene.ID()
    product_id = graphene.ID()
    product = graphene.String(required=True)
    producer_id = graphene.ID()
    producer = graphene.String(required=True)
    phone = graphene.String()
    district = graphene.String()
    stars = graphene.Int()
    decision_number = graphene.String()
    decision_date = graphene.Date(resolver=_date_resolver("decision_date"))
    valid_until = graphene.Date(resolver=_date_resolver("valid_until"))
    days_left = graphene.Int()


def _rows(of_type: type[graphene.ObjectType]) -> graphene.List:
    return graphene.List(graphene.NonNull(of_type), required=True)


class ChannelParticipationReport(graphene.ObjectType):
    """Participation of OCOP producers in modern sales channels (tham gia kênh bán hàng hiện
    đại), as ``plugins.ocop.channels.report.build_channel_report`` computes it."""

    as_of = graphene.Date(required=True, resolver=_date_resolver("as_of"))
    window_days = graphene.Int(required=True)
    window_start = graphene.Date(
        resolver=_date_resolver("window_start"), description="First day of the activity window."
    )
    filters = GenericScalar(
        description="The filters the report is narrowed to (empty: the whole province).",
        resolver=lambda source, info: jsonable(_get(source, "filters") or {}),
    )
    producers_total = graphene.Int(required=True)
    producers_active_modern = graphene.Int(required=True)
    share_active_modern = graphene.Float(required=True, description="0–1.")
    target_share = graphene.Float(required=True)
    meets_target = graphene.Boolean(required=True)
    by_district = _rows(ReportBreakdownRow)
    by_commune = _rows(ReportBreakdownRow)
    by_group = _rows(ReportBreakdownRow)
    by_producer_type = _rows(ReportBreakdownRow)
    by_stars = _rows(ReportBreakdownRow)
    trend = _rows(ReportTrendPoint)
    not_active = _rows(ReportProducer)
    expiring_certificates = _rows(ReportExpiringCertificate)
    targets = GenericScalar(
        description="Plan targets by name: {value, target_min, target_max, target, met}.",
        resolver=lambda source, info: jsonable(_get(source, "targets") or {}),
    )
    sales = GenericScalar(
        description="Orders and revenue per month by channel, group, district, commune, stars "
        "and producer, with the top products and producers (revenue in whole VND).",
        resolver=lambda source, info: jsonable(_get(source, "sales") or {}),
    )

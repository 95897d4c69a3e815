"""The storefront catalogue: which products a shopper sees, in what order, at a fixed cost.

One listing serves the catalogue (``/catalogue/``), the category pages and search
(``/search/?q=``): the same filters, the same sorting, the same product cards. A page costs a
fixed number of SQL queries whatever its size and whatever the size of the catalogue, and most
requests cost almost none:

* the *catalogue version* is read first (one cheap query). It changes when an import runs and
  when products, prices, certificates or producers change;
* the ordered ids and the total of a filtered listing, and the filter choices, are cached under
  a key holding today's date and that version;
* the page's cards are loaded (one query with their producer, group and current certificate,
  "certified today" computed in SQL, plus one each for stock records and images) only when the
  rendered listing is not cached under the same key (``ocop/catalogue.html``).

So a cached listing never outlives the day or the data it was built from: a star badge is
never stale. "Certified today" is ``Certificate.objects.certified_on(today)`` applied to a
product's current certificate (its latest decision): 3 stars or more, decided, not expired,
revoked or superseded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from oscar.apps.catalogue.models import Option, Product, ProductCategory
from oscar.apps.partner.models import StockRecord

from ..models import (
    MIN_CERTIFIED_STARS,
    Certificate,
    CertificateStatus,
    ImportRun,
    OcopProduct,
    Producer,
    ProductGroup,
)
from ..text import key

PER_PAGE_CHOICES = (12, 24, 48)
DEFAULT_PER_PAGE = PER_PAGE_CHOICES[0]
SORT_STARS = "stars"
SORT_PRICE_ASC = "price"
SORT_PRICE_DESC = "-price"
SORT_NEWEST = "newest"
SORT_RELEVANCE = "relevance"

_CACHE_PREFIX = "ocop:storefront"


# Certified today, in SQL --------------------------------------------------------------------


def certified_q(today: dt.date, prefix: str = "current_certificate__") -> Q:
    """Products whose current certificate makes them OCOP-certified on ``today``: the rule of
    ``CertificateQuerySet.certified_on`` written on the current certificate's columns."""
    return Q(
        **{
            f"{prefix}stars__gte": MIN_CERTIFIED_STARS,
            f"{prefix}decision_date__lte": today,
            f"{prefix}valid_until__gte": today,
            f"{prefix}revoked_on__isnull": True,
        }
    ) & (Q(**{f"{prefix}superseded_on__isnull": True}) | Q(**{f"{prefix}superseded_on__gt": today}))


def certified_stars(today: dt.date, prefix: str = "current_certificate__") -> Case:
    """The stars a product is certified with on ``today`` (null when it is not certified)."""
    return Case(
        When(certified_q(today, prefix), then=F(f"{prefix}stars")),
        default=None,
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Certification:
    """What a shopper is told about a product's OCOP rank today.

    ``stars`` is set only while the product is certified (3–5 stars, in force): that is when the
    star badge shows. ``expired`` is true when the latest 3★+ certificate has run out: the
    product stays listed and buyable, without badge, with a "certificate expired" notice.
    1–2-star legacy ranks show neither."""

    stars: int | None
    expired: bool
    certificate: Certificate | None
    #: The current certificate's ``CertificateStatus`` today (None without a certificate).
    status: str | None

    @classmethod
    def of(cls, ocop: OcopProduct, stars: int | None, today: dt.date) -> Certification:
        """``stars`` is the SQL ``certified_stars`` annotation loaded with ``ocop``."""
        certificate = ocop.current_certificate
        status = certificate.status(today) if certificate is not None else None
        expired = bool(
            stars is None
            and certificate is not None
            and not certificate.is_legacy_rank
            and status == CertificateStatus.EXPIRED
        )
        return cls(stars=stars, expired=expired, certificate=certificate, status=status)

    @property
    def status_label(self) -> str:
        return str(CertificateStatus(self.status).label) if self.status else ""


# Filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueFilters:
    """The filters of a listing, as parsed from the request (all optional, all combined)."""

    stars: int | None = None
    group: int | None = None
    province: str = ""
    commune: str = ""
    district: str = ""
    producer: int | None = None
    village: str = ""
    #: Oscar category ids (a category page: the category and its descendants).
    categories: tuple[int, ...] = ()
    q: str = ""

    @property
    def search_terms(self) -> list[str]:
        """Every folded term must be contained in a product's ``search_key``."""
        return key(self.q).split()


def storefront_products() -> QuerySet[OcopProduct]:
    """OCOP products a shopper may see: their Oscar product is public."""
    return OcopProduct.objects.filter(product__is_public=True)


def filter_products(
    products: QuerySet[OcopProduct], filters: CatalogueFilters, today: dt.date
) -> QuerySet[OcopProduct]:
    """``products`` narrowed by every filter that is set."""
    if filters.stars is not None:
        products = products.filter(
            certified_q(today), current_certificate__stars__gte=filters.stars
        )
    if filters.group is not None:
        products = products.filter(group__code=filters.group)
    if filters.province:
        products = products.filter(producer__province_code=filters.province)
    if filters.commune:
        products = products.filter(producer__commune_code=filters.commune)
    if filters.district:
        products = products.filter(producer__legacy_district_code=filters.district)
    if filters.producer is not None:
        products = products.filter(producer_id=filters.producer)
    if filters.village:
        products = products.filter(producer__craft_village=filters.village)
    if filters.categories:
        products = products.filter(
            Exists(
                ProductCategory.objects.filter(
                    product_id=OuterRef("product_id"), category_id__in=filters.categories
                )
            )
        )
    for term in filters.search_terms:
        products = products.filter(search_key__contains=term)
    return products


def order_products(
    products: QuerySet[OcopProduct], sort: str, filters: CatalogueFilters, today: dt.date
) -> QuerySet[OcopProduct]:
    """``products`` in the order ``sort`` asks for; ties are broken by the name
    without diacritics (``match_key``), then id.

    Relevance (the default of a search) ranks an exact product-name match first, then names
    starting with the query, then names containing it, then matches on the producer or the
    place only; certified stars order each rank."""
    stars_first = F("certified_stars").desc(nulls_last=True)
    products = products.annotate(certified_stars=certified_stars(today))
    folded = key(filters.q)
    if sort == SORT_RELEVANCE and folded:
        products = products.annotate(
            search_rank=Case(
                When(match_key=folded, then=Value(0)),
                When(match_key__startswith=folded, then=Value(1)),
                When(match_key__contains=folded, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        return products.order_by("search_rank", stars_first, "match_key", "pk")
    if sort in (SORT_PRICE_ASC, SORT_PRICE_DESC):
        # The price Oscar's default strategy sells at: the first stock record's.
        products = products.annotate(
            price=Subquery(
                StockRecord.objects.filter(product_id=OuterRef("product_id"))
                .order_by("pk")
                .values("price")[:1]
            )
        )
        price = F("price").asc(nulls_last=True)
        if sort == SORT_PRICE_DESC:
            price = F("price").desc(nulls_last=True)
        return products.order_by(price, "match_key", "pk")
    if sort == SORT_NEWEST:
        return products.order_by("-product__date_created", "-pk")
    return products.order_by(stars_first, "match_key", "pk")


# The catalogue version and the listing cache -------------------------------------------------


def catalogue_version() -> str:
    """A fingerprint of what listings depend on, read with one query.

    It changes when an import runs (every run is an ``ImportRun`` row, finished or not) and when
    products, prices, certificates or producers are created, deleted or saved, by the importer,
    the dashboard or the admin. Cached listings are keyed by it, so they are never served
    across a change."""
    parts = [
        (ImportRun, "MAX", "id"),
        (ImportRun, "MAX", "finished_at"),
        (OcopProduct, "COUNT", "id"),
        (OcopProduct, "MAX", "id"),
        (Product, "MAX", "date_updated"),
        (StockRecord, "COUNT", "id"),
        (StockRecord, "MAX", "date_updated"),
        (Certificate, "COUNT", "id"),
        (Certificate, "MAX", "updated_at"),
        (Producer, "MAX", "updated_at"),
    ]
    quote = connection.ops.quote_name
    selects = ", ".join(
        f"(SELECT {function}({quote(model._meta.get_field(name).column)}) "
        f"FROM {quote(model._meta.db_table)})"
        for model, function, name in parts
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        row = cursor.fetchone()
    return hashlib.sha1(repr(row).encode()).hexdigest()[:16]


def cache_seconds() -> int:
    """How long a cached listing may live (``OCOP_STOREFRONT_CACHE_SECONDS``; 0 disables)."""
    return int(getattr(settings, "OCOP_STOREFRONT_CACHE_SECONDS", 600))


def cache_key(kind: str, version: str, today: dt.date, params: dict[str, object]) -> str:
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    return f"{_CACHE_PREFIX}:{kind}:{version}:{today.isoformat()}:{digest}"


def cached(cache_key_: str, compute):
    """``compute()``, cached under ``cache_key_`` for ``cache_seconds()``."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    value = cache.get(cache_key_)
    if value is None:
        value = compute()
        cache.set(cache_key_, value, seconds)
    return value


# A page of product cards --------------------------------------------------------------------


@dataclass
class ProductCard:
    """What a product card shows: the product, its producer and place, its certification."""

    ocop: OcopProduct
    certification: Certification

    @property
    def product(self):
        return self.ocop.product

    @property
    def producer(self) -> Producer:
        return self.ocop.producer

    @property
    def place(self) -> str:
        return producer_place(self.ocop.producer)

    @property
    def is_service(self) -> bool:
        return self.ocop.group.is_service


def producer_place(producer: Producer) -> str:
    """The producer's place as shoppers read it today: "Xã Nam Lý, Ninh Bình" (the current
    commune and province, else the 2024 ones)."""
    current = [p for p in (producer.commune, producer.province) if p]
    if current:
        return ", ".join(current)
    return ", ".join(
        p
        for p in (producer.legacy_commune, producer.legacy_district, producer.legacy_province)
        if p
    )


def card_products(ids: Sequence[int], today: dt.date) -> list[ProductCard]:
    """Cards for the OCOP products ``ids``, in that order, loaded with three queries."""
    by_id = {card.ocop.pk: card for card in _cards(Q(pk__in=ids), today)}
    return [by_id[pk] for pk in ids if pk in by_id]


def cards_for_oscar_products(product_ids: Sequence[int], today: dt.date) -> dict[int, ProductCard]:
    """Cards of the Oscar products ``product_ids`` that are OCOP products, by Oscar product id
    (for Oscar's own listings: recommendations, recently viewed), with three queries."""
    return {card.ocop.product_id: card for card in _cards(Q(product_id__in=product_ids), today)}


def _cards(which: Q, today: dt.date) -> list[ProductCard]:
    products = (
        OcopProduct.objects.filter(which)
        .select_related("product__product_class", "producer", "group", "current_certificate")
        .annotate(
            certified_stars=certified_stars(today),
            # Oscar's own annotations (ProductQuerySet.base_queryset): they spare
            # ``Product.has_options`` a query per card.
            has_product_class_options=Exists(
                Option.objects.filter(productclass=OuterRef("product__product_class"))
            ),
            has_product_options=Exists(Option.objects.filter(product=OuterRef("product_id"))),
        )
        .prefetch_related("product__stockrecords", "product__images")
    )
    cards = []
    for ocop in products:
        ocop.product.has_product_class_options = ocop.has_product_class_options
        ocop.product.has_product_options = ocop.has_product_options
        cards.append(ProductCard(ocop, Certification.of(ocop, ocop.certified_stars, today)))
    return cards


class Listing:
    """One page of a listing: its ids (from the listing cache), Django's ``Page`` for the
    pagination links, and the cards, loaded only when something reads them (a page whose
    rendered listing is still cached never loads them)."""

    def __init__(self, ids: tuple[int, ...], page: Page, today: dt.date):
        self.ids = ids
        self.page = page
        self.today = today

    @cached_property
    def cards(self) -> list[ProductCard]:
        return card_products(self.ids, self.today)

    @property
    def paginator(self) -> Paginator:
        return self.page.paginator

    @property
    def count(self) -> int:
        return self.page.paginator.count


@dataclass(frozen=True)
class _PageIds:
    count: int
    number: int
    ids: tuple[int, ...]


def listing(
    filters: CatalogueFilters,
    *,
    sort: str,
    page: object,
    per_page: int,
    today: dt.date,
    version: str,
) -> Listing:
    """The page ``page`` (any value; invalid ones fall back as ``Paginator.get_page`` does)
    of the products matching ``filters`` in ``sort`` order."""

    def compute() -> _PageIds:
        products = order_products(
            filter_products(storefront_products(), filters, today), sort, filters, today
        )
        total = products.count()
        found = Paginator(range(total), per_page).get_page(page)
        start = (found.number - 1) * per_page
        ids = tuple(products.values_list("pk", flat=True)[start : start + per_page])
        return _PageIds(total, found.number, ids)

    params = {"filters": asdict(filters), "sort": sort, "page": str(page), "per_page": per_page}
    result = cached(cache_key("listing", version, today, params), compute)
    found = Paginator(range(result.count), per_page).page(result.number)
    return Listing(result.ids, found, today)


# Filter choices from the data ---------------------------------------------------------------

#: Above this many producers in the chosen place the producer filter asks for a place first.
PRODUCER_CHOICES_LIMIT = 150


@dataclass(frozen=True)
class FilterChoices:
    """The values the filters offer, read from the data (distinct values of public products).

    Communes are those of the chosen province (all when none is chosen); producers are those
    of the chosen place and craft village, up to ``PRODUCER_CHOICES_LIMIT``."""

    #: (code, slug, Vietnamese name, English name)
    groups: tuple[tuple[int, str, str, str], ...]
    provinces: tuple[tuple[str, str], ...]
    communes: tuple[tuple[str, str], ...]
    #: (code, "Huyện Lý Nhân (Hà Nam)")
    districts: tuple[tuple[str, str], ...]
    villages: tuple[str, ...]
    producers: tuple[tuple[int, str], ...]
    producers_truncated: bool


def filter_choices(
    *, province: str, commune: str, district: str, village: str, version: str, today: dt.date
) -> FilterChoices:
    """The filter choices for the place chosen so far (cached with the listings), from two
    queries: the groups with public products, and the producers with public products."""

    def compute() -> FilterChoices:
        groups = (
            ProductGroup.objects.filter(
                Exists(OcopProduct.objects.filter(group=OuterRef("pk"), product__is_public=True))
            )
            .order_by("code")
            .values_list("code", "slug", "name_vi", "name_en")
        )
        producers = [
            _ProducerRow(*row)
            for row in Producer.objects.filter(
                Exists(OcopProduct.objects.filter(producer=OuterRef("pk"), product__is_public=True))
            )
            .order_by("match_key", "pk")
            .values_list(*_ProducerRow._fields)
        ]
        in_province = [p for p in producers if not province or p.province_code == province]
        in_place = [
            p
            for p in in_province
            if (not commune or p.commune_code == commune)
            and (not district or p.legacy_district_code == district)
            and (not village or p.craft_village == village)
        ]
        return FilterChoices(
            groups=tuple(groups),
            provinces=_by_name((p.province_code, p.province) for p in producers),
            communes=_by_name((p.commune_code, p.commune) for p in in_province),
            districts=_by_name(
                (
                    p.legacy_district_code,
                    f"{p.legacy_district} ({p.legacy_province})"
                    if p.legacy_province
                    else p.legacy_district,
                )
                for p in producers
            ),
            villages=tuple(
                v for v, _name in _by_name((p.craft_village, p.craft_village) for p in producers)
            ),
            producers=tuple((p.pk, p.name) for p in in_place[:PRODUCER_CHOICES_LIMIT]),
            producers_truncated=len(in_place) > PRODUCER_CHOICES_LIMIT,
        )

    params = {"province": province, "commune": commune, "district": district, "village": village}
    return cached(cache_key("choices", version, today, params), compute)


class _ProducerRow(NamedTuple):
    pk: int
    name: str
    province_code: str
    province: str
    commune_code: str
    commune: str
    legacy_district_code: str
    legacy_district: str
    legacy_province: str
    craft_village: str


def _by_name(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Distinct non-empty (value, label) pairs, one label per value, sorted by the label
    without diacritics."""
    labels: dict[str, str] = {}
    for value, label in pairs:
        if value:
            labels.setdefault(value, label)
    return tuple(sorted(labels.items(), key=lambda item: key(item[1])))


def producer_name(producer_id: int) -> str:
    """The name of a producer chosen by id (for a filter outside the offered choices)."""
    return Producer.objects.filter(pk=producer_id).values_list("name", flat=True).first() or ""

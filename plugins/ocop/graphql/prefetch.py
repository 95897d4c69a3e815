"""Querysets for the catalogue, with their joins and prefetches decided up-front.

Root resolvers look at the fields a query selects and build one queryset that loads every
nested list (a product's certificates and price, a producer's products, a product's producer
and that producer's products …) with one query per relation. A page therefore costs the same
number of queries for 3 items as for 300; ``tests/test_graphql.py`` pins that.

Selections are followed through aliases, fragments and inline fragments. ``@skip``/``@include``
are ignored: a relation is loaded whenever a query names it, which can only cost a query, never
add one per item.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from oscar.apps.partner.models import StockRecord

from ..models import Certificate, OcopProduct, Producer
from ..text import key

#: Words that name the kind of a district ("Huyện Lý Nhân", "TP. Phủ Lý"), folded.
_DISTRICT_KIND_WORDS = ("huyen ", "quan ", "thi xa ", "thanh pho ", "tp ")

Fragments = dict[str, FragmentDefinitionNode]


def selections(nodes: Iterable[FieldNode], fragments: Fragments) -> dict[str, list[FieldNode]]:
    """The fields selected under ``nodes``, by field name (aliases merged)."""
    found: dict[str, list[FieldNode]] = defaultdict(list)

    def walk(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found[selection.name.value].append(selection)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                walk(fragment.selection_set if fragment else None)

    for node in nodes:
        walk(node.selection_set)
    return found


def certified_stars(today: dt.date) -> Subquery:
    """The stars of the certificate that makes a product OCOP-certified on ``today`` (null
    when none does): the same rule as the report's population, ``certified_on``."""
    return Subquery(
        Certificate.objects.certified_on(today)
        .filter(product=OuterRef("pk"))
        .order_by("-decision_date", "-pk")
        .values("stars")[:1]
    )


def public_products(today: dt.date) -> QuerySet[OcopProduct]:
    """OCOP products whose Oscar product is public, annotated with ``certified_stars``."""
    return (
        OcopProduct.objects.filter(product__is_public=True)
        .select_related("product", "group", "producer", "current_certificate")
        .annotate(certified_stars=certified_stars(today))
        .order_by("name", "pk")
    )


def product_queryset(
    today: dt.date, nodes: Iterable[FieldNode], fragments: Fragments
) -> QuerySet[OcopProduct]:
    """Public products with what the ``Product`` selection under ``nodes`` needs loaded."""
    fields = selections(nodes, fragments)
    lookups: list[Prefetch] = []
    if "certificates" in fields:
        lookups.append(
            Prefetch("certificates", queryset=Certificate.objects.order_by("decision_date", "pk"))
        )
    if "price" in fields:
        lookups.append(
            Prefetch("product__stockrecords", queryset=StockRecord.objects.order_by("pk"))
        )
    if "producer" in fields:
        producer_fields = selections(fields["producer"], fragments)
        if "products" in producer_fields:
            lookups.append(
                Prefetch(
                    "producer__products",
                    queryset=product_queryset(today, producer_fields["products"], fragments),
                )
            )
    return public_products(today).prefetch_related(*lookups)


def producer_queryset(
    today: dt.date, nodes: Iterable[FieldNode], fragments: Fragments
) -> QuerySet[Producer]:
    """Producers with at least one public product, with what the ``Producer`` selection under
    ``nodes`` needs loaded."""
    fields = selections(nodes, fragments)
    producers = Producer.objects.filter(
        Exists(OcopProduct.objects.filter(producer=OuterRef("pk"), product__is_public=True))
    ).order_by("name", "pk")
    if "products" in fields:
        producers = producers.prefetch_related(
            Prefetch("products", queryset=product_queryset(today, fields["products"], fragments))
        )
    return producers


def _district_key(name: str) -> str:
    folded = key(name)
    for word in _DISTRICT_KIND_WORDS:
        if folded.startswith(word):
            return folded[len(word) :]
    return folded


def district_filter(value: str, prefix: str = "") -> Q:
    """Producers in a (2024) district given by its code ("353") or its name, with or without
    diacritics and the kind word: "Huyện Lý Nhân", "Lý Nhân" and "ly nhan" are the same.

    Names are matched over the distinct district names on record (a few hundred at most), so
    the filter costs one query whatever the number of producers."""
    value = value.strip()
    if value.isdigit():
        return Q(**{f"{prefix}legacy_district_code": value})
    wanted = _district_key(value)
    names = (
        Producer.objects.order_by()
        .exclude(legacy_district="")
        .values_list("legacy_district", flat=True)
        .distinct()
    )
    return Q(**{f"{prefix}legacy_district__in": [n for n in names if _district_key(n) == wanted]})


def search_filter(text: str) -> Q | None:
    """Products whose name or producer's name contains ``text``, ignoring case, diacritics and
    punctuation ("banh da" finds "Bánh đa"), on the stored folded names. None when ``text``
    folds to nothing."""
    folded = key(text)
    if not folded:
        return None
    return Q(match_key__contains=folded) | Q(producer__match_key__contains=folded)

"""Template helpers of the OCOP storefront: star glyphs, places, links that may not exist yet,
and product cards for Oscar's own listings."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from ..models import ProductGroup, local_today
from ..storefront.listing import ProductCard, cards_for_oscar_products, producer_place

register = template.Library()


@register.filter
def star_glyphs(stars) -> str:
    """``4`` -> ``★★★★``."""
    try:
        return "★" * int(stars)
    except (TypeError, ValueError):
        return ""


@register.filter
def place(producer) -> str:
    """The producer's place as shoppers read it ("Xã Nam Lý, Ninh Bình")."""
    return producer_place(producer) if producer else ""


@register.simple_tag
def optional_url(name: str, *args, **kwargs) -> str:
    """``{% url %}`` that gives "" when ``name`` does not resolve, for links to pages that
    another part of the storefront may not provide (yet)."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


@register.simple_tag
def ocop_card(product) -> ProductCard | None:
    """The OCOP card of one Oscar product, for Oscar's listings that render products one by
    one (offers, ranges): the card's three queries per product. Listings of several products
    use ``ocop_cards``."""
    return cards_for_oscar_products([product.pk], local_today()).get(product.pk)


@register.simple_tag
def ocop_cards(products) -> list[tuple[object, ProductCard | None]]:
    """``(product, card)`` for each Oscar product of a list (recommended, recently viewed),
    loaded together: three queries whatever the number of products; ``card`` is None for a
    product outside OCOP."""
    products = list(products)
    if not products:
        return []
    cards = cards_for_oscar_products([p.pk for p in products], local_today())
    return [(product, cards.get(product.pk)) for product in products]


@register.simple_tag
def product_groups() -> list[ProductGroup]:
    """The six product groups, for the storefront navigation."""
    return list(ProductGroup.objects.order_by("code"))

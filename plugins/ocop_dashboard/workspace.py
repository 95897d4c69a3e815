"""Who is a producer user and what the producer workspace shows them.

A **producer user** is a signed-in, non-staff user listed in the ``users`` of a producer's Oscar
partner (``Producer.partner.users``). Staff are never treated as producer users: they see the
whole dashboard. One user belongs to one producer (``invite_producer_user`` refuses a second).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Line, Order
from oscar.apps.partner.models import StockRecord

from plugins.ocop.catalogue import ATTRIBUTE_FIELDS
from plugins.ocop.channels import participation
from plugins.ocop.models import Certificate, OcopProduct, Presence, Producer

_UNSET = object()
#: Orders shown on the producer home.
RECENT_ORDERS = 10


def producer_for(user) -> Producer | None:
    """The producer ``user`` works for, or None (anonymous, staff, or in no producer).

    Kept on the user object for the rest of the request."""
    if not user.is_authenticated or user.is_staff:
        return None
    cached = getattr(user, "_ocop_producer", _UNSET)
    if cached is _UNSET:
        cached = (
            Producer.objects.select_related("partner")
            .filter(partner__users=user)
            .order_by("pk")
            .first()
        )
        user._ocop_producer = cached
    return cached


def is_producer_user(user) -> bool:
    return producer_for(user) is not None


def visible_products_q(user) -> Q:
    """Products a non-staff dashboard user may see and edit.

    An OCOP product belongs to its producer (``OcopProduct.producer``), whatever stock records
    exist; a product outside OCOP follows Oscar's rule (a stock record of one of the user's
    partners, on the product or on one of its variants)."""
    return Q(ocop__producer__partner__users__pk=user.pk) | (
        Q(ocop__isnull=True)
        & (
            Q(children__stockrecords__partner__users__pk=user.pk)
            | Q(stockrecords__partner__users__pk=user.pk)
        )
    )


def is_certification_attribute(code: str) -> bool:
    """Attributes that carry the certificate (stars, score, decision, validity): set by the
    certificate import, never by a producer."""
    return code in ATTRIBUTE_FIELDS or code.startswith("ocop_")


def own_lines(order_or_orders, producer: Producer) -> QuerySet[Line]:
    """The lines of an order (or of several) that the producer sells."""
    lines = Line.objects.filter(partner_id=producer.partner_id)
    if isinstance(order_or_orders, Order):
        return lines.filter(order=order_or_orders)
    return lines.filter(order__in=order_or_orders)


def with_own_totals(orders: QuerySet[Order], producer: Producer) -> QuerySet[Order]:
    """``orders`` annotated with ``own_total`` (incl. tax) and ``own_items`` (quantity) over the
    producer's lines only: an order may also hold other producers' lines."""
    lines = Line.objects.filter(order=OuterRef("pk"), partner_id=producer.partner_id).values(
        "order"
    )
    return orders.annotate(
        own_total=Coalesce(
            Subquery(lines.annotate(s=Sum("line_price_incl_tax")).values("s")[:1]),
            Decimal("0"),
        ),
        own_items=Coalesce(Subquery(lines.annotate(s=Sum("quantity")).values("s")[:1]), 0),
    )


def producer_orders(producer: Producer) -> QuerySet[Order]:
    """Orders holding at least one of the producer's lines, newest first."""
    return Order.objects.filter(
        Exists(Line.objects.filter(order=OuterRef("pk"), partner_id=producer.partner_id))
    ).order_by("-date_placed", "-pk")


@dataclass(frozen=True)
class WorkspaceLink:
    label: str
    url: str


#: Pages other parts of the project add for producers: (label, URL names tried in order).
#: A page whose URL name does not resolve (not installed) is left out of the home page.
OPTIONAL_PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_("My certificates and scans"), ("ocop:my-certificates",)),
    (_("Certification change requests"), ("ocop:my-change-requests",)),
    (_("My payouts"), ("payments:my-payouts",)),
)


def _first_url(names: tuple[str, ...]) -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def workspace_links(producer: Producer) -> list[WorkspaceLink]:
    """Links from the producer home to every page of the workspace that exists."""
    links = [
        WorkspaceLink(_("My products"), reverse("dashboard:catalogue-product-list")),
        WorkspaceLink(_("My orders"), reverse("dashboard:order-list")),
        WorkspaceLink(_("My sales channels"), reverse("ocop:my-presences")),
        WorkspaceLink(_("QR stamps of my products"), reverse("ocop:qr-sheet", args=[producer.pk])),
    ]
    for label, names in OPTIONAL_PAGES:
        url = _first_url(names)
        if url:
            links.append(WorkspaceLink(label, url))
    return links


@dataclass
class ProducerHome:
    """What the dashboard index shows a producer user."""

    producer: Producer
    today: dt.date
    window_days: int
    active_modern: bool
    products: list[OcopProduct]
    orders: list[Order]
    presences: list[Presence]
    links: list[WorkspaceLink] = field(default_factory=list)


def producer_home(producer: Producer, today: dt.date) -> ProducerHome:
    """The producer's products (with its own price and stock), recent orders (its own lines'
    total), channel presences and whether it is active in modern channels today (the one rule,
    ``participation``). A fixed number of queries whatever the data size."""
    certified = Certificate.objects.certified_on(today).filter(pk=OuterRef("current_certificate"))
    products = list(
        OcopProduct.objects.filter(producer=producer)
        .select_related("product", "current_certificate")
        .annotate(certified_today=Exists(certified))
        .prefetch_related(
            Prefetch(
                "product__stockrecords",
                queryset=StockRecord.objects.filter(partner_id=producer.partner_id).order_by("pk"),
                to_attr="own_stockrecords",
            )
        )
        .order_by("name", "pk")
    )
    orders = list(
        with_own_totals(producer_orders(producer), producer).only(
            "pk", "number", "status", "date_placed", "currency"
        )[:RECENT_ORDERS]
    )
    presences = list(
        Presence.objects.filter(producer=producer)
        .select_related("channel")
        .order_by("channel__name", "pk")
    )
    window = participation.DEFAULT_WINDOW_DAYS
    return ProducerHome(
        producer=producer,
        today=today,
        window_days=window,
        active_modern=participation.is_active_modern(producer, today, window),
        products=products,
        orders=orders,
        presences=presences,
        links=workspace_links(producer),
    )

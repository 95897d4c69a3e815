"""Discovery and trust pages of the storefront: the home page, producer pages (trang chủ thể)
and traceability pages (trang truy xuất nguồn gốc) reached by the QR code on a product's stamp,
with the counterfeit report form.

Each page costs a fixed number of queries whatever the data size (tests pin them): product
cards come from the catalogue's ``listing.card_products`` (the same cards, badges and prices as
the catalogue), and what the traceability page says about a certificate is computed from the
loaded certificate history.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from vietnamadminunits import parse_address

from ..models import (
    Certificate,
    CertificateStatus,
    ChannelKind,
    IssuingLevel,
    OcopProduct,
    Presence,
    Producer,
    ProductGroup,
    Verification,
    local_today,
)
from .counterfeit import CounterfeitReportForm, may_report, submit_report
from .listing import Certification, ProductCard, card_products
from .qr import qr_svg, trace_url

#: How many featured products and producers the home page shows.
FEATURED_PRODUCTS = 8
FEATURED_PRODUCERS = 12
#: Stars from which a product is featured on the home page.
FEATURED_MIN_STARS = 4

#: Who issued a decision, in the words a shopper reads on the traceability page.
ISSUING_LEVEL_LABELS = {
    IssuingLevel.DISTRICT: gettext_lazy("District level"),
    IssuingLevel.PROVINCE: gettext_lazy("Province level"),
    IssuingLevel.CENTRAL: gettext_lazy("Central level"),
}


# Certification as a shopper sees it ------------------------------------------------------------


def certification_of(ocop: OcopProduct, today: dt.date) -> Certification:
    """The catalogue's ``Certification`` of a product whose current certificate is loaded,
    with the certified stars decided in Python (the catalogue decides them in SQL)."""
    certificate = ocop.current_certificate
    certified = certificate is not None and certificate.is_certified(today)
    return Certification.of(ocop, certificate.stars if certified else None, today)


def sorted_cards(cards: list[ProductCard]) -> list[ProductCard]:
    """Certified products first, most stars first, then by name."""
    return sorted(cards, key=lambda c: (-(c.certification.stars or 0), c.ocop.name, c.ocop.pk))


def catalogue_url(**filters: object) -> str:
    """The OCOP catalogue filtered by ``filters`` (its GET parameters)."""
    base = reverse("ocop-store:catalogue")
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


# Places and the map -----------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def coordinates(legacy_address: str) -> tuple[float, float] | None:
    """Latitude and longitude of the smallest unit named in a 2024 (legacy) address: the
    commune's centre when it names one. ``vietnamadminunits`` ships the coordinates, so no map
    service is called."""
    if not legacy_address:
        return None
    try:
        unit = parse_address(legacy_address, mode="LEGACY", level=3)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if unit.latitude is None or unit.longitude is None:
        return None
    return float(unit.latitude), float(unit.longitude)


def legacy_place(producer: Producer) -> str:
    """The producer's 2024 commune, district and province (as on its certificates)."""
    return ", ".join(
        p
        for p in (producer.legacy_commune, producer.legacy_district, producer.legacy_province)
        if p
    )


def current_place(producer: Producer) -> str:
    """The producer's commune/ward and province after the 2025 reform (no districts)."""
    return ", ".join(p for p in (producer.commune, producer.province) if p)


def map_url(lat_lon: tuple[float, float] | None) -> str:
    """An OpenStreetMap link centred on the coordinates (a link, no embedded map tiles)."""
    if lat_lon is None:
        return ""
    lat, lon = lat_lon
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=14/{lat:.5f}/{lon:.5f}"
    )


# Home -----------------------------------------------------------------------------------------


class HomeView(TemplateView):
    """The home page: featured 4★ and 5★ products certified today, the six product groups,
    producers with certified products and craft villages (làng nghề)."""

    template_name = "ocop/store/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        certified = Certificate.objects.certified_on(today)
        featured_ids = list(
            OcopProduct.objects.filter(
                product__is_public=True,
                current_certificate__in=certified.filter(stars__gte=FEATURED_MIN_STARS),
            )
            .order_by(
                "-current_certificate__stars", "-current_certificate__decision_date", "name", "id"
            )
            .values_list("pk", flat=True)[:FEATURED_PRODUCTS]
        )
        groups = ProductGroup.objects.annotate(
            product_count=Count("products", filter=Q(products__product__is_public=True))
        ).order_by("code")
        producers = (
            Producer.objects.filter(
                products__current_certificate__in=certified, products__product__is_public=True
            )
            .annotate(
                certified_products=Count("products", distinct=True),
                best_stars=Max("products__current_certificate__stars"),
            )
            .order_by("-best_stars", "-certified_products", "name")[:FEATURED_PRODUCERS]
        )
        villages = (
            Producer.objects.exclude(craft_village="")
            .values("craft_village")
            .annotate(producer_count=Count("id"), district=Max("legacy_district"))
            .order_by("craft_village")
        )
        context.update(
            today=today,
            featured=card_products(featured_ids, today),
            groups=[(g, catalogue_url(group=g.slug)) for g in groups],
            producers=list(producers),
            villages=[{**v, "url": catalogue_url(village=v["craft_village"])} for v in villages],
            catalogue_url=catalogue_url(),
            certified_url=catalogue_url(stars=FEATURED_MIN_STARS),
        )
        return context


# Producer -------------------------------------------------------------------------------------


class ProducerView(TemplateView):
    """A producer's page: its story (composed from what it makes), type, place then and now
    with a map link, all its products with badges, and the other channels where it sells
    (verified presences only: an unverified declaration is not shown to shoppers)."""

    template_name = "ocop/store/producer.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        producer = get_object_or_404(Producer, pk=kwargs["pk"])
        cards = sorted_cards(
            card_products(
                list(
                    producer.products.filter(product__is_public=True).values_list("pk", flat=True)
                ),
                today,
            )
        )
        presences = list(
            Presence.objects.filter(producer=producer, verification=Verification.VERIFIED)
            .exclude(channel__kind=ChannelKind.THIS_MARKETPLACE)
            .select_related("channel")
            .order_by("channel__name")
        )
        legacy = legacy_place(producer)
        lat_lon = coordinates(legacy or producer.address)
        certified = [c for c in cards if c.certification.stars]
        context.update(
            today=today,
            producer=producer,
            cards=cards,
            certified_count=len(certified),
            best_stars=max((c.certification.stars for c in certified), default=None),
            stories=[c for c in cards if c.product.description.strip()],
            presences=presences,
            legacy_place=legacy,
            current_place=current_place(producer),
            lat_lon=lat_lon,
            map_url=map_url(lat_lon),
            village_url=catalogue_url(village=producer.craft_village)
            if producer.craft_village
            else "",
            catalogue_url=catalogue_url(producer=producer.pk),
        )
        return context


# Traceability ---------------------------------------------------------------------------------


class TraceView(TemplateView):
    """The traceability page a product's QR stamp opens: producer, place, the certificate and
    its status today, its history, and the form to report a suspected counterfeit."""

    template_name = "ocop/store/trace.html"

    def dispatch(self, request, *args, **kwargs):
        self.today = local_today()
        self.ocop = get_object_or_404(
            OcopProduct.objects.select_related(
                "product", "producer", "group", "current_certificate"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not may_report(request.session):
            form = CounterfeitReportForm(request.POST)
            form.add_error(
                None,
                _(
                    "You have sent several reports in the last hour. Please try again later "
                    "or contact the Department of Industry and Trade directly."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        form = CounterfeitReportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        submit_report(form, self.ocop, request.session)
        messages.success(
            request,
            _(
                "Thank you! Your report has been sent to the Department of Industry and Trade, "
                "which follows up reports of counterfeit OCOP goods."
            ),
        )
        return redirect(reverse("ocop-store:trace", args=[self.ocop.pk]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ocop = self.ocop
        history = list(ocop.certificates.order_by("-decision_date", "-id"))
        for certificate in history:
            certificate.status_today = certificate.status(self.today)
            certificate.status_label = CertificateStatus(certificate.status_today).label
            certificate.issuing_label = ISSUING_LEVEL_LABELS.get(certificate.issuing_level, "")
        current = ocop.current_certificate
        context.update(
            today=self.today,
            ocop=ocop,
            product=ocop.product,
            producer=ocop.producer,
            certification=certification_of(ocop, self.today),
            current_issuing_label=ISSUING_LEVEL_LABELS.get(current.issuing_level, "")
            if current
            else "",
            history=history,
            legacy_place=legacy_place(ocop.producer),
            current_place=current_place(ocop.producer),
            trace_url=trace_url(self.request, ocop.pk),
            form=kwargs.get("form") or CounterfeitReportForm(),
        )
        return context


class TraceQrView(View):
    """The QR code (SVG) for a product's stamp, encoding its traceability page's absolute URL."""

    def get(self, request, pk: int):
        ocop = get_object_or_404(OcopProduct.objects.only("id", "name"), pk=pk)
        svg = qr_svg(trace_url(request, ocop.pk), title=ocop.name)
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="truy-xuat-{ocop.pk}.svg"'
        return response

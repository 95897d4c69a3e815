"""Shopper pages: the catalogue, category pages, search and the product page.

They take over Oscar's URLs (``/catalogue/``, ``/catalogue/category/…``, ``/search/``,
``/catalogue/<slug>_<pk>/``) by being mounted before Oscar's, so Oscar's URL names
(``catalogue:index``, ``catalogue:category``, ``catalogue:detail``, ``search:search``) keep
working and now lead here. Views stay thin: ``listing`` builds what a page shows.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponsePermanentRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from oscar.apps.catalogue.models import Category, Option, Product
from oscar.apps.catalogue.views import ProductDetailView as OscarProductDetailView
from oscar.apps.search.views.catalogue import CatalogueView as OscarCatalogueView

from ..models import OcopProduct, local_today
from .catalogue_forms import CatalogueFilterForm
from .listing import (
    DEFAULT_PER_PAGE,
    Certification,
    cache_seconds,
    catalogue_version,
    certified_stars,
    filter_choices,
    listing,
    producer_name,
)
from .pages import ISSUING_LEVEL_LABELS

#: Stands for the CSRF token in cached listing HTML (see ``CatalogueView.insert_csrf_token``).
CSRF_PLACEHOLDER = "ocop-csrf-token-placeholder-7f3a"


class CatalogueView(TemplateView):
    """All public OCOP products, certified stars first, with combinable filters
    (``stars``, ``group``, ``province``, ``commune``, ``district``, ``producer``, ``village``),
    ``sort``, ``page`` and ``per_page`` (12, 24 or 48)."""

    template_name = "ocop/catalogue.html"
    searching = False

    def get(self, request, *args, **kwargs):
        self.today = local_today()
        self.version = catalogue_version()
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response.add_post_render_callback(self.insert_csrf_token)
        return response

    def insert_csrf_token(self, response) -> None:
        """The rendered listing is cached for every shopper, so its add-to-basket forms carry a
        placeholder; this request's CSRF token replaces it."""
        response.content = response.content.replace(
            CSRF_PLACEHOLDER.encode(), get_token(self.request).encode()
        )

    def categories(self) -> tuple[int, ...]:
        return ()

    def title(self, form: CatalogueFilterForm) -> str:
        return _("OCOP products")

    def get_context_data(self, **kwargs):
        params = self.request.GET
        choices = filter_choices(
            province=params.get("province", ""),
            commune=params.get("commune", ""),
            district=params.get("district", ""),
            village=params.get("village", ""),
            version=self.version,
            today=self.today,
        )
        form = CatalogueFilterForm(params, choices=choices, searching=self.searching)
        filters = form.filters(categories=self.categories())
        found = listing(
            filters,
            sort=form.chosen_sort(),
            page=params.get("page", 1),
            per_page=form.chosen_per_page(),
            today=self.today,
            version=self.version,
        )
        return super().get_context_data(
            form=form,
            filter_menus=form.filter_menus(),
            stars_menu=form.menu("stars"),
            toolbar_menus=[
                form.menu("sort", form.chosen_sort()),
                form.menu("per_page", form.chosen_per_page()),
            ],
            filters=filters,
            listing=found,
            page_obj=found.page,
            paginator=found.paginator,
            active_filters=self.active_filters(form),
            title=self.title(form),
            searching=self.searching,
            query=filters.q,
            today=self.today,
            catalogue_version=self.version,
            cache_seconds=cache_seconds(),
            strategy_name=type(self.request.strategy).__qualname__,
            csrf_placeholder=CSRF_PLACEHOLDER,
            **kwargs,
        )

    def active_filters(self, form: CatalogueFilterForm) -> list[dict[str, str]]:
        """Each filter in use, with the link that removes it (the page shows them as chips)."""
        active = []
        for name in ("stars", "group", "province", "commune", "district", "village"):
            value = form.value(name)
            if value is None:
                continue
            field = form.fields[name]
            label = dict((str(k), v) for k, v in field.choices).get(str(value), str(value))
            active.append(self._chip(name, field.label, label))
        producer = form.value("producer")
        if producer is not None:
            name = dict(form.choices.producers).get(producer) or producer_name(producer)
            active.append(self._chip("producer", form.fields["producer"].label, name))
        return active

    def _chip(self, name: str, label: str, value: str) -> dict[str, str]:
        params = self.request.GET.copy()
        # A commune belongs to its province: removing the province removes the commune.
        for dropped in (name, "page", "commune" if name == "province" else None):
            params.pop(dropped, None)
        query = params.urlencode()
        return {
            "name": name,
            "label": str(label),
            "value": str(value),
            "remove_url": f"{self.request.path}?{query}" if query else self.request.path,
        }


class SearchView(CatalogueView):
    """``/search/?q=``: the catalogue narrowed to products whose name, producer or place
    contains every word of ``q`` (without diacritics, ignoring case), best matches first."""

    searching = True

    def title(self, form: CatalogueFilterForm) -> str:
        query = (form.value("q") or "").strip()
        if query:
            return _("Search results for “%(query)s”") % {"query": query}
        return _("Search")


class CategoryView(CatalogueView):
    """Oscar's category URL, served by the catalogue filtered to the category and its
    descendants (each OCOP product group is a category)."""

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404
        expected = self.category.get_absolute_url()
        if unquote(expected) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected)
        return super().get(request, *args, **kwargs)

    def categories(self) -> tuple[int, ...]:
        return tuple(self.category.get_descendants_and_self().values_list("pk", flat=True))

    def title(self, form: CatalogueFilterForm) -> str:
        return self.category.name

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class ProductDetailView(OscarProductDetailView):
    """Oscar's product page with the OCOP product, its producer and current certificate loaded
    in the product's own query, and "certified today" computed at request time."""

    def get(self, request, *args, **kwargs):
        self.today = local_today()
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return (
            Product.objects.select_related(
                "product_class",
                "ocop__producer",
                "ocop__group",
                "ocop__current_certificate",
            )
            .annotate(
                ocop_certified_stars=certified_stars(self.today, "ocop__current_certificate__"),
                has_product_class_options=Exists(
                    Option.objects.filter(productclass=OuterRef("product_class"))
                ),
                has_product_options=Exists(Option.objects.filter(product=OuterRef("pk"))),
            )
            .prefetch_related("stockrecords", "images")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        try:
            ocop = product.ocop
        except OcopProduct.DoesNotExist:
            ocop = None
        if ocop is not None:
            certification = Certification.of(ocop, product.ocop_certified_stars, self.today)
            certificate = certification.certificate
            context.update(
                ocop=ocop,
                certification=certification,
                issuing_label=ISSUING_LEVEL_LABELS.get(certificate.issuing_level, "")
                if certificate
                else "",
            )
        return context


class StockCatalogueView(OscarCatalogueView):
    """Oscar's own catalogue page, for side-by-side measurement (``bench/storefront_load.py``).
    Exists only when ``OCOP_EXPOSE_STOCK_CATALOGUE`` is on. It lists what the haystack index
    holds (the bench builds a Whoosh one), 12 products a page like ours (Oscar's default is
    ``OSCAR_PRODUCTS_PER_PAGE``, 20), so both pages show the same number of products."""

    paginate_by = DEFAULT_PER_PAGE

    def dispatch(self, request, *args, **kwargs):
        if not getattr(settings, "OCOP_EXPOSE_STOCK_CATALOGUE", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

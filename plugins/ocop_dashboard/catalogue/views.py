"""Catalogue dashboard views: Oscar's, with the producer's version of the product list and of
the product page. Staff get Oscar's views unchanged.

Which products a producer reaches is decided once, in ``utils.partner_product_visibility_q``
(Oscar's own filter hook): another producer's product is a 404 on every route."""

from __future__ import annotations

from oscar.apps.dashboard.catalogue import views as oscar_views
from oscar.apps.dashboard.catalogue.formsets import ProductImageFormSet

from plugins.ocop.catalogue import ATTRIBUTES
from plugins.ocop.models import OcopProduct

from ..workspace import is_certification_attribute, producer_for
from .forms import ProducerProductForm
from .formsets import ProducerStockRecordFormSet
from .tables import ProducerProductTable

ATTRIBUTE_NAMES = {code: name for code, name, _kind in ATTRIBUTES}


class ProductListView(oscar_views.ProductListView):
    def dispatch(self, request, *args, **kwargs):
        self.producer = producer_for(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_table_class(self):
        return ProducerProductTable if self.producer else super().get_table_class()

    def get_template_names(self):
        if self.producer:
            return ["ocop_dashboard/catalogue/product_list.html"]
        return super().get_template_names()


class ProductCreateUpdateView(oscar_views.ProductCreateUpdateView):
    """For a producer: the description (story), visibility, photos, its own price and stock;
    the certification shown read-only. Creating products is refused by the route's permissions
    (see ``apps.STAFF_ONLY``)."""

    def dispatch(self, request, *args, **kwargs):
        self.producer = producer_for(request.user)
        if self.producer:
            self.formsets = {
                "image_formset": ProductImageFormSet,
                "stockrecord_formset": ProducerStockRecordFormSet,
            }
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return ProducerProductForm if self.producer else super().get_form_class()

    def get_template_names(self):
        if self.producer:
            return ["ocop_dashboard/catalogue/product_update.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.producer and self.object is not None:
            context["certification_attributes"] = [
                (ATTRIBUTE_NAMES.get(value.attribute.code, value.attribute.name), value.value)
                for value in self.object.attribute_values.select_related("attribute").order_by(
                    "attribute__code"
                )
                if is_certification_attribute(value.attribute.code)
            ]
            try:
                context["ocop"] = OcopProduct.objects.select_related("group").get(
                    product=self.object
                )
            except OcopProduct.DoesNotExist:
                context["ocop"] = None
        return context

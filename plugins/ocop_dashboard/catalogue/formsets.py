"""The producer's stock-and-price formset: one stock record, the producer's own, per product."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext as _
from oscar.apps.catalogue.models import Product
from oscar.apps.partner.models import StockRecord

from plugins.ocop.models import OcopProduct

from ..workspace import producer_for
from .forms import ProducerStockRecordForm


def owner_partner(product: Product | None, user):
    """The partner whose stock record a producer edits on ``product``: the partner of the
    product's producer for an OCOP product, else the user's own producer's partner."""
    if product is not None and product.pk:
        try:
            return product.ocop.producer.partner
        except OcopProduct.DoesNotExist:
            pass
    producer = producer_for(user)
    return producer.partner if producer else None


class BaseProducerStockRecordFormSet(BaseInlineFormSet):
    def __init__(self, product_class, user, *args, **kwargs):
        self.product_class = product_class
        self.user = user
        self.partner = owner_partner(kwargs.get("instance"), user)
        kwargs["queryset"] = StockRecord.objects.filter(partner=self.partner).order_by("pk")
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "product_class": self.product_class,
            "user": self.user,
        }

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        exists = StockRecord.objects.filter(product=self.instance, partner=self.partner).exists()
        for form in self.forms:
            # A form posted as new while the record exists (a tampered or stale form count)
            # would become a second price for the same producer.
            if form.instance.pk is None and form.has_changed() and exists:
                raise ValidationError(
                    _("This product already has your price; reload the page and edit it there.")
                )

    def save_new(self, form, commit=True):
        form.instance.partner = self.partner
        form.instance.partner_sku = f"OCOP-{self.instance.pk}"
        form.instance.price_currency = settings.OSCAR_DEFAULT_CURRENCY
        return super().save_new(form, commit=commit)


ProducerStockRecordFormSet = inlineformset_factory(
    Product,
    StockRecord,
    form=ProducerStockRecordForm,
    formset=BaseProducerStockRecordFormSet,
    extra=0,
    min_num=1,
    max_num=1,
    validate_min=True,
    validate_max=True,
    can_delete=False,
)

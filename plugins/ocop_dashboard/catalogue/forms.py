"""Product forms of the catalogue dashboard.

* ``ProductImageForm`` replaces Oscar's for everyone: a photo is checked by its content
  (``plugins.ocop.uploads.validate_photo``) before it is stored (on S3 in production).
* ``ProducerProductForm`` is what a producer may change on its product: the description (the
  product's story, shown on the product page), whether the product is public, and the search
  engine texts. Name, codes, product type, categories and the certification attributes (stars,
  score, decision, validity) are not form fields at all, so a tampered POST cannot reach them.
* ``ProducerStockRecordForm`` is the producer's own price (VND, no decimals) and stock.
"""

from __future__ import annotations

from decimal import Decimal

import nh3
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.apps.partner.models import StockRecord

from plugins.ocop.parsing import CellError, parse_price
from plugins.ocop.uploads import validate_photo

from ..workspace import is_certification_attribute

#: The only product fields a producer edits.
PRODUCER_PRODUCT_FIELDS = ("description", "is_public", "meta_title", "meta_description")
#: HTML a producer's description may keep (what Oscar's rich-text editor produces); everything
#: else, scripts and event handlers first, is removed before it is stored.
DESCRIPTION_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "span",
}
DESCRIPTION_ATTRIBUTES = {"a": {"href", "title"}}


class ProductImageForm(oscar_forms.ProductImageForm):
    def clean_original(self):
        original = self.cleaned_data.get("original")
        if original and "original" in self.changed_data:
            validate_photo(original)
        return original


class ProducerProductForm(oscar_forms.ProductForm):
    """Oscar's product form cut down to what a producer may change (see the module docstring)."""

    def __init__(self, product_class, *args, **kwargs):
        super().__init__(product_class, *args, **kwargs)
        for name in list(self.fields):
            if name.startswith("attr_"):
                if is_certification_attribute(name.removeprefix("attr_")):
                    del self.fields[name]
            elif name not in PRODUCER_PRODUCT_FIELDS:
                del self.fields[name]
        if "description" in self.fields:
            self.fields["description"].label = _("Description (the product's story)")
            self.fields["description"].help_text = _(
                "Shown on the product page under “The product's story”: how and where it is "
                "made, by whom, what makes it special."
            )

    def clean_description(self) -> str:
        return nh3.clean(
            self.cleaned_data.get("description") or "",
            tags=DESCRIPTION_TAGS,
            attributes=DESCRIPTION_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
        )


class VndPriceField(forms.Field):
    """A price in whole đồng as Vietnamese write it: "150000", "150.000", "150,000 ₫"."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.0f}"
        return value

    def to_python(self, value) -> Decimal | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        if len(text) > 30:
            raise ValidationError(
                _("“%(value)s” is too large for a price."), code="max_value", params={"value": text}
            )
        try:
            amount = parse_price(text)
        except CellError:
            raise ValidationError(
                _("“%(value)s” is not a price in đồng: write digits, e.g. 150000 or 150.000."),
                code="invalid",
                params={"value": text},
            ) from None
        if amount is None or amount <= 0:
            raise ValidationError(_("The price must be more than 0 đồng."), code="min_value")
        if amount >= Decimal("10") ** 10:
            raise ValidationError(
                _("“%(value)s” is too large for a price."), code="max_value", params={"value": text}
            )
        return amount


class ProducerStockRecordForm(forms.ModelForm):
    """The producer's price and stock for one product. Partner, SKU and currency are not
    fields: the view's formset sets them (the product's producer, ``OCOP-<id>``, VND)."""

    price = VndPriceField(label=_("Price (VND)"))

    class Meta:
        model = StockRecord
        fields = ["price", "num_in_stock", "low_stock_threshold"]
        labels = {
            "num_in_stock": _("In stock"),
            "low_stock_threshold": _("Low stock threshold"),
        }
        help_texts = {
            "num_in_stock": _(
                "Leave empty if you do not count stock. Checkout holds shoppers to it when the "
                "product type tracks stock."
            ),
        }

    def __init__(self, product_class, user, *args, **kwargs):
        self.product_class = product_class
        self.user = user
        super().__init__(*args, **kwargs)

"""The product table producers see: Oscar's, with row actions limited to what they may do."""

from django.utils.translation import gettext_lazy as _
from django_tables2 import TemplateColumn
from oscar.apps.dashboard.catalogue.tables import ProductTable


class ProducerProductTable(ProductTable):
    actions = TemplateColumn(
        verbose_name=_("Actions"),
        template_name="ocop_dashboard/catalogue/product_row_actions.html",
        orderable=False,
    )

    class Meta(ProductTable.Meta):
        exclude = ("variants",)

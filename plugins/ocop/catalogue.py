"""How OCOP data appears in Oscar's catalogue: product classes, star attributes, categories.

Oscar sees a certified product's stars and certificate through product attributes, so its
storefront, search and dashboard can use them without knowing about OCOP models.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from oscar.apps.catalogue.models import Category, Option, ProductAttribute, ProductClass

from .models import ProductGroup

GOODS_CLASS_SLUG = "ocop-goods"
SERVICE_CLASS_SLUG = "ocop-service"
#: The product option a shopper fills in when booking a tourism service (ngày sử dụng dịch vụ).
BOOKING_DATE_OPTION = "booking_date"

#: (code, name, Oscar attribute type) of the attributes that carry the current certificate.
ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("ocop_stars", "Hạng sao OCOP", ProductAttribute.INTEGER),
    ("ocop_score", "Điểm đánh giá OCOP", ProductAttribute.INTEGER),
    ("ocop_decision_number", "Số quyết định công nhận", ProductAttribute.TEXT),
    ("ocop_decision_date", "Ngày quyết định", ProductAttribute.DATE),
    ("ocop_valid_until", "Hiệu lực đến", ProductAttribute.DATE),
    ("ocop_issuing_level", "Cấp công nhận", ProductAttribute.TEXT),
)
ATTRIBUTE_FIELDS = {
    "ocop_stars": "value_integer",
    "ocop_score": "value_integer",
    "ocop_decision_number": "value_text",
    "ocop_decision_date": "value_date",
    "ocop_valid_until": "value_date",
    "ocop_issuing_level": "value_text",
}


@dataclass(frozen=True)
class CatalogueStructure:
    goods_class: ProductClass
    service_class: ProductClass
    #: (product class id, attribute code) -> attribute
    attributes: dict[tuple[int, str], ProductAttribute]
    #: group id -> (group, category)
    groups: dict[int, tuple[ProductGroup, Category]]

    def product_class_for(self, group_id: int) -> ProductClass:
        """Tourism services are booked, not shipped: they get the service product class."""
        group, _category = self.groups[group_id]
        return self.service_class if group.is_service else self.goods_class


@transaction.atomic
def ensure_catalogue_structure() -> CatalogueStructure:
    """Create (once) the OCOP product classes, their attributes and a category per group."""
    goods, _ = ProductClass.objects.get_or_create(
        slug=GOODS_CLASS_SLUG,
        defaults={"name": "Sản phẩm OCOP", "requires_shipping": True, "track_stock": False},
    )
    service, _ = ProductClass.objects.get_or_create(
        slug=SERVICE_CLASS_SLUG,
        defaults={
            "name": "Dịch vụ du lịch OCOP",
            "requires_shipping": False,
            "track_stock": False,
        },
    )
    booking_date, _ = Option.objects.get_or_create(
        code=BOOKING_DATE_OPTION,
        defaults={
            "name": "Ngày sử dụng dịch vụ",
            "type": Option.DATE,
            "required": True,
            "help_text": "Ngày bạn đến sử dụng dịch vụ (từ hôm nay trở đi).",
        },
    )
    service.options.add(booking_date)
    existing = {
        (a.product_class_id, a.code): a
        for a in ProductAttribute.objects.filter(product_class__in=[goods, service])
    }
    for product_class in (goods, service):
        for code, name, kind in ATTRIBUTES:
            if (product_class.id, code) not in existing:
                existing[(product_class.id, code)] = ProductAttribute.objects.create(
                    product_class=product_class, code=code, name=name, type=kind, required=False
                )
    groups = {}
    categories = {c.slug: c for c in Category.objects.filter(depth=1)}
    for group in ProductGroup.objects.all():
        category = categories.get(group.slug)
        if category is None:
            category = Category.objects.add_root(
                {"name": group.name_vi, "slug": group.slug, "is_public": True}
            )
        groups[group.id] = (group, category)
    return CatalogueStructure(goods, service, existing, groups)

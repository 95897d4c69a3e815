from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OcopConfig(AppConfig):
    name = "plugins.ocop"
    label = "ocop"
    verbose_name = _("OCOP")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .reference_data import ensure_reference_data

        post_migrate.connect(ensure_reference_data, sender=self)

        from oscar.apps.order.signals import order_placed

        from .channels.orders import on_order_placed

        order_placed.connect(on_order_placed, dispatch_uid="ocop-order-activity")

        from django.db.models.signals import post_save
        from oscar.apps.catalogue.models import ProductImage

        from .renditions import queue_renditions

        post_save.connect(queue_renditions, sender=ProductImage, dispatch_uid="ocop-renditions")

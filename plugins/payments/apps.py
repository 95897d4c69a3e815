from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "plugins.payments"
    label = "payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .reference_data import ensure_reference_data

        post_migrate.connect(ensure_reference_data, sender=self)

        from oscar.apps.order.signals import order_status_changed

        from .payouts import on_order_status_changed

        order_status_changed.connect(on_order_status_changed, dispatch_uid="payments-cod-payouts")

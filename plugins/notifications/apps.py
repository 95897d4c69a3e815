from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "plugins.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oscar.apps.order.signals import order_placed

        from plugins.ocop.roles import ensure_roles

        from .orders import on_order_placed

        order_placed.connect(on_order_placed, dispatch_uid="notifications-order-placed")
        # The department role lists this app's permissions, which exist only once this app's
        # own post_migrate has created them.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="notifications-roles")

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SaleorAppConfig(AppConfig):
    name = "plugins.saleor_app"
    label = "saleor_app"
    verbose_name = _("Saleor App connector")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .roles import grant_department_permissions

        # After this app's own permissions exist (Django creates them on the same signal).
        post_migrate.connect(grant_department_permissions, sender=self)

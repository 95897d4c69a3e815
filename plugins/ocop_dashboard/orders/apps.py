"""Oscar's orders dashboard with the routes producers may not use taken from them."""

from oscar.apps.dashboard.orders import apps as oscar_apps

from ..permissions import without_partner_access

#: Routes Oscar opens to partner users that producers may not use: order statistics add up
#: whole orders (other producers' lines included) and the delivery address is the shopper's.
STAFF_ONLY = ("order-stats", "order-shipping-address")


class OrdersDashboardConfig(oscar_apps.OrdersDashboardConfig):
    name = "plugins.ocop_dashboard.orders"

    def configure_permissions(self):
        super().configure_permissions()
        for url_name in STAFF_ONLY:
            self.permissions_map[url_name] = without_partner_access(self.permissions_map[url_name])

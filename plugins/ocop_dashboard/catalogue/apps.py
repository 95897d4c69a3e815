"""Oscar's catalogue dashboard with the routes producers may not use taken from them."""

from oscar.apps.dashboard.catalogue import apps as oscar_apps

from ..permissions import without_partner_access

#: Routes Oscar opens to partner users that producers may not use: an OCOP product comes from
#: the official certificate list, so producers neither create nor delete products (they hide
#: one with "is public" instead), and have no use for the product lookup.
STAFF_ONLY = (
    "catalogue-product-create",
    "catalogue-product-delete",
    "catalogue-product-lookup",
)


class CatalogueDashboardConfig(oscar_apps.CatalogueDashboardConfig):
    name = "plugins.ocop_dashboard.catalogue"

    def configure_permissions(self):
        super().configure_permissions()
        for url_name in STAFF_ONLY:
            self.permissions_map[url_name] = without_partner_access(self.permissions_map[url_name])

from django.contrib import admin

from .models import AllowedSaleorApi, PublishRun, SaleorConnection, SaleorOrder, WebhookDelivery


@admin.register(AllowedSaleorApi)
class AllowedSaleorApiAdmin(admin.ModelAdmin):
    """URLs are added on the dashboard or with ``ocop_saleor_allow``, which normalise them."""

    list_display = ("api_url", "note", "created_at")
    search_fields = ("api_url", "note")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SaleorConnection)
class SaleorConnectionAdmin(admin.ModelAdmin):
    """The token is never shown: it is not a field of this form (``editable=False``)."""

    list_display = ("domain", "shop_name", "api_url", "channel", "is_active", "connected_at")
    list_filter = ("is_active",)
    readonly_fields = (
        "api_url",
        "domain",
        "shop_name",
        "saleor_app_id",
        "schema_version",
        "channel",
        "connected_at",
    )
    fields = readonly_fields + ("is_active",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SaleorOrder)
class SaleorOrderAdmin(admin.ModelAdmin):
    list_display = ("connection", "number", "status", "total", "currency", "placed_on")
    list_filter = ("status", "connection")
    search_fields = ("number", "saleor_id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("connection", "event", "order_id", "outcome", "received_at")
    list_filter = ("event", "connection")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PublishRun)
class PublishRunAdmin(admin.ModelAdmin):
    list_display = ("connection", "state", "dry_run", "stars_only", "done", "total", "created_at")
    list_filter = ("state", "connection")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

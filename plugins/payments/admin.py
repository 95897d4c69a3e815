from django.contrib import admin

from .models import ConnectedAccount, Payout, StripeEvent


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    """Read-only: the log of webhook deliveries is written by Stripe, not by staff."""

    list_display = ("event_id", "type", "received_at", "processed")
    list_filter = ("type", "processed")
    search_fields = ("event_id",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by Stripe's events and the payout task; staff act through the payout pages."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "partner",
        "stripe_account_id",
        "details_submitted",
        "payouts_enabled",
        "transfers_capability",
        "updated_at",
    )
    list_filter = ("payouts_enabled", "details_submitted")
    search_fields = ("stripe_account_id", "partner__name")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("pk", "order", "partner", "net", "status", "attempts", "transfer_id")
    list_filter = ("status",)
    list_select_related = ("order", "partner")
    search_fields = ("order__number", "partner__name", "transfer_id")

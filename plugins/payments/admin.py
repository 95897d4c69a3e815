from django.contrib import admin

from .models import StripeEvent


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

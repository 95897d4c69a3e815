"""Staff see every notification, its recipients and outcome (a skipped one says why); a
failed one can be sent again once the mail server is fixed. Nothing is edited by hand."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .delivery import send_again
from .models import ExpiryReminder, OrderNotification


class NotificationAdmin(admin.ModelAdmin):
    list_filter = ("status", "skip_reason")
    search_fields = ("producer__name", "subject")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.action(
        description=_("Send again (failed or stuck notifications)"), permissions=["change"]
    )
    def send_again(self, request, queryset):
        count = send_again(self.model, queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification scheduled to be sent again.",
                "%(count)d notifications scheduled to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(OrderNotification)
class OrderNotificationAdmin(NotificationAdmin):
    list_display = ("order", "producer", "status", "skip_reason", "recipients", "sent_at")
    list_select_related = ("order", "producer")
    search_fields = (*NotificationAdmin.search_fields, "order__number")


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(NotificationAdmin):
    list_display = (
        "certificate",
        "producer",
        "threshold_days",
        "days_left",
        "status",
        "skip_reason",
        "recipients",
        "sent_at",
    )
    list_select_related = ("certificate__product", "producer")
    list_filter = (*NotificationAdmin.list_filter, "threshold_days")
    search_fields = (
        *NotificationAdmin.search_fields,
        "certificate__product__name",
        "certificate__decision_number",
    )

"""Order dashboard views: Oscar's, narrowed for producers. Staff get Oscar's views unchanged.

Oscar already lists only the orders holding one of a partner user's lines. An order may also
hold other producers' lines, so for a producer these views also keep to its own lines: the
list shows its lines' total and count, the detail page and line pages show only its lines,
line actions act only on them (shipping events; no payment events), the order-level status
and payments are left to staff, and notes are the producer's own.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from oscar.apps.dashboard.orders import views as oscar_views
from oscar.apps.order.models import OrderNote, ShippingEvent, ShippingEventQuantity

from ..workspace import own_lines, producer_for, with_own_totals


class ProducerOrderMixin:
    def dispatch(self, request, *args, **kwargs):
        self.producer = producer_for(request.user)
        return super().dispatch(request, *args, **kwargs)


class OrderListView(ProducerOrderMixin, oscar_views.OrderListView):
    def dispatch(self, request, *args, **kwargs):
        if producer_for(request.user):
            # Producers download their orders; the order status belongs to staff.
            self.actions = ("download_selected_orders",)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.producer:
            queryset = with_own_totals(queryset, self.producer)
        return queryset

    def get_template_names(self):
        if self.producer:
            return ["ocop_dashboard/orders/order_list.html"]
        return super().get_template_names()

    def get_row_values(self, order):
        row = super().get_row_values(order)
        if self.producer:
            row["value"] = f"{order.own_total:.0f}"  # whole đồng, on every database
            row["num_items"] = order.own_items
        return row


class OrderDetailView(ProducerOrderMixin, oscar_views.OrderDetailView):
    def dispatch(self, request, *args, **kwargs):
        if producer_for(request.user):
            self.order_actions = ("save_note", "delete_note")
            self.line_actions = ("create_shipping_event",)
        return super().dispatch(request, *args, **kwargs)

    def get_order_lines(self):
        if self.producer:
            return own_lines(self.object, self.producer).order_by("pk")
        return super().get_order_lines()

    def own_notes(self):
        return self.object.notes.filter(user__partners=self.producer.partner).select_related("user")

    def own_shipping_events(self):
        partner_id = self.producer.partner_id
        return (
            ShippingEvent.objects.filter(
                order=self.object, line_quantities__line__partner_id=partner_id
            )
            .distinct()
            .select_related("event_type")
            .prefetch_related(
                Prefetch(
                    "line_quantities",
                    queryset=ShippingEventQuantity.objects.filter(
                        line__partner_id=partner_id
                    ).select_related("line"),
                    to_attr="own_quantities",
                )
            )
            .order_by("date_created", "pk")
        )

    def get_order_note_form(self):
        if self.producer and self.kwargs.get("note_id"):
            # Only the producer's own notes can be opened for editing.
            get_object_or_404(self.own_notes(), pk=self.kwargs["note_id"])
        return super().get_order_note_form()

    def delete_note(self, request, order):
        if self.producer:
            try:
                note = self.own_notes().get(pk=request.POST.get("note_id"), user=request.user)
            except (OrderNote.DoesNotExist, ValueError):
                messages.error(request, _("You can delete only your own notes."))
                return self.reload_page()
            if not note.is_editable():
                messages.error(request, _("This note can no longer be deleted."))
                return self.reload_page()
        return super().delete_note(request, order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.producer:
            lines = list(context["lines"])
            context.update(
                lines=lines,
                own_total=sum((line.line_price_incl_tax for line in lines), start=0),
                own_notes=self.own_notes(),
                own_shipping_events=self.own_shipping_events(),
                producer=self.producer,
            )
        return context

    def get_template_names(self):
        if self.producer:
            return ["ocop_dashboard/orders/order_detail.html"]
        return super().get_template_names()


class LineDetailView(ProducerOrderMixin, oscar_views.LineDetailView):
    def get_object(self, queryset=None):
        line = super().get_object(queryset)
        if self.producer and line.partner_id != self.producer.partner_id:
            raise Http404
        return line


class OrderStatsView(oscar_views.OrderStatsView):
    """Refused to producers by the route's permissions; checked again here so the page never
    adds up other producers' lines."""

    def dispatch(self, request, *args, **kwargs):
        if producer_for(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

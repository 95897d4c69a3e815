"""The new-order email (email đơn hàng mới): each producer with lines in an order placed on the
marketplace gets one email listing only its own lines.

The email is recorded and queued by a Celery task started after the order's transaction
commits, so a slow or failing mail server never delays or breaks checkout.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from plugins.ocop.models import Producer

from .delivery import record
from .models import OrderNotification
from .recipients import producer_recipients, users_prefetch
from .rendering import bilingual_body, bilingual_subject, site_url

TEMPLATE = "notifications/email/order_placed.txt"


def on_order_placed(sender, order, **kwargs) -> None:
    """Receiver of Oscar's ``order_placed``: queue the producers' emails once the order commits."""
    from .tasks import notify_order_placed_task

    order_id = order.pk
    transaction.on_commit(lambda: notify_order_placed_task.delay(order_id), robust=True)


def _producer_of(line) -> Producer | None:
    try:
        return line.partner.ocop_producer if line.partner is not None else None
    except ObjectDoesNotExist:  # a partner that is not an OCOP producer
        return None


def shipping_region(order) -> str:
    """Commune/ward and province of the order's shipping address, never the street."""
    address = order.shipping_address
    if address is None:
        return ""
    return ", ".join(part for part in (address.line3, address.state) if part)


@transaction.atomic
def record_order_notifications(order) -> list[OrderNotification]:
    """Record one email per OCOP producer with lines in ``order``, each listing only that
    producer's lines; returns the rows this call recorded (none when the order was handled
    before). A fixed number of queries whatever the number of lines and producers."""
    lines = (
        order.lines.select_related("partner__ocop_producer")
        .prefetch_related(users_prefetch("partner__users"))
        .order_by("pk")
    )
    shares: dict[int, tuple[Producer, list]] = {}
    for line in lines:
        producer = _producer_of(line)
        if producer is not None:
            shares.setdefault(producer.pk, (producer, []))[1].append(line)
    if not shares:
        return []
    order_url = site_url(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    region = shipping_region(order)
    rows = []
    for producer, producer_lines in shares.values():
        context = {
            "order": order,
            "producer": producer,
            "lines": producer_lines,
            "total": sum(
                (line.line_price_incl_tax or Decimal(0) for line in producer_lines), Decimal(0)
            ),
            "region": region,
            "order_url": order_url,
        }
        rows.append(
            OrderNotification(
                order=order,
                producer=producer,
                recipients=producer_recipients(producer),
                subject=bilingual_subject(
                    lambda: _("New order %(number)s for your products") % {"number": order.number}
                ),
                body=bilingual_body(TEMPLATE, context),
            )
        )
    return record(OrderNotification, rows)

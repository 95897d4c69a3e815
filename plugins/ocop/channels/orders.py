"""Activity from orders placed on this marketplace (đơn hàng trên sàn OCOP Market).

Every order placed here is evidence that each producer with lines in it sells on this
marketplace's channel: one activity per producer and order, with that producer's lines' total.
The order hook runs after the order's transaction commits, so tracking never delays or breaks
checkout; a failure is logged by Django and the order stands.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from ..models import ActivitySource, Channel, ChannelActivity, OcopProduct, Producer
from .registry import THIS_MARKETPLACE_SLUG
from .services import record_activity


def order_reference(order, producer: Producer) -> str:
    """The idempotency key of one producer's share of one order."""
    return f"order:{order.number}:{producer.pk}"


def _related(obj, name: str):
    """``obj.name`` for a reverse one-to-one that may be missing (a partner that is not an
    OCOP producer, a product that is not an OCOP product)."""
    try:
        return getattr(obj, name) if obj is not None else None
    except ObjectDoesNotExist:
        return None


@transaction.atomic
def record_order_activity(order) -> list[ChannelActivity]:
    """Record the activity an Oscar order is evidence of; idempotent per order and producer.

    For each producer (an Oscar partner linked to a ``Producer``) with lines in ``order``: one
    activity on this marketplace's channel dated the day the order was placed in the
    marketplace's time zone (Asia/Ho_Chi_Minh), one order, revenue = its lines' total incl.
    tax in whole VND, product = its first OCOP product in line order. It also verifies the
    producer's presence here. Lines of other partners are ignored.
    """
    lines = order.lines.select_related("partner__ocop_producer", "product__ocop").order_by("pk")
    shares: dict[int, tuple[Producer, Decimal, OcopProduct | None]] = {}
    for line in lines:
        producer = _related(line.partner, "ocop_producer")
        if producer is None:
            continue
        total, product = shares.get(producer.pk, (producer, Decimal(0), None))[1:]
        shares[producer.pk] = (
            producer,
            total + (line.line_price_incl_tax or Decimal(0)),
            product or _related(line.product, "ocop"),
        )
    if not shares:
        return []
    channel = Channel.objects.get(slug=THIS_MARKETPLACE_SLUG)
    day = timezone.localtime(order.date_placed, timezone.get_default_timezone()).date()
    activities = []
    for producer, total, product in shares.values():
        activity, _changed = record_activity(
            producer,
            channel,
            date=day,
            source=ActivitySource.ORDER,
            reference=order_reference(order, producer),
            orders=1,
            revenue=total.quantize(Decimal(1), rounding=ROUND_HALF_UP),
            product=product,
        )
        activities.append(activity)
    return activities


def on_order_placed(sender, order, **kwargs) -> None:
    """Receiver of Oscar's ``order_placed``: record the order's activity once it commits."""

    def record_after_commit() -> None:
        record_order_activity(order)

    transaction.on_commit(record_after_commit, robust=True)

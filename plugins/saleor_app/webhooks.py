"""Orders of a connected Saleor store, as its webhooks report them, become channel activity.

Each verified body is handled once (``WebhookDelivery`` keeps its SHA-256; a redelivery is
answered and changes nothing). For an order created or fully paid, its lines are matched to
OCOP products — by the external reference the publisher sets (``ocop:<id>`` on the variant or
the product), else by SKU against the producers' stock records — and each producer with
matched lines gets one activity on the store's channel: dated the day the order was placed in
Asia/Ho_Chi_Minh, one order, revenue = its lines' gross total in whole VND (none when the order
is in another currency). A paid event re-records the same activity from its own payload (an
order edited before payment is corrected). A cancelled order's activity is deleted, and a
cancelled order stays cancelled whatever event arrives late. Unmatched lines are kept on the
order and logged; they are not errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from oscar.apps.partner.models import StockRecord

from plugins.ocop.channels.services import delete_activities, record_activity
from plugins.ocop.models import ActivitySource, OcopProduct, Producer

from .error_codes import SaleorErrorCode
from .models import SaleorConnection, SaleorOrder, WebhookDelivery
from .references import ocop_product_id

logger = logging.getLogger(__name__)

ORDER_CREATED = "order_created"
ORDER_FULLY_PAID = "order_fully_paid"
ORDER_CANCELLED = "order_cancelled"
#: The subscription's ``__typename`` -> the ``Saleor-Event`` name of the same event.
EVENT_TYPES = {
    "OrderCreated": ORDER_CREATED,
    "OrderFullyPaid": ORDER_FULLY_PAID,
    "OrderCancelled": ORDER_CANCELLED,
}


class WebhookPayloadError(Exception):
    def __init__(self, code: SaleorErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WebhookOutcome:
    #: "processed", "duplicate" or "ignored".
    status: str
    event: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"status": self.status, "event": self.event, "detail": self.detail}


def activity_reference(connection: SaleorConnection, order_id: str, producer: Producer) -> str:
    """The idempotency key of one producer's share of one store order."""
    reference = f"saleor:{connection.domain}:{order_id}:{producer.pk}"
    if len(reference) > 200:
        digest = hashlib.sha256(f"{connection.domain}:{order_id}".encode()).hexdigest()
        reference = f"saleor:{digest}:{producer.pk}"
    return reference


def _event_name(payload: dict, header: str) -> str:
    header = (header or "").strip().lower()
    typename = payload.get("__typename")
    if not typename:
        return header
    event = EVENT_TYPES.get(typename, str(typename))
    if header and header != event and typename in EVENT_TYPES:
        raise WebhookPayloadError(
            SaleorErrorCode.EVENT_MISMATCH,
            f"Saleor-Event says “{header}” but the signed body is a {typename} event.",
        )
    return event


def handle_webhook(
    connection: SaleorConnection, *, event_header: str, body: bytes
) -> WebhookOutcome:
    """Apply one verified webhook body of ``connection``'s store (see the module docstring)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise WebhookPayloadError(
            SaleorErrorCode.INVALID_PAYLOAD, "The webhook body is not a JSON object."
        )
    event = _event_name(payload, event_header)
    order = payload.get("order")
    order_id = order.get("id") if isinstance(order, dict) else None
    digest = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            connection=connection,
            digest=digest,
            defaults={"event": event[:50], "order_id": str(order_id or "")[:255]},
        )
        if not created:
            return WebhookOutcome("duplicate", event, "this body was handled already")
        if event not in EVENT_TYPES.values():
            delivery.outcome = "ignored: not an order event the app handles"
            delivery.save(update_fields=["outcome"])
            return WebhookOutcome("ignored", event, delivery.outcome)
        if not isinstance(order_id, str) or not order_id:
            raise WebhookPayloadError(
                SaleorErrorCode.INVALID_PAYLOAD,
                f"The {event} body has no order with an id (“order”: {{“id”: …}}).",
            )
        detail = apply_order_event(connection, event, order)
        delivery.outcome = detail[:200]
        delivery.save(update_fields=["outcome"])
    return WebhookOutcome("processed", event, detail)


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _placed_on(order: dict) -> dt.date:
    created = parse_datetime(str(order.get("created") or ""))
    if created is None:
        return timezone.localdate()
    if timezone.is_naive(created):
        created = timezone.make_aware(created, dt.UTC)
    return timezone.localtime(created, timezone.get_default_timezone()).date()


@dataclass
class _Share:
    producer: Producer
    product: OcopProduct
    revenue: Decimal
    in_vnd: bool


def match_lines(lines: list[dict]) -> tuple[dict[int, _Share], list[dict]]:
    """Group an order's lines by OCOP producer; returns the shares and the unmatched lines.
    Two queries whatever the number of lines."""
    wanted_ids, wanted_skus = set(), set()
    for line in lines:
        variant = line.get("variant") or {}
        for reference in (
            variant.get("externalReference"),
            (variant.get("product") or {}).get("externalReference"),
        ):
            if (pk := ocop_product_id(reference)) is not None:
                wanted_ids.add(pk)
        for sku in (line.get("productSku"), variant.get("sku")):
            if sku:
                wanted_skus.add(sku)
    by_id = OcopProduct.objects.select_related("producer").in_bulk(wanted_ids)
    by_sku: dict[str, OcopProduct] = {}
    if wanted_skus:
        records = StockRecord.objects.filter(
            partner_sku__in=wanted_skus, product__ocop__isnull=False
        ).select_related("product__ocop__producer")
        by_sku = {r.partner_sku: r.product.ocop for r in records}
    shares: dict[int, _Share] = {}
    unmatched = []
    for line in lines:
        variant = line.get("variant") or {}
        product = None
        for reference in (
            variant.get("externalReference"),
            (variant.get("product") or {}).get("externalReference"),
        ):
            product = product or by_id.get(ocop_product_id(reference))
        for sku in (line.get("productSku"), variant.get("sku")):
            product = product or by_sku.get(sku)
        if product is None:
            unmatched.append(
                {
                    "line": line.get("id"),
                    "name": line.get("productName") or "",
                    "sku": line.get("productSku") or variant.get("sku") or "",
                }
            )
            continue
        gross = ((line.get("totalPrice") or {}).get("gross")) or {}
        amount = _decimal(gross.get("amount")) or Decimal(0)
        share = shares.get(product.producer_id)
        if share is None:
            share = shares[product.producer_id] = _Share(
                product.producer, product, Decimal(0), True
            )
        share.revenue += amount
        share.in_vnd = share.in_vnd and gross.get("currency") == "VND"
    return shares, unmatched


def apply_order_event(connection: SaleorConnection, event: str, order: dict) -> str:
    """Bring the store order's activity in line with ``event``; returns what was done."""
    order_id = order["id"]
    state = (
        SaleorOrder.objects.select_for_update()
        .filter(connection=connection, saleor_id=order_id)
        .first()
    ) or SaleorOrder(connection=connection, saleor_id=order_id, status=SaleorOrder.Status.CREATED)
    total = ((order.get("total") or {}).get("gross")) or {}
    state.number = str(order.get("number") or state.number)[:50]
    state.currency = str(total.get("currency") or state.currency)[:3]
    state.total = _decimal(total.get("amount")) if total else state.total
    if event == ORDER_CANCELLED:
        deleted = delete_activities(ActivitySource.CONNECTOR, state.activity_references)
        state.status = SaleorOrder.Status.CANCELLED
        state.cancelled_at = state.cancelled_at or timezone.now()
        state.activity_references = []
        state.save()
        return f"cancelled: {deleted} activity event(s) removed"
    if state.status == SaleorOrder.Status.CANCELLED:
        state.save()
        return "ignored: the order was cancelled already"
    shares, unmatched = match_lines(
        [line for line in order.get("lines") or [] if isinstance(line, dict)]
    )
    day = _placed_on(order)
    references = []
    for share in shares.values():
        reference = activity_reference(connection, order_id, share.producer)
        record_activity(
            share.producer,
            connection.channel,
            date=day,
            source=ActivitySource.CONNECTOR,
            reference=reference,
            orders=1,
            revenue=(
                share.revenue.quantize(Decimal(1), rounding=ROUND_HALF_UP) if share.in_vnd else None
            ),
            product=share.product,
        )
        references.append(reference)
    stale = [r for r in state.activity_references if r not in references]
    delete_activities(ActivitySource.CONNECTOR, stale)
    if unmatched:
        logger.info(
            "Saleor store %s, order %s: %d line(s) not matched to OCOP products",
            connection.domain,
            state.number or order_id,
            len(unmatched),
        )
    state.activity_references = references
    state.unmatched_lines = unmatched
    state.placed_on = day
    if event == ORDER_FULLY_PAID:
        state.status = SaleorOrder.Status.PAID
        state.paid_at = state.paid_at or timezone.now()
    state.save()
    return f"{event}: {len(references)} producer(s) recorded, {len(unmatched)} line(s) unmatched"

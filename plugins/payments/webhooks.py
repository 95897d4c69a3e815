"""Stripe webhooks: verify, record once, and move the order (xử lý webhook của Stripe).

``handle_webhook(payload, signature)`` is the one entry point. It verifies the
``Stripe-Signature`` header with ``stripe.Webhook.construct_event`` and the endpoint secret,
records the event id in ``StripeEvent`` and acts on it in the same transaction, so a retried
delivery of an event already recorded changes nothing and a delivery that failed half-way
leaves no trace and is simply processed again on Stripe's next retry.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import transaction
from oscar.apps.order.models import Order, PaymentEventType
from oscar.apps.order.processing import EventHandler
from oscar.apps.payment.models import Source

from . import payouts, statuses
from .methods import CARD
from .models import ConnectedAccount, StripeEvent
from .stripe_gateway import amount_in_minor_units

logger = logging.getLogger(__name__)

PAID_EVENT_TYPE = ("stripe-paid", "Đã thanh toán bằng thẻ (Stripe)")


class InvalidWebhook(Exception):
    """The request is not a genuine Stripe event: bad or missing signature, or not JSON."""


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    type: str
    #: False when this event id had already been received (a retried delivery).
    first_delivery: bool
    processed: bool


def handle_webhook(payload: bytes, signature: str | None) -> WebhookOutcome:
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")
    # The platform's endpoint and the Connect endpoint (events of connected accounts) may
    # share this URL; each has its own signing secret.
    secrets = [
        secret
        for secret in (settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_CONNECT_WEBHOOK_SECRET)
        if secret
    ]
    if not secrets:
        raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not set; cannot verify any event")
    for secret in secrets:
        try:
            event = stripe.Webhook.construct_event(payload, signature, secret)
        except stripe.SignatureVerificationError as exc:
            failure = exc
            continue
        except ValueError as exc:
            raise InvalidWebhook(f"payload is not JSON: {exc}") from exc
        return handle_event(event)
    raise InvalidWebhook(f"signature verification failed: {failure.user_message or failure}")


@transaction.atomic
def handle_event(event) -> WebhookOutcome:
    """Act once on a verified event."""
    record, created = StripeEvent.objects.get_or_create(
        event_id=event.id, defaults={"type": event.type}
    )
    if not created:
        logger.info("Stripe event %s (%s) delivered again; ignored", event.id, event.type)
        return WebhookOutcome(event.id, event.type, False, record.processed)
    handler = HANDLERS.get(event.type)
    processed = bool(handler and handler(event.data.object.to_dict(), event))
    if processed:
        record.processed = True
        record.save(update_fields=["processed"])
    return WebhookOutcome(event.id, event.type, True, processed)


def _card_source(intent: dict) -> Source | None:
    """The card payment source of the order this PaymentIntent pays, locked for the update."""
    source = (
        Source.objects.select_for_update()
        .select_related("order")
        .filter(source_type__code=CARD, reference=intent["id"])
        .first()
    )
    if source is None:
        order_number = (intent.get("metadata") or {}).get("order_number")
        logger.warning(
            "Stripe: PaymentIntent %s (order number %r in metadata) matches no order here",
            intent["id"],
            order_number,
        )
    return source


def payment_succeeded(intent: dict, event=None) -> bool:
    """``payment_intent.succeeded``: debit the card source, record Oscar's payment event, mark
    the order paid and create its producers' payouts (transferred once this commits)."""
    source = _card_source(intent)
    if source is None:
        return False
    order: Order = source.order
    expected = amount_in_minor_units(order.total_incl_tax, order.currency)
    received = intent.get("amount_received") or intent.get("amount")
    if intent["currency"].upper() != order.currency.upper() or received != expected:
        logger.error(
            "Stripe: PaymentIntent %s paid %s %s but order %s is %s %s; not marked paid",
            intent["id"],
            received,
            intent["currency"],
            order.number,
            expected,
            order.currency,
        )
        return False
    amount = order.total_incl_tax
    if source.amount_debited >= amount:
        return False
    source.debit(amount, reference=intent["id"])
    code, name = PAID_EVENT_TYPE
    event_type, _created = PaymentEventType.objects.get_or_create(
        code=code, defaults={"name": name}
    )
    lines = list(order.lines.all())
    handler = EventHandler()
    handler.handle_payment_event(
        order,
        event_type,
        amount,
        lines=lines,
        line_quantities=[line.quantity for line in lines],
        reference=intent["id"],
    )
    note = f"Stripe: PaymentIntent {intent['id']} succeeded."
    if statuses.PAID in order.available_statuses():
        handler.handle_order_status_change(order, statuses.PAID, note_msg=note)
        payouts.create_order_payouts(order, source_transaction=intent.get("latest_charge") or "")
    else:
        # The money was taken (recorded above) but staff moved the order on, e.g. cancelled
        # it: they must see it and refund.
        handler.create_note(order, f"{note} Order status {order.status!r} kept; check refund.")
        logger.error(
            "Stripe: order %s was paid in status %r; status kept, needs staff attention",
            order.number,
            order.status,
        )
    logger.info("Stripe: order %s paid (PaymentIntent %s)", order.number, intent["id"])
    return True


def payment_failed(intent: dict, event=None) -> bool:
    """``payment_intent.payment_failed``: the shopper's card was refused. The order waits for
    another attempt (the same PaymentIntent can still succeed)."""
    source = _card_source(intent)
    if source is None:
        return False
    order: Order = source.order
    if statuses.PAYMENT_FAILED not in order.available_statuses():
        logger.info(
            "Stripe: payment failure for order %s ignored in status %s", order.number, order.status
        )
        return False
    error = intent.get("last_payment_error") or {}
    reason = error.get("message") or error.get("code") or "unknown reason"
    EventHandler().handle_order_status_change(
        order,
        statuses.PAYMENT_FAILED,
        note_msg=f"Stripe: PaymentIntent {intent['id']} failed: {reason}",
    )
    logger.info("Stripe: payment of order %s failed (%s)", order.number, reason)
    return True


def account_updated(account: dict, event=None) -> bool:
    """``account.updated`` (a Connect event): a producer's connected account changed, e.g.
    onboarding completed. Its payouts waiting for onboarding are sent once it is ready."""
    record = (
        ConnectedAccount.objects.select_for_update().filter(stripe_account_id=account["id"]).first()
    )
    if record is None:
        logger.warning("Stripe: account %s is not a producer's account here", account["id"])
        return False
    created = getattr(event, "created", None)
    as_of = dt.datetime.fromtimestamp(created, tz=dt.UTC) if created else None
    return payouts.apply_account_state(record, account, as_of=as_of)


HANDLERS = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "account.updated": account_updated,
}

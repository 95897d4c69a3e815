"""Talking to Stripe: PaymentIntents through the official ``stripe`` library.

Everything goes through one ``StripeClient`` built from settings. ``STRIPE_API_BASE`` points it
at another server speaking Stripe's API (the test suite's local stand-in); unset, it talks to
api.stripe.com.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

#: Stripe treats VND as a zero-decimal currency: the amount is whole đồng.
ZERO_DECIMAL_CURRENCIES = frozenset({"VND"})


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request; no money moved."""


def client() -> stripe.StripeClient:
    options = {}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def amount_in_minor_units(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount: 150000.00 VND -> 150000; 12.34 EUR -> 1234."""
    factor = 1 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 100
    return int((amount * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def idempotency_key(*, basket_id: int, order_number: str, amount: int, currency: str) -> str:
    """One key per basket submission: the same basket submitted again with the same total (a
    retry after a failure, a double click) gets the same PaymentIntent back from Stripe instead
    of a second one that could be paid twice; a changed basket is a new submission."""
    return f"ocop-basket-{basket_id}-order-{order_number}-{amount}{currency.lower()}"


def create_payment_intent(
    *, order_number: str, basket_id: int, amount: Decimal, currency: str
) -> stripe.PaymentIntent:
    """Create the PaymentIntent for an order about to be placed; the shopper confirms it in the
    browser with Stripe.js and the webhook reports the outcome."""
    minor = amount_in_minor_units(amount, currency)
    try:
        return client().v1.payment_intents.create(
            params={
                "amount": minor,
                "currency": currency.lower(),
                "payment_method_types": ["card"],
                "description": f"OCOP Market #{order_number}",
                "metadata": {"order_number": order_number, "basket_id": str(basket_id)},
            },
            options={
                "idempotency_key": idempotency_key(
                    basket_id=basket_id, order_number=order_number, amount=minor, currency=currency
                )
            },
        )
    except stripe.StripeError as exc:
        logger.error("Stripe: creating the PaymentIntent of order %s failed: %s", order_number, exc)
        raise StripeUnavailable(str(exc)) from exc


def retrieve_payment_intent(intent_id: str) -> stripe.PaymentIntent:
    try:
        return client().v1.payment_intents.retrieve(intent_id)
    except stripe.StripeError as exc:
        logger.error("Stripe: retrieving PaymentIntent %s failed: %s", intent_id, exc)
        raise StripeUnavailable(str(exc)) from exc

"""Talking to Stripe: PaymentIntents and Connect (accounts, onboarding links, transfers)
through the official ``stripe`` library.

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


# Stripe Connect: producers' accounts and the transfers that pay them ------------------------------


def connect_account_idempotency_key(partner_id: int) -> str:
    """One Express account per partner: a double click or a retry gets the same account."""
    return f"ocop-connect-account-partner-{partner_id}"


def create_connected_account(
    *, partner_id: int, name: str, email: str, country: str
) -> stripe.Account:
    """An Express account that can receive transfers (and pay them out to the producer's bank).

    Only the ``transfers`` capability is requested, under the *recipient* service agreement:
    the platform takes the card payments, the producer only receives money. That is also what
    Stripe requires of a connected account in another country than the platform's
    (cross-border payouts), which a Vietnamese producer always is (see docs/payments.md).
    """
    params: dict = {
        "type": "express",
        "country": country,
        "capabilities": {"transfers": {"requested": True}},
        "tos_acceptance": {"service_agreement": "recipient"},
        "business_profile": {"name": name},
        "metadata": {"partner_id": str(partner_id)},
    }
    if email:
        params["email"] = email
    try:
        return client().v1.accounts.create(
            params=params,
            options={"idempotency_key": connect_account_idempotency_key(partner_id)},
        )
    except stripe.StripeError as exc:
        logger.error("Stripe: creating the account of partner %s failed: %s", partner_id, exc)
        raise StripeUnavailable(str(exc)) from exc


def retrieve_account(account_id: str) -> stripe.Account:
    try:
        return client().v1.accounts.retrieve(account_id)
    except stripe.StripeError as exc:
        logger.error("Stripe: retrieving account %s failed: %s", account_id, exc)
        raise StripeUnavailable(str(exc)) from exc


def create_onboarding_link(account_id: str, *, return_url: str, refresh_url: str) -> str:
    """The URL of Stripe's hosted Express onboarding for this account (valid a few minutes,
    single use: an expired link sends the producer to ``refresh_url`` for a new one)."""
    try:
        link = client().v1.account_links.create(
            params={
                "account": account_id,
                "type": "account_onboarding",
                "return_url": return_url,
                "refresh_url": refresh_url,
            }
        )
    except stripe.StripeError as exc:
        logger.error("Stripe: onboarding link for account %s failed: %s", account_id, exc)
        raise StripeUnavailable(str(exc)) from exc
    return link.url


def create_transfer(
    *,
    amount: int,
    currency: str,
    destination: str,
    transfer_group: str,
    source_transaction: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> stripe.Transfer:
    """Move ``amount`` (minor units) from the platform to a connected account. Stripe errors
    are left to the caller, which decides what is worth retrying."""
    params: dict = {
        "amount": amount,
        "currency": currency.lower(),
        "destination": destination,
        "transfer_group": transfer_group,
        "description": description,
        "metadata": metadata,
    }
    if source_transaction:
        params["source_transaction"] = source_transaction
    return client().v1.transfers.create(params=params, options={"idempotency_key": idempotency_key})


def find_transfer(*, transfer_group: str, payout_id: int) -> stripe.Transfer | None:
    """The transfer already made for a payout, if any: looked up before a payout is sent
    again under a new idempotency key, so an earlier attempt whose answer was lost is found
    instead of paid twice."""
    transfers = client().v1.transfers.list(params={"transfer_group": transfer_group, "limit": 100})
    for transfer in transfers.auto_paging_iter():
        if (transfer.to_dict().get("metadata") or {}).get("payout_id") == str(payout_id):
            return transfer
    return None

"""Payouts to producers through Stripe Connect (chi trả tiền hàng cho chủ thể OCOP).

The platform takes the shopper's money (card through Stripe, or cash on delivery collected by
the carrier); each producer in a paid order then receives its lines minus the platform's
commission as a Stripe transfer to its connected account. The entry points:

* ``start_onboarding`` / ``refresh_account`` / ``apply_account_state``: a producer's Express
  account and its onboarding state;
* ``create_order_payouts``: the payouts of a paid order, created once per (order, partner);
* ``settle_cash_on_delivery``: a cash-on-delivery order marked completed;
* ``execute_payout``: one transfer attempt, run by the Celery task ``payments.transfer_payout``;
* ``mark_failed`` / ``retry_payout``: what happens when the task gives up, and staff's retry.

Nothing here pays twice: a payout exists once per (order, partner) (unique constraint), a
transfer is attempted only for a pending payout locked with ``select_for_update``, the request
carries an idempotency key derived from the payout, and a payout sent again under a new key
first looks for a transfer an earlier attempt may have made.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial

import stripe
from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.order.models import Order, PaymentEventType
from oscar.apps.order.processing import EventHandler
from oscar.apps.partner.models import Partner

from . import statuses, stripe_gateway
from .methods import COD
from .models import ConnectedAccount, Payout

logger = logging.getLogger(__name__)

#: Oscar payment event recorded when the cash of a cash-on-delivery order is collected.
CASH_COLLECTED_EVENT_TYPE = ("cod-collected", "Đã thu tiền mặt khi giao hàng")
#: Stripe errors worth trying again later: the request may not have reached Stripe, Stripe
#: had a problem, or asked us to slow down. Anything else (a refused request) will not fix
#: itself and fails the payout at once.
RETRYABLE_ERRORS = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)
WHOLE = Decimal(1)


class PayoutError(Exception):
    """An action on a payout that cannot be done; the message says why, for the user."""


# Commission ---------------------------------------------------------------------------------------


def parse_commission(value: object) -> Decimal:
    """``OCOP_PLATFORM_COMMISSION`` as a fraction: "0.05", 0.05 and "5%" all mean 5 %."""
    text = str(value).strip()
    try:
        rate = Decimal(text[:-1].strip()) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise ValueError(
            f"OCOP_PLATFORM_COMMISSION must be a fraction such as 0.05 or a percentage such "
            f"as 5%; got {value!r}"
        ) from None
    if not Decimal(0) <= rate < Decimal(1):
        raise ValueError(
            f"OCOP_PLATFORM_COMMISSION must be at least 0 and below 1 (100%); got {value!r}"
        )
    return rate


def commission_rate() -> Decimal:
    try:
        return parse_commission(settings.OCOP_PLATFORM_COMMISSION)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


@register()
def check_commission_setting(app_configs=None, **kwargs) -> list[Error]:
    """``manage.py check`` (and every command) names a bad commission setting at start-up
    rather than when the first order is paid."""
    try:
        parse_commission(settings.OCOP_PLATFORM_COMMISSION)
    except ValueError as exc:
        return [Error(str(exc), id="payments.E001")]
    return []


def split_amount(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(commission, net) of ``gross`` đồng at ``rate``, in whole đồng.

    The gross is rounded to whole đồng (VND has no minor unit), the commission is ``gross *
    rate`` rounded to the nearest đồng with halves rounded up, and the net is what is left, so
    ``commission + net == gross`` always holds.
    """
    gross = gross.quantize(WHOLE, rounding=ROUND_HALF_UP)
    commission = (gross * rate).quantize(WHOLE, rounding=ROUND_HALF_UP)
    return commission, gross - commission


# Connected accounts and onboarding ----------------------------------------------------------------


def _producer_email(partner: Partner) -> str:
    producer = getattr(partner, "ocop_producer", None)
    return getattr(producer, "email", "") or ""


def ensure_connected_account(partner: Partner) -> ConnectedAccount:
    """The partner's connected account, created at Stripe (Express) the first time."""
    existing = ConnectedAccount.objects.filter(partner=partner).first()
    if existing is not None:
        return existing
    account = stripe_gateway.create_connected_account(
        partner_id=partner.pk,
        name=partner.name,
        email=_producer_email(partner),
        country=settings.OCOP_CONNECT_ACCOUNT_COUNTRY,
    )
    record, _created = ConnectedAccount.objects.get_or_create(
        partner=partner, defaults={"stripe_account_id": account.id}
    )
    apply_account_state(record, account.to_dict())
    return record


def start_onboarding(partner: Partner, *, return_url: str, refresh_url: str) -> str:
    """The Stripe-hosted onboarding URL to send the producer to (creating its account if
    needed). Raises ``StripeUnavailable`` when Stripe cannot be reached."""
    account = ensure_connected_account(partner)
    return stripe_gateway.create_onboarding_link(
        account.stripe_account_id, return_url=return_url, refresh_url=refresh_url
    )


def refresh_account(account: ConnectedAccount) -> ConnectedAccount:
    """Read the account's state from Stripe now (the producer is back from onboarding)."""
    data = stripe_gateway.retrieve_account(account.stripe_account_id).to_dict()
    apply_account_state(account, data)
    return account


def apply_account_state(
    account: ConnectedAccount, data: dict, *, as_of: dt.datetime | None = None
) -> bool:
    """Store Stripe's view of the account; payouts that waited for onboarding are released
    once it is ready. False when ``as_of`` (default: now) is older than the state already
    stored. Times are whole seconds, like the ``created`` of Stripe's events, so an event of
    the same second as a state read from the API is still applied."""
    as_of = as_of or timezone.now().replace(microsecond=0)
    if account.state_as_of and as_of < account.state_as_of:
        logger.info("Stripe: stale state of account %s ignored", account.stripe_account_id)
        return False
    requirements = data.get("requirements") or {}
    account.charges_enabled = bool(data.get("charges_enabled"))
    account.payouts_enabled = bool(data.get("payouts_enabled"))
    account.details_submitted = bool(data.get("details_submitted"))
    account.transfers_capability = (data.get("capabilities") or {}).get("transfers") or ""
    account.requirements_due = list(requirements.get("currently_due") or [])
    account.disabled_reason = requirements.get("disabled_reason") or ""
    account.state_as_of = as_of
    account.save()
    if account.ready_for_transfers:
        release_awaiting_payouts(account.partner_id)
    return True


def release_awaiting_payouts(partner_id: int) -> list[int]:
    """Payouts that waited for the partner's onboarding go back to pending and are sent."""
    with transaction.atomic():
        ids = list(
            Payout.objects.select_for_update()
            .filter(partner_id=partner_id, status=Payout.Status.AWAITING_ONBOARDING)
            .values_list("pk", flat=True)
        )
        Payout.objects.filter(pk__in=ids).update(
            status=Payout.Status.PENDING, updated_at=timezone.now()
        )
        for payout_id in ids:
            schedule_transfer(payout_id)
    if ids:
        logger.info("Payouts %s of partner %s released after onboarding", ids, partner_id)
    return ids


# Payouts of a paid order --------------------------------------------------------------------------


def create_order_payouts(order: Order, *, source_transaction: str = "") -> list[Payout]:
    """One payout per partner with lines in ``order``; a payout that already exists is left as
    it is, so calling this again (a replayed event, a status set twice) creates nothing."""
    gross_by_partner: dict[int, Decimal] = defaultdict(Decimal)
    for line in order.lines.all():
        if line.partner_id is None:
            logger.error(
                "Order %s line %s has no partner (deleted?); nobody to pay", order.number, line.pk
            )
            continue
        gross_by_partner[line.partner_id] += line.line_price_incl_tax
    rate = commission_rate()
    payouts = []
    for partner_id, gross in sorted(gross_by_partner.items()):
        commission, net = split_amount(gross, rate)
        payout, created = Payout.objects.get_or_create(
            order=order,
            partner_id=partner_id,
            defaults={
                "currency": order.currency,
                "gross": commission + net,
                "commission_rate": rate,
                "commission": commission,
                "net": net,
                "source_transaction": source_transaction,
            },
        )
        if created:
            schedule_transfer(payout.pk)
        payouts.append(payout)
    return payouts


def settle_cash_on_delivery(order: Order) -> list[Payout]:
    """A cash-on-delivery order delivered and paid: record the cash as collected and pay the
    producers from the platform's balance. Orders paid otherwise are left alone."""
    source = order.sources.select_for_update().filter(source_type__code=COD).first()
    if source is None:
        return []
    amount = order.total_incl_tax
    if source.amount_debited < amount:
        source.debit(amount - source.amount_debited)
        code, name = CASH_COLLECTED_EVENT_TYPE
        event_type, _created = PaymentEventType.objects.get_or_create(
            code=code, defaults={"name": name}
        )
        lines = list(order.lines.all())
        EventHandler().handle_payment_event(
            order,
            event_type,
            amount,
            lines=lines,
            line_quantities=[line.quantity for line in lines],
        )
    return create_order_payouts(order)


def on_order_status_changed(sender, order: Order, old_status, new_status, **kwargs) -> None:
    """Oscar's ``order_status_changed``: a cash-on-delivery order marked completed (delivered,
    cash collected) is settled."""
    if new_status == statuses.COMPLETED:
        settle_cash_on_delivery(order)


# Sending a payout ---------------------------------------------------------------------------------


def schedule_transfer(payout_id: int) -> None:
    """Queue the transfer once the current transaction commits (a rolled-back payout is never
    sent)."""
    transaction.on_commit(partial(_enqueue, payout_id))


def _enqueue(payout_id: int) -> None:
    from .tasks import transfer_payout_task

    transfer_payout_task.delay(payout_id)


def transfer_idempotency_key(payout: Payout) -> str:
    """Every attempt of one payout sends the same key, so Stripe makes the transfer at most
    once however often the task is retried. A staff retry after a failure moves to the next
    key generation: Stripe stores a request's outcome (errors included) under its key for 24
    hours and would otherwise answer the retry with the old failure."""
    key = f"ocop-payout-{payout.pk}"
    return key if not payout.key_generation else f"{key}-retry-{payout.key_generation}"


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, stripe.StripeError):
        message = exc.user_message or str(exc)
        code = f" [{exc.code}]" if exc.code else ""
        return f"{type(exc).__name__}{code}: {message}"
    return f"{type(exc).__name__}: {exc}"


def execute_payout(payout_id: int) -> Payout:
    """One attempt at the payout's transfer. A Stripe error is recorded on the payout (the
    attempt counts) and raised again for the task to retry or give up."""
    error: stripe.StripeError | None = None
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update().select_related("order", "partner").get(pk=payout_id)
        )
        if payout.status != Payout.Status.PENDING:
            return payout
        account = ConnectedAccount.objects.filter(partner_id=payout.partner_id).first()
        if account is None or not account.ready_for_transfers:
            payout.status = Payout.Status.AWAITING_ONBOARDING
            payout.save(update_fields=["status", "updated_at"])
            logger.info("Payout %s waits for partner %s to onboard", payout.pk, payout.partner_id)
            return payout
        payout.destination = account.stripe_account_id
        payout.attempts += 1
        try:
            transfer = None
            if payout.attempts > 1:
                transfer = stripe_gateway.find_transfer(
                    transfer_group=payout.order.number, payout_id=payout.pk
                )
            if transfer is None:
                transfer = stripe_gateway.create_transfer(
                    amount=stripe_gateway.amount_in_minor_units(payout.net, payout.currency),
                    currency=payout.currency,
                    destination=account.stripe_account_id,
                    transfer_group=payout.order.number,
                    source_transaction=payout.source_transaction,
                    description=f"OCOP Market #{payout.order.number}: {payout.partner.name}",
                    metadata={
                        "payout_id": str(payout.pk),
                        "order_number": payout.order.number,
                        "partner_id": str(payout.partner_id),
                    },
                    idempotency_key=transfer_idempotency_key(payout),
                )
        except stripe.StripeError as exc:
            error = exc
            payout.last_error = describe_error(exc)
            payout.save(update_fields=["destination", "attempts", "last_error", "updated_at"])
            logger.warning(
                "Payout %s attempt %s failed: %s", payout.pk, payout.attempts, payout.last_error
            )
        else:
            payout.status = Payout.Status.PAID
            payout.transfer_id = transfer.id
            payout.paid_at = timezone.now()
            payout.last_error = ""
            payout.save()
            logger.info(
                "Payout %s: %s %s to %s (transfer %s)",
                payout.pk,
                payout.net,
                payout.currency,
                payout.destination,
                transfer.id,
            )
    if error is not None:
        raise error
    return payout


def mark_failed(payout_id: int, exc: BaseException) -> None:
    """The task gave up (retries exhausted, or an error that retrying will not fix): the payout
    is failed, logged as an error and listed for staff, who can retry it."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(pk=payout_id).first()
        if payout is None or payout.status != Payout.Status.PENDING:
            return
        payout.status = Payout.Status.FAILED
        payout.last_error = describe_error(exc)
        payout.save(update_fields=["status", "last_error", "updated_at"])
    logger.error(
        "Payout %s (order %s, partner %s) failed after %s attempt(s): %s",
        payout.pk,
        payout.order_id,
        payout.partner_id,
        payout.attempts,
        payout.last_error,
    )


def retry_payout(payout_id: int) -> Payout:
    """Staff's retry: a failed payout goes back to pending under a new idempotency key; a
    pending one is queued again (its key stays, so it cannot be paid twice)."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status == Payout.Status.FAILED:
            payout.status = Payout.Status.PENDING
            payout.key_generation += 1
            payout.save(update_fields=["status", "key_generation", "updated_at"])
        elif payout.status != Payout.Status.PENDING:
            raise PayoutError(
                _(
                    "Payout %(id)s is “%(status)s”: only a failed or pending payout can be "
                    "sent again."
                )
                % {"id": payout.pk, "status": payout.get_status_display()}
            )
        schedule_transfer(payout.pk)
    return payout

"""What the payments plugin stores itself; orders, sources and payment events are Oscar's."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class StripeEvent(models.Model):
    """A Stripe webhook event received and verified (sự kiện Stripe).

    Stripe delivers an event at least once and retries until it gets a 2xx answer, so the same
    event can arrive several times. Its id is stored on first delivery, in the same transaction
    as the order change it causes; a later delivery of the same id changes nothing.
    ``processed`` is false for events that were received but had nothing to act on (a type we
    do not handle, a PaymentIntent of no order here).
    """

    event_id = models.CharField(_("Stripe event id"), max_length=255, unique=True)
    type = models.CharField(_("Event type"), max_length=100)
    received_at = models.DateTimeField(_("Received at"), auto_now_add=True)
    processed = models.BooleanField(_("Processed"), default=False)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} ({self.type})"


class ConnectedAccount(models.Model):
    """A producer's Stripe Connect account (tài khoản nhận tiền), created by Express onboarding.

    One per Oscar partner. The flags mirror Stripe's Account object as last seen (from the
    ``account.updated`` webhook or when the producer comes back from onboarding); transfers go
    only to an account that is ``ready_for_transfers``.
    """

    partner = models.OneToOneField(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="stripe_account",
        verbose_name=_("Partner"),
    )
    stripe_account_id = models.CharField(_("Stripe account id"), max_length=255, unique=True)
    charges_enabled = models.BooleanField(_("Charges enabled"), default=False)
    payouts_enabled = models.BooleanField(_("Payouts enabled"), default=False)
    details_submitted = models.BooleanField(_("Details submitted"), default=False)
    #: Status of the account's ``transfers`` capability: "active", "inactive", "pending" or "".
    transfers_capability = models.CharField(_("Transfers capability"), max_length=20, blank=True)
    #: Stripe's ``requirements.currently_due``: what the producer still has to provide.
    requirements_due = models.JSONField(_("Requirements due"), default=list, blank=True)
    disabled_reason = models.CharField(_("Disabled reason"), max_length=255, blank=True)
    #: When Stripe produced the state stored here; an older ``account.updated`` event arriving
    #: late does not overwrite a newer state.
    state_as_of = models.DateTimeField(_("State as of"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Connected account")
        verbose_name_plural = _("Connected accounts")

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.partner})"

    @property
    def ready_for_transfers(self) -> bool:
        """Onboarding is complete: Stripe has the details, payouts are on and the account may
        receive transfers."""
        return (
            self.details_submitted
            and self.payouts_enabled
            and self.transfers_capability == "active"
        )


class Payout(models.Model):
    """What one producer receives for its lines of one order (khoản chi trả cho chủ thể).

    Created once per (order, partner) when the order is paid: by card when Stripe confirms the
    payment, cash on delivery when staff mark the order completed. ``gross`` is the sum of the
    producer's lines, ``commission`` the platform's share of it and ``net = gross -
    commission`` the amount transferred, all in whole đồng.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending transfer")
        AWAITING_ONBOARDING = "not_onboarded", _("Awaiting onboarding")
        PAID = "paid", _("Transferred")
        FAILED = "failed", _("Transfer failed")

    order = models.ForeignKey(
        "order.Order", on_delete=models.PROTECT, related_name="payouts", verbose_name=_("Order")
    )
    partner = models.ForeignKey(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="payouts",
        verbose_name=_("Partner"),
    )
    currency = models.CharField(_("Currency"), max_length=3, default="VND")
    gross = models.DecimalField(_("Gross"), max_digits=14, decimal_places=0)
    commission_rate = models.DecimalField(_("Commission rate"), max_digits=5, decimal_places=4)
    commission = models.DecimalField(_("Commission"), max_digits=14, decimal_places=0)
    net = models.DecimalField(_("Net amount"), max_digits=14, decimal_places=0)
    #: The card charge the money came from (Stripe ``source_transaction``); empty for cash on
    #: delivery, which is paid from the platform's balance.
    source_transaction = models.CharField(_("Source charge"), max_length=255, blank=True)
    destination = models.CharField(_("Destination account"), max_length=255, blank=True)
    transfer_id = models.CharField(_("Stripe transfer id"), max_length=255, blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    #: Bumped when staff retry a failed payout: part of the idempotency key, so Stripe does not
    #: replay the stored failure of the previous key (see ``payouts.transfer_idempotency_key``).
    key_generation = models.PositiveIntegerField(_("Key generation"), default=0)
    last_error = models.TextField(_("Last error"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("Paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Payout")
        verbose_name_plural = _("Payouts")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "partner"], name="payout_once_per_order_partner"
            )
        ]
        permissions = [("retry_payout", _("Can retry a failed payout"))]

    def __str__(self) -> str:
        return f"Payout {self.pk} of order {self.order_id} to partner {self.partner_id}"

    @property
    def commission_percent(self) -> Decimal:
        """The commission rate as a percentage: 0.05 -> 5."""
        return self.commission_rate * 100

    @property
    def retryable(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.PENDING)

"""What the payments plugin stores itself; orders, sources and payment events are Oscar's."""

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

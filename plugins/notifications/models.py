"""What was decided to send to whom, and what became of it (nhật ký thông báo).

Each email a producer should get is first *recorded* as a row whose unique constraint names
the event it is about: one per (order, producer) and one per (certificate, threshold). The row
is written before anything is sent, so an event seen twice (a signal fired twice, two
reminder runs on the same day) finds the row there and sends nothing more. The row keeps the
recipients, subject and body as decided, and the delivery's outcome, so staff can see in the
admin who was told what, who could not be told and why.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    #: Recorded; a delivery is scheduled (first attempt or a retry).
    PENDING = "pending", _("Waiting to be sent")
    #: Taken by one delivery, which is sending it now.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    #: Never sent, for the reason in ``skip_reason``.
    SKIPPED = "skipped", _("Skipped")
    #: The mail server refused it on every attempt; no further automatic attempt.
    FAILED = "failed", _("Failed")


class SkipReason(models.TextChoices):
    NO_RECIPIENT = (
        "no_recipient",
        _(
            "No recipient: the producer has no active user with an email address "
            "and no contact email"
        ),
    )


class Notification(models.Model):
    """One email to one producer: its recipients, text and delivery state."""

    producer = models.ForeignKey(
        "ocop.Producer", on_delete=models.CASCADE, related_name="+", verbose_name=_("producer")
    )
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    skip_reason = models.CharField(
        _("reason skipped"), max_length=32, choices=SkipReason.choices, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    #: The run that recorded the row, then the delivery that took it: how each of them knows
    #: which rows are its own when another one works on the same events at the same time.
    claim = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class OrderNotification(Notification):
    """The email telling a producer about a new order for its products (đơn hàng mới)."""

    order = models.ForeignKey(
        "order.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )

    class Meta(Notification.Meta):
        verbose_name = _("new-order email")
        verbose_name_plural = _("new-order emails")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "producer"], name="notifications_one_email_per_order_producer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.producer_id} ({self.status})"


class ExpiryReminder(Notification):
    """A reminder that a product's OCOP certificate expires soon (sắp hết hạn chứng nhận)."""

    class Threshold(models.IntegerChoices):
        DAYS_90 = 90, _("90 days before expiry")
        DAYS_30 = 30, _("30 days before expiry")

    certificate = models.ForeignKey(
        "ocop.Certificate",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("certificate"),
    )
    threshold_days = models.PositiveSmallIntegerField(_("threshold"), choices=Threshold.choices)
    as_of = models.DateField(_("decided on"))
    days_left = models.PositiveSmallIntegerField(_("days left"))

    class Meta(Notification.Meta):
        verbose_name = _("certificate expiry reminder")
        verbose_name_plural = _("certificate expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "threshold_days"],
                name="notifications_one_reminder_per_certificate_threshold",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} @{self.threshold_days}d ({self.status})"

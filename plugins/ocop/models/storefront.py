"""What shoppers send back to the marketplace: reports of suspected counterfeit OCOP goods."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .certificates import OcopProduct


class CounterfeitReport(models.Model):
    """A shopper's report of a suspected fake OCOP product (hàng giả), sent from the product's
    traceability page; the Department of Industry and Trade follows it up."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        INVESTIGATING = "investigating", _("Investigating")
        CLOSED = "closed", _("Closed")

    product = models.ForeignKey(
        OcopProduct, on_delete=models.CASCADE, related_name="counterfeit_reports"
    )
    where_seen = models.CharField(_("where the product was seen or bought"), max_length=300)
    description = models.TextField(_("what looks wrong"))
    reporter_name = models.CharField(_("your name"), max_length=150, blank=True)
    reporter_contact = models.CharField(_("phone or email"), max_length=150, blank=True)
    photo = models.ImageField(_("photo"), upload_to="ocop/counterfeit/%Y/%m/", blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    staff_note = models.TextField(_("staff note"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("counterfeit report")
        verbose_name_plural = _("counterfeit reports")

    def __str__(self) -> str:
        return f"{self.product} ({self.created_at:%d/%m/%Y})"

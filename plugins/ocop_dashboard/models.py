"""What the producer workspace stores: the invitations department staff send to producer users."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProducerInvitation(models.Model):
    """One invitation (lời mời) of a user to manage a producer's listings: who was invited to
    which producer, by whom and when, and when the user set a password through it."""

    producer = models.ForeignKey(
        "ocop.Producer",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("producer"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="producer_invitations",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("password set at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("producer invitation")
        verbose_name_plural = _("producer invitations")
        permissions = [("invite_producer_user", _("Can invite producer users"))]

    def __str__(self) -> str:
        return f"{self.email} → {self.producer}"

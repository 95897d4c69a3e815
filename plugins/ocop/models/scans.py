"""Certificate scans (bản scan giấy chứng nhận) and the certification changes producers ask for
(đề nghị điều chỉnh thông tin chứng nhận).

Certification data — stars, decision, score, validity — is never edited by producers: they
upload the scan of a new decision and ask; department staff approve or reject, and approval
records the decision through the certificate rules (plugins/ocop/workspace/services.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..uploads import get_private_storage
from .certificates import Certificate, OcopProduct, Producer


def scan_upload_to(instance: CertificateScan, filename: str) -> str:
    """``scans/producer-<id>/<year>/<random>.<ext>`` inside the private storage: the owner is
    in the path, the name cannot be guessed, and the extension is what the content is (the
    original name is kept on the row)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    year = timezone.localdate().year
    return f"scans/producer-{instance.producer_id}/{year}/{uuid.uuid4().hex}.{extension}"


class CertificateScan(models.Model):
    """A scan of a certificate or recognition decision, kept private: only its producer's users
    and department staff open it, through a short-lived signed URL."""

    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="certificate_scans"
    )
    certificate = models.ForeignKey(
        Certificate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scans",
        help_text=_("The certificate the scan shows; empty while its change request waits."),
    )
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=scan_upload_to, max_length=255
    )
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("certificate scan")
        verbose_name_plural = _("certificate scans")

    def __str__(self) -> str:
        return self.original_name


class CertificationChangeRequest(models.Model):
    """A producer's request to change the certification data of one of its products, with the
    scan of the decision attached. Pending until department staff approve or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="certification_requests"
    )
    product = models.ForeignKey(
        OcopProduct, on_delete=models.CASCADE, related_name="certification_requests"
    )
    certificate = models.ForeignKey(
        Certificate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The product's current certificate when the change was requested."),
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    valid_until = models.DateField(_("valid until"))
    scan = models.ForeignKey(CertificateScan, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    staff_comment = models.TextField(_("staff comment"), blank=True)
    resulting_certificate = models.ForeignKey(
        Certificate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The certificate the approval recorded."),
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("certification change request")
        verbose_name_plural = _("certification change requests")
        permissions = [
            (
                "review_certificationchangerequest",
                _("Can review certification change requests and open certificate scans"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} – {self.stars}★ {self.decision_number}"

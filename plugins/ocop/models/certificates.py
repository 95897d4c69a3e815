"""The OCOP domain: producers (chủ thể OCOP), product groups, products and their certificates.

Oscar owns the sellable product and the partner; the models here add what OCOP knows about
them. Each producer *is* an Oscar ``Partner`` (one-to-one) and each OCOP product *is* an Oscar
``Product``; the current star rank and certificate are also copied onto Oscar product
attributes so Oscar's storefront, search and dashboard can see them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Decision 148/QĐ-TTg: a certificate is valid for 36 months from the recognition decision.
VALIDITY_MONTHS = 36
#: A certificate within this many days of its end is shown as expiring.
EXPIRING_WITHIN_DAYS = 90
#: Stars from which a rank counts as OCOP-certified (1–2 stars exist only in pre-2023 lists).
MIN_CERTIFIED_STARS = 3


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def local_today() -> dt.date:
    """Today in the marketplace's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()


class ProducerType(models.TextChoices):
    COOPERATIVE = "cooperative", _("Cooperative")
    COOPERATIVE_GROUP = "cooperative_group", _("Cooperative group")
    ENTERPRISE = "enterprise", _("Enterprise")
    HOUSEHOLD = "household", _("Household business")
    OTHER = "other", _("Other")


class IssuingLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")
    CENTRAL = "central", _("Central")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring within 90 days")
    EXPIRED = "expired", _("Expired")
    REEVALUATED = "reevaluated", _("Re-evaluated")
    UPGRADED = "upgraded", _("Upgraded")
    REVOKED = "revoked", _("Revoked")


class ProductGroup(models.Model):
    """One of the six product groups (nhóm sản phẩm) of Decision 148/QĐ-TTg."""

    code = models.PositiveSmallIntegerField(_("code"), unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    is_service = models.BooleanField(
        _("is a service"), default=False, help_text=_("Tourism services are booked, not shipped.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")

    def __str__(self) -> str:
        return f"{self.code}. {self.name_vi}"


class Producer(models.Model):
    """An OCOP subject (chủ thể OCOP): cooperative, enterprise or household that makes products.

    The administrative unit is kept twice: as written on the certificate (the 2024 province,
    district and commune, which the plan's targets speak of) and as it is after the 2025
    reform (province and commune/ward, no district).
    """

    partner = models.OneToOneField(
        "partner.Partner", on_delete=models.PROTECT, related_name="ocop_producer"
    )
    name = models.CharField(_("name"), max_length=255)
    match_key = models.CharField(
        _("matching key"),
        max_length=400,
        unique=True,
        help_text=_("Folded name: how lists are matched to producers without a tax code."),
    )
    type = models.CharField(_("type"), max_length=32, choices=ProducerType.choices)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    craft_village = models.CharField(_("craft village"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)

    legacy_province = models.CharField(_("province (2024)"), max_length=100, blank=True)
    legacy_province_code = models.CharField(max_length=10, blank=True)
    legacy_district = models.CharField(_("district (2024)"), max_length=100, blank=True)
    legacy_district_code = models.CharField(max_length=10, blank=True, db_index=True)
    legacy_commune = models.CharField(_("commune (2024)"), max_length=100, blank=True)
    legacy_commune_code = models.CharField(max_length=10, blank=True)
    province = models.CharField(_("province (current)"), max_length=100, blank=True)
    province_code = models.CharField(max_length=10, blank=True, db_index=True)
    commune = models.CharField(_("commune/ward (current)"), max_length=100, blank=True)
    commune_code = models.CharField(max_length=10, blank=True, db_index=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("producer")
        verbose_name_plural = _("producers")

    def __str__(self) -> str:
        return self.name


class OcopProduct(models.Model):
    """What OCOP knows about a product: its producer, group and certificate history."""

    product = models.OneToOneField(
        "catalogue.Product", on_delete=models.CASCADE, related_name="ocop"
    )
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products")
    group = models.ForeignKey(ProductGroup, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=255)
    match_key = models.CharField(max_length=300)
    search_key = models.TextField(
        blank=True,
        help_text=_(
            "Folded product, producer, place and craft-village names: what storefront search "
            "matches, so “banh da” finds “Bánh đa” on every database."
        ),
    )
    current_certificate = models.ForeignKey(
        "Certificate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The latest decision on this product."),
    )

    class Meta:
        verbose_name = _("OCOP product")
        verbose_name_plural = _("OCOP products")
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "match_key"], name="ocop_product_unique_per_producer"
            )
        ]

    def __str__(self) -> str:
        return self.name


def certified_on_q(day: dt.date) -> models.Q:
    """The condition of a certificate that makes its product OCOP-certified (3★+) on ``day``,
    as a ``Q`` (to count over several days in one query)."""
    return models.Q(
        stars__gte=MIN_CERTIFIED_STARS,
        decision_date__lte=day,
        valid_until__gte=day,
        revoked_on__isnull=True,
    ) & (models.Q(superseded_on__isnull=True) | models.Q(superseded_on__gt=day))


class CertificateQuerySet(models.QuerySet):
    def certified_on(self, day: dt.date) -> CertificateQuerySet:
        """Certificates that make their product OCOP-certified (3★+) on ``day``."""
        return self.filter(certified_on_q(day))


class Certificate(models.Model):
    """One recognition decision (quyết định công nhận) ranking a product with stars.

    A re-evaluation (đánh giá lại) or an upgrade (nâng hạng) is a new certificate in the
    product's history; the older one is then *superseded* and never overwritten.
    """

    product = models.ForeignKey(OcopProduct, on_delete=models.CASCADE, related_name="certificates")
    stars = models.PositiveSmallIntegerField(_("stars"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"))
    decision_date_is_year_only = models.BooleanField(
        default=False, help_text=_("The list gave only the year; the date is 1 January.")
    )
    issuing_level = models.CharField(
        _("issuing level"), max_length=16, choices=IssuingLevel.choices
    )
    valid_until = models.DateField(_("valid until"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    superseded_on = models.DateField(
        _("superseded on"),
        null=True,
        blank=True,
        help_text=_("Date of the next decision on the same product."),
    )
    superseded_by_upgrade = models.BooleanField(default=False)
    import_run = models.ForeignKey(
        "ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_row = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["product", "decision_date", "id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "decision_number", "decision_date"],
                name="ocop_certificate_unique_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} – {self.stars}★ ({self.decision_number or self.decision_date})"

    @property
    def is_legacy_rank(self) -> bool:
        """1–2 stars from pre-2023 lists: kept, never shown as OCOP-certified."""
        return self.stars < MIN_CERTIFIED_STARS

    def status(self, today: dt.date | None = None) -> str:
        """The certificate's state on ``today``, derived from its dates and later decisions."""
        today = today or local_today()
        if self.revoked_on and self.revoked_on <= today:
            return CertificateStatus.REVOKED
        if self.superseded_on and self.superseded_on <= today:
            if self.superseded_by_upgrade:
                return CertificateStatus.UPGRADED
            return CertificateStatus.REEVALUATED
        if today > self.valid_until:
            return CertificateStatus.EXPIRED
        if (self.valid_until - today).days <= EXPIRING_WITHIN_DAYS:
            return CertificateStatus.EXPIRING
        return CertificateStatus.VALID

    def is_certified(self, today: dt.date | None = None) -> bool:
        """Whether this certificate makes its product OCOP-certified (shows a badge) today."""
        return not self.is_legacy_rank and self.status(today) in (
            CertificateStatus.VALID,
            CertificateStatus.EXPIRING,
        )


class ImportRun(models.Model):
    """One run of the certificate import, from the CLI, the upload page or a Celery task."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed (nothing written)")

    file = models.FileField(_("file"), upload_to="ocop/imports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    dry_run = models.BooleanField(_("dry run"), default=False)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("certificate import")
        verbose_name_plural = _("certificate imports")
        permissions = [("run_certificate_import", _("Can import OCOP certificate lists"))]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

"""What the Saleor App connector keeps: allowed stores, connections (with their encrypted
token and cached signing keys), orders reported by webhooks, and publish runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plugins.ocop.models import Channel, OcopProduct

from .crypto import decrypt_token, encrypt_token


class AllowedSaleorApi(models.Model):
    """A Saleor API URL that staff allowed to install the app (danh sách cho phép).

    Registration is accepted only from these URLs, compared after ``urls.normalize_api_url``."""

    api_url = models.CharField(_("Saleor API URL"), max_length=500, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("allowed at"), auto_now_add=True)

    class Meta:
        ordering = ["api_url"]
        verbose_name = _("allowed Saleor API URL")
        verbose_name_plural = _("allowed Saleor API URLs")

    def __str__(self) -> str:
        return self.api_url


class SaleorConnectionQuerySet(models.QuerySet):
    def active(self) -> SaleorConnectionQuerySet:
        return self.filter(is_active=True)


class SaleorConnection(models.Model):
    """One connected Saleor store (cửa hàng Saleor đã kết nối), one per API URL.

    The app token is stored encrypted (``crypto``) and is never shown, logged or returned;
    the store's public signing keys (JWKS) are cached here by key id."""

    api_url = models.CharField(_("Saleor API URL"), max_length=500, unique=True)
    domain = models.CharField(_("Saleor domain"), max_length=255, db_index=True)
    shop_name = models.CharField(_("store name"), max_length=255, blank=True)
    saleor_app_id = models.CharField(_("app id in the store"), max_length=255, blank=True)
    schema_version = models.CharField(_("Saleor schema version"), max_length=20, blank=True)
    token_encrypted = models.TextField(editable=False)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="saleor_connections"
    )
    jwks = models.JSONField(default=dict, blank=True, editable=False)
    jwks_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    connected_at = models.DateTimeField(_("connected at"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SaleorConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]
        verbose_name = _("Saleor store connection")
        verbose_name_plural = _("Saleor store connections")
        permissions = [
            ("manage_saleor", _("Can connect Saleor stores and publish the catalogue to them"))
        ]

    def __str__(self) -> str:
        return self.shop_name or self.domain

    def set_token(self, token: str) -> None:
        self.token_encrypted = encrypt_token(token)

    def get_token(self) -> str:
        return decrypt_token(self.token_encrypted)


class WebhookDelivery(models.Model):
    """A verified webhook body, stored once: a redelivery of the same body changes nothing."""

    connection = models.ForeignKey(
        SaleorConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=50)
    digest = models.CharField(_("SHA-256 of the body"), max_length=64)
    order_id = models.CharField(_("Saleor order id"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("Saleor webhook delivery")
        verbose_name_plural = _("Saleor webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "digest"], name="saleor_delivery_unique_body"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.order_id}"


class SaleorOrder(models.Model):
    """An order of a connected store as its webhooks told it (đơn hàng từ Saleor).

    ``activity_references`` are the channel-activity references recorded for it, so an edited
    or cancelled order removes exactly its own activity; a cancelled order stays cancelled
    whatever arrives late."""

    class Status(models.TextChoices):
        CREATED = "created", _("Placed")
        PAID = "paid", _("Fully paid")
        CANCELLED = "cancelled", _("Cancelled")

    connection = models.ForeignKey(
        SaleorConnection, on_delete=models.CASCADE, related_name="orders"
    )
    saleor_id = models.CharField(_("Saleor order id"), max_length=255)
    number = models.CharField(_("order number"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, null=True, blank=True)
    placed_on = models.DateField(_("placed on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    activity_references = models.JSONField(default=list, blank=True)
    unmatched_lines = models.JSONField(
        _("lines not matched to OCOP products"), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Saleor order")
        verbose_name_plural = _("Saleor orders")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "saleor_id"], name="saleor_order_unique_per_store"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection} #{self.number or self.saleor_id}"


class PublishRun(models.Model):
    """One publish of the OCOP catalogue to a store, from the command, the dashboard or the
    periodic star refresh; ``done``/``total`` are its progress, ``result`` its summary."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to run")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped by an error")

    connection = models.ForeignKey(
        SaleorConnection, on_delete=models.CASCADE, related_name="publish_runs"
    )
    channel_slug = models.CharField(_("Saleor channel"), max_length=255, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    stars_only = models.BooleanField(_("star refresh only"), default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    task_id = models.CharField(max_length=64, blank=True)
    total = models.PositiveIntegerField(_("products"), default=0)
    done = models.PositiveIntegerField(_("products done"), default=0)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Saleor publish run")
        verbose_name_plural = _("Saleor publish runs")

    def __str__(self) -> str:
        return f"{self.connection} {self.created_at:%d/%m/%Y %H:%M}"


class PublishedProduct(models.Model):
    """An OCOP product as last published to a store: its ids there and the certificate values
    sent, so the periodic star refresh touches only products whose certificate changed."""

    connection = models.ForeignKey(
        SaleorConnection, on_delete=models.CASCADE, related_name="published_products"
    )
    product = models.ForeignKey(OcopProduct, on_delete=models.CASCADE, related_name="+")
    saleor_product_id = models.CharField(max_length=255)
    saleor_variant_id = models.CharField(max_length=255, blank=True)
    stars = models.CharField(_("star value sent"), max_length=50, blank=True)
    decision_number = models.CharField(max_length=100, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("published product")
        verbose_name_plural = _("published products")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "product"], name="saleor_published_unique_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.connection}"

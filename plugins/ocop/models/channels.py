"""Sales channels (kênh bán hàng), producers' presence on them, and dated channel activity.

A producer counts as *active in modern channels* when it has a verified presence on a modern
channel with activity in a recent window; that one rule lives in
``plugins.ocop.channels.participation`` and everything else uses it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .certificates import ImportRun, OcopProduct, Producer


class ChannelKind(models.TextChoices):
    SUPERMARKET = "supermarket", _("Supermarket chain")
    CONVENIENCE = "convenience", _("Convenience store chain")
    MARKETPLACE = "marketplace", _("E-commerce marketplace")
    ONLINE_SHOP = "online_shop", _("Online shop or social commerce")
    SHOWROOM = "showroom", _("OCOP showroom / point of sale")
    THIS_MARKETPLACE = "this_marketplace", _("This marketplace")
    TRADITIONAL = "traditional", _("Traditional market or agent")


#: Kinds that are modern sales channels (kênh bán hàng hiện đại) in the plan's sense.
MODERN_KINDS = frozenset(k for k in ChannelKind.values if k != ChannelKind.TRADITIONAL)


class Channel(models.Model):
    """A sales channel: a platform, a chain, a showroom, this marketplace, or a market."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), unique=True)
    match_key = models.CharField(
        max_length=150,
        unique=True,
        help_text=_("Folded name without spaces or punctuation: how reports name channels."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ChannelKind.choices)
    is_modern = models.BooleanField(_("modern channel"))
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name


class PresenceSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the producer")
    STAFF = "staff", _("Entered by staff")
    IMPORTED = "imported", _("Imported from a sales report")
    ORDERS = "orders", _("Automatic from orders on this marketplace")
    CONNECTOR = "connector", _("Reported by a connected store")


class Verification(models.TextChoices):
    PENDING = "pending", _("Pending")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


#: Sources whose evidence is verified by construction (reports, orders, connected stores).
SELF_VERIFYING_SOURCES = frozenset(
    {PresenceSource.IMPORTED, PresenceSource.ORDERS, PresenceSource.CONNECTOR}
)


class Presence(models.Model):
    """A producer selling on a channel, with the evidence that shows it and its verification."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="presences")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="presences")
    listing_url = models.URLField(_("listing URL"), max_length=500, blank=True)
    contract_number = models.CharField(_("supply contract number"), max_length=100, blank=True)
    evidence_file = models.FileField(
        _("evidence (scan or screenshot)"), upload_to="ocop/evidence/%Y/%m/", blank=True
    )
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=PresenceSource.choices)
    verification = models.CharField(
        _("verification"),
        max_length=16,
        choices=Verification.choices,
        default=Verification.PENDING,
        db_index=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["producer", "channel"]
        verbose_name = _("channel presence")
        verbose_name_plural = _("channel presences")
        permissions = [("review_presence", _("Can verify or reject channel presences"))]
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "channel"], name="ocop_presence_unique_per_channel"
            )
        ]
        indexes = [models.Index(fields=["channel", "verification"])]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.channel}"


class PresenceEvent(models.Model):
    """The audit trail of a presence: who declared, entered, verified or rejected it, when."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Evidence updated")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REOPENED = "reopened", _("Back to pending")

    presence = models.ForeignKey(Presence, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    source = models.CharField(max_length=16, choices=PresenceSource.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["presence", "at", "id"]
        verbose_name = _("presence event")
        verbose_name_plural = _("presence events")

    def __str__(self) -> str:
        return f"{self.presence}: {self.action} ({self.source})"


class ActivitySource(models.TextChoices):
    ORDER = "order", _("Order on this marketplace")
    SALES_REPORT = "sales_report", _("Imported sales report")
    STAFF = "staff", _("Staff entry")
    CONNECTOR = "connector", _("Connected store")


class ChannelActivity(models.Model):
    """A dated event of a producer selling on a channel, with orders and revenue when known.

    ``reference`` makes each event idempotent per source: an order number, a report row's
    producer/channel/day, a connected store's order id.
    """

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="activities")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="activities")
    product = models.ForeignKey(
        OcopProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    date = models.DateField(_("date"))
    orders = models.PositiveIntegerField(_("orders"), null=True, blank=True)
    revenue = models.DecimalField(
        _("revenue (VND)"), max_digits=18, decimal_places=0, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=16, choices=ActivitySource.choices)
    reference = models.CharField(_("reference"), max_length=200)
    evidence_url = models.URLField(_("evidence URL"), max_length=500, blank=True)
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_row = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name = _("channel activity")
        verbose_name_plural = _("channel activities")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reference"], name="ocop_activity_unique_reference"
            )
        ]
        indexes = [
            # Covering the participation rule's EXISTS (its figures decide whether an event
            # counts), so PostgreSQL answers it from the index alone.
            models.Index(
                fields=["producer", "channel", "date"],
                include=["orders", "revenue"],
                name="ocop_activity_pair_date",
            ),
            models.Index(fields=["channel", "date"]),
            models.Index(fields=["date"]),
        ]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.channel} on {self.date}"


class ChannelSalesMonth(models.Model):
    """Channel activity summed per month, producer, channel and product (doanh số theo tháng):
    what the report's sales section reads instead of every event.

    Kept by ``plugins.ocop.channels.sales`` in the transaction that writes the activity; the
    on-delete rules mirror ``ChannelActivity``'s so the sums stay equal when a producer or a
    product goes (a deleted product's sales move to "no product" in both).
    """

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        OcopProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    orders = models.PositiveBigIntegerField(_("orders"), default=0)
    # Whole VND as a 64-bit integer (up to 9.2 × 10¹⁸ ₫ a row): PostgreSQL sums integers several
    # times faster than numerics, and the report sums hundreds of thousands of these rows.
    revenue = models.BigIntegerField(_("revenue (VND)"), default=0)
    activities = models.PositiveIntegerField(_("activity events"), default=0)

    class Meta:
        ordering = ["-month", "producer", "channel", "product"]
        verbose_name = _("monthly channel sales")
        verbose_name_plural = _("monthly channel sales")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "producer", "channel", "product"],
                name="ocop_sales_month_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.channel} in {self.month:%m/%Y}"


class ProducerChannelMonth(models.Model):
    """A producer's month on a channel (chủ thể trên kênh theo tháng): the sums of its channel
    activity, and the first and last day with a *selling* event
    (``channels.participation.SELLING``; empty when no event of the month shows selling).

    What the participation rule reads instead of every activity event, and the report's sales
    by district. Kept with ``ChannelSalesMonth`` by ``plugins.ocop.channels.sales`` in the
    transaction that writes the activity; the on-delete rules mirror ``ChannelActivity``'s.
    """

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    orders = models.PositiveBigIntegerField(_("orders"), default=0)
    revenue = models.BigIntegerField(_("revenue (VND)"), default=0)
    activities = models.PositiveIntegerField(_("activity events"), default=0)
    first_selling_day = models.DateField(_("first selling day"), null=True, blank=True)
    last_selling_day = models.DateField(_("last selling day"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "producer", "channel"]
        verbose_name = _("producer's month on a channel")
        verbose_name_plural = _("producers' months on channels")
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "channel", "month"], name="ocop_producer_channel_month"
            )
        ]
        indexes = [
            # The rule reads the months of a window for every producer at once: PostgreSQL
            # answers from this index alone.
            models.Index(
                fields=["month"],
                include=["producer", "channel", "first_selling_day", "last_selling_day"],
                name="ocop_selling_days",
            )
        ]

    def __str__(self) -> str:
        return f"{self.producer} @ {self.channel} in {self.month:%m/%Y}"


class ReportSnapshot(models.Model):
    """The channel report as it stood at the end of a month, frozen so late data cannot move a
    past month's figure."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    as_of = models.DateField(_("as of"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    # The headline again, outside ``data``: a report reads these for its trend, not the whole
    # stored report (about 90 kB of compressed JSON a month at national scale).
    producers_total = models.PositiveIntegerField(_("producers counted"), default=0)
    producers_active_modern = models.PositiveIntegerField(
        _("producers active in modern channels"), default=0
    )
    data = models.JSONField(_("report"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        permissions = [
            ("view_channel_report", _("Can view the modern-channel participation report"))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "window_days"], name="ocop_snapshot_unique_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} ({self.window_days} days)"


class ApiToken(models.Model):
    """A bearer token for the GraphQL API, giving a department system the report.

    Only a SHA-256 digest of the token is stored; the token itself is shown once."""

    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ocop_api_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

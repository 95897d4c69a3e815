"""The monthly roll-up per producer and channel (sums and selling days), built for the activity
recorded before it existed; the sales roll-up's revenue as a 64-bit integer (whole VND), which
PostgreSQL sums several times faster than a numeric; the snapshots' headline as columns, copied
from the stored reports.

The rows are those ``plugins.ocop.channels.sales.rebuild_sales_rollup`` writes, computed
against the historical models so the migration does not change when the service does.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, DateField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncMonth

COLUMNS = (
    "month",
    "producer_id",
    "channel_id",
    "first_selling_day",
    "last_selling_day",
    "orders",
    "revenue",
    "activities",
)
#: ``channels.participation.SELLING`` as it stood when this migration was written.
SELLING = Q(orders__gt=0) | Q(revenue__gt=0) | Q(orders__isnull=True, revenue__isnull=True)


def build(apps, schema_editor):
    ChannelActivity = apps.get_model("ocop", "ChannelActivity")
    ProducerChannelMonth = apps.get_model("ocop", "ProducerChannelMonth")
    alias = schema_editor.connection.alias
    rows = (
        ChannelActivity.objects.using(alias)
        .annotate(month=Cast(TruncMonth("date"), DateField()))
        .values("month", "producer_id", "channel_id")
        # Before the sums: their names would hide the fields SELLING reads.
        .annotate(
            first_selling_day=Min("date", filter=SELLING),
            last_selling_day=Max("date", filter=SELLING),
        )
        .annotate(
            orders=Coalesce(Sum("orders"), Value(0)),
            revenue=Coalesce(Sum("revenue"), Value(Decimal(0))),
            activities=Count("pk"),
        )
        .order_by("month", "producer_id", "channel_id")
    )
    select, params = rows.query.get_compiler(using=alias).as_sql()
    quote = schema_editor.connection.ops.quote_name
    table = quote(ProducerChannelMonth._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


def copy_headlines(apps, schema_editor):
    ReportSnapshot = apps.get_model("ocop", "ReportSnapshot")
    for snapshot in ReportSnapshot.objects.using(schema_editor.connection.alias).iterator():
        snapshot.producers_total = snapshot.data["producers_total"]
        snapshot.producers_active_modern = snapshot.data["producers_active_modern"]
        snapshot.save(update_fields=["producers_total", "producers_active_modern"])


class Migration(migrations.Migration):
    dependencies = [("ocop", "0010_certificate_scans")]

    operations = [
        migrations.AlterField(
            model_name="channelsalesmonth",
            name="revenue",
            field=models.BigIntegerField(default=0, verbose_name="revenue (VND)"),
        ),
        migrations.CreateModel(
            name="ProducerChannelMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "month",
                    models.DateField(help_text="First day of the month.", verbose_name="month"),
                ),
                ("orders", models.PositiveBigIntegerField(default=0, verbose_name="orders")),
                ("revenue", models.BigIntegerField(default=0, verbose_name="revenue (VND)")),
                (
                    "activities",
                    models.PositiveIntegerField(default=0, verbose_name="activity events"),
                ),
                (
                    "first_selling_day",
                    models.DateField(blank=True, null=True, verbose_name="first selling day"),
                ),
                (
                    "last_selling_day",
                    models.DateField(blank=True, null=True, verbose_name="last selling day"),
                ),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ocop.channel",
                    ),
                ),
                (
                    "producer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="ocop.producer",
                    ),
                ),
            ],
            options={
                "verbose_name": "producer's month on a channel",
                "verbose_name_plural": "producers' months on channels",
                "ordering": ["-month", "producer", "channel"],
                "indexes": [
                    models.Index(
                        fields=["month"],
                        include=("producer", "channel", "first_selling_day", "last_selling_day"),
                        name="ocop_selling_days",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("producer", "channel", "month"),
                        name="ocop_producer_channel_month",
                    )
                ],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop),
        migrations.AddField(
            model_name="reportsnapshot",
            name="producers_total",
            field=models.PositiveIntegerField(default=0, verbose_name="producers counted"),
        ),
        migrations.AddField(
            model_name="reportsnapshot",
            name="producers_active_modern",
            field=models.PositiveIntegerField(
                default=0, verbose_name="producers active in modern channels"
            ),
        ),
        migrations.RunPython(copy_headlines, migrations.RunPython.noop),
    ]

"""Build the monthly sales roll-up for the activity recorded before it existed.

The same sums as ``plugins.ocop.channels.sales.rebuild_sales_rollup``, written against the
historical models so the migration does not change when the service does.
"""

from decimal import Decimal

from django.db import migrations
from django.db.models import Count, DateField, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncMonth

COLUMNS = ("month", "producer_id", "channel_id", "product_id", "orders", "revenue", "activities")


def build(apps, schema_editor):
    ChannelActivity = apps.get_model("ocop", "ChannelActivity")
    ChannelSalesMonth = apps.get_model("ocop", "ChannelSalesMonth")
    alias = schema_editor.connection.alias
    sums = (
        ChannelActivity.objects.using(alias)
        .annotate(month=Cast(TruncMonth("date"), DateField()))
        .values("month", "producer_id", "channel_id", "product_id")
        .annotate(
            orders=Coalesce(Sum("orders"), Value(0)),
            revenue=Coalesce(Sum("revenue"), Value(Decimal(0))),
            activities=Count("pk"),
        )
        .order_by("month", "producer_id", "channel_id", "product_id")
    )
    select, params = sums.query.get_compiler(using=alias).as_sql()
    quote = schema_editor.connection.ops.quote_name
    table = quote(ChannelSalesMonth._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


class Migration(migrations.Migration):
    dependencies = [("ocop", "0008_channel_sales_month")]
    operations = [migrations.RunPython(build, migrations.RunPython.noop)]

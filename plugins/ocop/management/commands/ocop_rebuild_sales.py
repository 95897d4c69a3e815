"""``manage.py ocop_rebuild_sales``: recompute the monthly roll-ups from channel activity.

The roll-ups (``ChannelSalesMonth`` per product, ``ProducerChannelMonth`` per producer and
channel, which the participation rule reads) are kept up to date by every writer of activity;
run this after activity was loaded or changed by other means (a COPY, a restore, SQL by hand).
It replaces them in one transaction, so reports keep reading the old ones meanwhile.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from plugins.ocop.channels.sales import rebuild_sales_rollup


class Command(BaseCommand):
    help = (
        "Recompute the monthly roll-ups of channel activity (ChannelSalesMonth, "
        "ProducerChannelMonth) from the activity."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rebuild_sales_rollup()
        self.stdout.write(
            f"Rebuilt the monthly roll-ups ({rows:,} rows of sales per product) "
            f"in {time.perf_counter() - started:.1f} s."
        )

"""``manage.py ocop_rebuild_sales``: recompute the monthly sales roll-up from channel activity.

The roll-up (``ChannelSalesMonth``) is kept up to date by every writer of activity; run this
after activity was loaded or changed by other means (a COPY, a restore, SQL by hand). It
replaces the roll-up in one transaction, so reports keep reading the old one meanwhile.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from plugins.ocop.channels.sales import rebuild_sales_rollup


class Command(BaseCommand):
    help = "Recompute the monthly sales roll-up (ChannelSalesMonth) from channel activity."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rebuild_sales_rollup()
        self.stdout.write(
            f"Rebuilt the monthly sales roll-up: {rows:,} rows "
            f"in {time.perf_counter() - started:.1f} s."
        )

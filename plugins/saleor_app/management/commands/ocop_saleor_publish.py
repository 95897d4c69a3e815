"""``manage.py ocop_saleor_publish --store DOMAIN [--channel SLUG] [--dry-run] [--stars-only]
[--format text|json]``: publish the OCOP catalogue to a connected Saleor store.

Exit status: 0 when every product went through, 1 when some products failed (listed), 2 when
the store is unknown or the run could not go on (token rejected, unknown channel, store down).
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plugins.saleor_app.client import normalize_api_url
from plugins.saleor_app.models import PublishRun, SaleorConnection
from plugins.saleor_app.publishing import PublishResult, publish_catalogue

EXIT_PRODUCT_ERRORS = 1
EXIT_ABORTED = 2


def find_connection(store: str) -> SaleorConnection:
    """The connection for a Saleor domain (as ``Saleor-Domain`` sent it) or API URL."""
    store = store.strip()
    matches = list(SaleorConnection.objects.filter(domain__iexact=store)[:2])
    if not matches:
        try:
            matches = list(SaleorConnection.objects.filter(api_url=normalize_api_url(store))[:1])
        except ValueError:
            matches = []
    if not matches:
        known = ", ".join(SaleorConnection.objects.values_list("domain", flat=True)) or "none"
        raise CommandError(
            f"Không có cửa hàng Saleor “{store}” (no connected store; connected: {known}).",
            returncode=EXIT_ABORTED,
        )
    if len(matches) > 1:
        raise CommandError(
            f"Several stores have the domain {store}; give the API URL instead.",
            returncode=EXIT_ABORTED,
        )
    return matches[0]


class Command(BaseCommand):
    help = (
        "Publish the OCOP catalogue (products, stars, certificates, VND prices) to a Saleor store."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--store", required=True, help="The store's domain (Saleor-Domain) or API URL."
        )
        parser.add_argument("--channel", default="", help="Only this Saleor channel (slug).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read the store, report, change nothing."
        )
        parser.add_argument(
            "--stars-only",
            action="store_true",
            help="Only send star/certificate changes of products published before.",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, store, channel, dry_run, stars_only, format, **options):
        connection = find_connection(store)
        run = PublishRun.objects.create(
            connection=connection, channel_slug=channel, dry_run=dry_run, stars_only=stars_only
        )
        bar = None
        if format == "text" and sys.stderr.isatty():
            bar = tqdm(unit=" sản phẩm", desc=connection.domain, file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = publish_catalogue(
            connection,
            channel_slug=channel,
            dry_run=dry_run,
            stars_only=stars_only,
            run=run,
            progress=progress if bar else None,
        )
        if bar:
            bar.close()
        if format == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._print_text(result)
        if result.fatal:
            sys.exit(EXIT_ABORTED)
        if result.errors:
            sys.exit(EXIT_PRODUCT_ERRORS)

    def _print_text(self, result: PublishResult) -> None:
        for error in result.errors:
            self.stderr.write(
                f"Sản phẩm #{error['product']} “{error['name']}” ({error['producer']}): "
                f"{error['message']}"
            )
        for note in result.notes:
            self.stderr.write(self.style.WARNING(note))
        if result.fatal:
            self.stderr.write(self.style.ERROR(f"Dừng lại (stopped): {result.fatal}"))
        verb = "sẽ " if result.dry_run else ""
        channels = ", ".join(result.channels) or "không kênh nào (no VND channel)"
        self.stdout.write(
            f"Cửa hàng {result.store}, kênh {channels}: {result.total} sản phẩm — "
            f"{verb}tạo {result.created}, {verb}cập nhật {result.updated}, "
            f"{result.unchanged} không đổi, {result.failed} lỗi; "
            f"{result.mutations} lệnh ghi (mutations)."
        )
        if result.dry_run:
            self.stdout.write("Chạy thử (--dry-run): không thay đổi gì trên cửa hàng.")

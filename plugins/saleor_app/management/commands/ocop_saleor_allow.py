"""``manage.py ocop_saleor_allow URL [--note TEXT] | --remove URL | --list``: the Saleor API
URLs allowed to install the app (only they may register a token)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from plugins.saleor_app.models import AllowedSaleorApi
from plugins.saleor_app.registration import allow_api_url, disallow_api_url


class Command(BaseCommand):
    help = "Allow a Saleor store's API URL to install the app (or remove it, or list them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "url", nargs="?", help="The store's API URL, e.g. https://shop.example/graphql/"
        )
        parser.add_argument("--note", default="", help="What the store is.")
        parser.add_argument("--remove", action="store_true", help="Remove URL from the list.")
        parser.add_argument(
            "--list", action="store_true", dest="list_urls", help="List the allowed URLs."
        )

    def handle(self, *args, url: str | None, note: str, remove: bool, list_urls: bool, **options):
        if list_urls:
            for allowed in AllowedSaleorApi.objects.all():
                self.stdout.write(f"{allowed.api_url}\t{allowed.note}".rstrip())
            return
        if not url:
            raise CommandError("Give the store's API URL (or --list).")
        try:
            if remove:
                removed = disallow_api_url(url)
                if not removed:
                    raise CommandError(f"{url} is not in the allow-list.")
                self.stdout.write(f"Đã bỏ {url} khỏi danh sách cho phép (removed).")
                return
            allowed = allow_api_url(url, note=note)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Đã cho phép {allowed.api_url} cài ứng dụng (allowed). Manifest: /saleor/manifest/"
        )

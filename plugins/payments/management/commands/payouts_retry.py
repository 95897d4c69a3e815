"""``manage.py payouts_retry``: send failed (or stuck pending) payouts again."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from plugins.payments.models import Payout
from plugins.payments.payouts import PayoutError, retry_payout


class Command(BaseCommand):
    help = (
        "Send payouts again: the ones named by id, or every failed one with --failed. A failed "
        "payout is sent under a new idempotency key after looking for a transfer an earlier "
        "attempt may have made; a pending one is queued again under its own key."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="payout ids")
        parser.add_argument("--failed", action="store_true", help="every failed payout")

    def handle(self, *args, ids: list[int], failed: bool, **options):
        if not ids and not failed:
            raise CommandError("Name the payout ids to send again, or pass --failed.")
        targets = list(ids)
        if failed:
            targets += Payout.objects.filter(status=Payout.Status.FAILED).values_list(
                "pk", flat=True
            )
        missing = set(ids) - set(Payout.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing:
            raise CommandError(f"No payout with id {', '.join(map(str, sorted(missing)))}.")
        refused = 0
        for payout_id in dict.fromkeys(targets):
            try:
                payout = retry_payout(payout_id)
            except PayoutError as exc:
                refused += 1
                self.stderr.write(str(exc))
            else:
                payout.refresh_from_db()
                self.stdout.write(f"payout {payout.pk}: {payout.get_status_display()}")
        if refused:
            raise CommandError(f"{refused} payout(s) could not be sent again.")

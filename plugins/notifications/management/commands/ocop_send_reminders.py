"""``manage.py ocop_send_reminders``: send the certificate-expiry reminders due today (nhắc hạn
chứng nhận OCOP), the same service the daily Celery beat task runs."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from plugins.notifications.reminders import send_certificate_expiry_reminders
from plugins.ocop.management.commands.ocop_report import parse_date
from plugins.ocop.models import local_today


class Command(BaseCommand):
    help = (
        "Gửi email nhắc chứng nhận OCOP sắp hết hạn (90 và 30 ngày trước), mỗi chứng nhận một "
        "lần cho mỗi mốc (send the certificate-expiry reminders due, once per threshold)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="Ngày xét, YYYY-MM-DD hoặc dd/mm/yyyy (the day to decide for; default: today).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Chỉ liệt kê, không ghi và không gửi (list what is due; record and send nothing).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **opts):
        today = local_today()
        as_of = parse_date(opts["as_of"]) if opts["as_of"] else today
        if as_of > today and not opts["dry_run"]:
            raise CommandError(
                f"--as-of {as_of:%d/%m/%Y} là ngày trong tương lai; chỉ dùng được với --dry-run "
                f"(a future --as-of would send reminders early; use it with --dry-run only)."
            )
        run = send_certificate_expiry_reminders(as_of, dry_run=opts["dry_run"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(run.as_dict(), ensure_ascii=False, indent=2))
            return
        recorded = {row.certificate_id: row for row in run.recorded}
        for due in run.due:
            certificate = due.certificate
            row = recorded.get(certificate.pk)
            if run.dry_run:
                outcome = "sẽ gửi (would send)" if due.recipients else "sẽ bỏ qua (would skip)"
            elif row is None:
                outcome = "đã có lượt khác ghi nhận (recorded by another run)"
            elif row.skip_reason:
                outcome = f"bỏ qua (skipped): {row.get_skip_reason_display()}"
            else:
                outcome = "đã xếp gửi (queued)"
            self.stdout.write(
                f"{certificate.product.producer.name} – {certificate.product.name} "
                f"{certificate.stars}★, {certificate.decision_number or '—'}, hết hạn "
                f"{certificate.valid_until:%d/%m/%Y} (còn {due.days_left} ngày, mốc "
                f"{due.threshold_days}): {', '.join(due.recipients) or '—'} → {outcome}"
            )
        skipped = sum(1 for row in run.recorded if row.skip_reason)
        self.stdout.write(
            f"Ngày {as_of:%d/%m/%Y}: {len(run.due)} nhắc hạn đến hạn, {len(run.recorded)} đã ghi "
            f"nhận, {skipped} bỏ qua vì không có người nhận "
            f"({len(run.due)} due, {len(run.recorded)} recorded, {skipped} skipped)"
            + (" – chạy thử, không ghi gì (dry run, nothing written)." if run.dry_run else ".")
        )

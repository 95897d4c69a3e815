"""``manage.py ocop_channel_import PATH``: import a channel sales report (CSV or XLSX)."""

from __future__ import annotations

from plugins.ocop.importer.channel_reports import import_channel_report
from plugins.ocop.management.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a channel sales report (producer, channel, date, orders, revenue, URL) as "
        "channel activity (CSV in UTF-8/UTF-16/Windows-1258, or XLSX)."
    )
    path_help = "The report to import (.csv or .xlsx)."
    created_label = "hoạt động bán hàng mới"

    def run_import(self, stream, *, filename, dry_run, skip_invalid, progress, options):
        return import_channel_report(
            stream,
            filename=filename,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
        )

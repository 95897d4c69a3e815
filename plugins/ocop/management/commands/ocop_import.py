"""``manage.py ocop_import PATH``: import an OCOP certificate list (CSV or XLSX)."""

from __future__ import annotations

from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.management.import_command import ImportCommand


class Command(ImportCommand):
    help = "Import an OCOP certificate list (CSV in UTF-8/UTF-16/Windows-1258, or XLSX)."
    path_help = "The list to import (.csv or .xlsx)."
    created_label = "chứng nhận mới"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--province",
            default="",
            help="Province of addresses that name none (default: the one the title names).",
        )

    def run_import(self, stream, *, filename, dry_run, skip_invalid, progress, options):
        return import_certificates(
            stream,
            filename=filename,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
            default_province=options["province"],
        )

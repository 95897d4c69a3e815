"""The shared shape of the import commands (``ocop_import``, ``ocop_channel_import``): the
same options, progress bar, output and exit status around one import service each."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plugins.ocop.importer.certificates import ImportResult, ProgressCallback

#: Exit status when rows were invalid, and when the file is not the expected kind of list.
EXIT_INVALID_ROWS = 1
EXIT_BAD_FILE = 2


class ImportCommand(BaseCommand):
    """Subclasses name what they import and call their service in ``run_import``."""

    #: What the file is, for the PATH help ("The list to import").
    path_help = "The file to import (.csv or .xlsx)."
    #: What one created record is called in the summary ("chứng nhận mới").
    created_label = "bản ghi mới"

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.path_help)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count, write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the valid rows even when some rows are invalid (they are listed).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def run_import(
        self,
        stream: IO[bytes],
        *,
        filename: str,
        dry_run: bool,
        skip_invalid: bool,
        progress: ProgressCallback | None,
        options: dict,
    ) -> ImportResult:
        raise NotImplementedError

    def handle(self, *args, path: str, dry_run: bool, skip_invalid: bool, format: str, **opts):
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path} (file not found).", returncode=2)
        bar = None
        if format == "text" and sys.stderr.isatty():
            bar = tqdm(unit=" dòng", desc=file_path.name, file=sys.stderr)

        def progress(rows_read: int) -> None:
            bar.update(rows_read - bar.n)

        with file_path.open("rb") as stream:
            result = self.run_import(
                stream,
                filename=file_path.name,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress if bar else None,
                options=opts,
            )
        if bar:
            bar.close()
        if format == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._print_text(result)
        if result.file_error:
            sys.exit(EXIT_BAD_FILE)
        if result.errors:
            sys.exit(EXIT_INVALID_ROWS)

    def _print_text(self, result: ImportResult) -> None:
        if result.file_error:
            self.stderr.write(self.style.ERROR(result.file_error))
            return
        for error in result.errors:
            self.stderr.write(
                f"Dòng {error.row}, cột {error.column}: {error.message} [giá trị: “{error.value}”]"
            )
        for warning in result.warnings:
            self.stderr.write(
                self.style.WARNING(f"Dòng {warning.row}, cột {warning.column}: {warning.message}")
            )
        verb = "" if result.written else "sẽ "
        summary = (
            f"Đã đọc {result.rows_read} dòng: {verb}tạo {result.created} {self.created_label}, "
            f"{verb}cập nhật {result.updated}, {result.unchanged} không đổi, "
            f"{result.skipped} dòng lỗi bỏ qua."
        )
        self.stdout.write(summary)
        if result.dry_run:
            self.stdout.write("Chạy thử (--dry-run): không ghi gì vào cơ sở dữ liệu.")
        elif not result.written:
            self.stdout.write(
                self.style.ERROR(
                    f"Không ghi gì vì có {result.skipped} dòng lỗi; sửa các dòng trên hoặc dùng "
                    f"--skip-invalid để ghi các dòng hợp lệ (nothing written)."
                )
            )

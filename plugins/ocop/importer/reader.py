"""Streaming reader for the spreadsheets provinces and platforms publish (CSV and XLSX).

Yields rows with their number *as a spreadsheet shows it* (1-based, title and blank rows
counted) so every message can point at the row a person sees. Memory does not grow with the
file: CSV is decoded as a stream, XLSX is read with openpyxl's read-only mode.

CSV encodings: UTF-8 (with or without BOM), UTF-16 with BOM, and Windows-1258 as older
Vietnamese office software exports it (tone marks as combining characters); every cell is
NFC-normalised. XLSX merged cells hand their value to every cell they cover.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from ..error_codes import ImportErrorCode
from ..text import nfc


class FileError(Exception):
    """The file as a whole cannot be read as a table (wrong format, broken, empty)."""

    def __init__(self, code: ImportErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int
    cells: tuple[object, ...]

    def is_blank(self) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_CHUNK = 1 << 16


def read_rows(stream: IO[bytes]) -> Iterator[Row]:
    """Rows of a CSV or XLSX file given as a seekable binary stream; raises ``FileError``."""
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise FileError(ImportErrorCode.UNREADABLE_FILE, "Tệp trống (the file is empty).")
    if head.startswith(_XLSX_MAGIC):
        return _xlsx_rows(stream)
    if head.startswith(_OLE_MAGIC):
        raise FileError(
            ImportErrorCode.UNREADABLE_FILE,
            "Tệp .xls (Excel 97–2003) chưa được hỗ trợ; hãy lưu lại dưới dạng .xlsx hoặc CSV "
            "(legacy .xls is not supported; save as .xlsx or CSV).",
        )
    if b"\x00" in stream.read(4096) and not head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        stream.seek(0)
        raise FileError(
            ImportErrorCode.UNREADABLE_FILE,
            "Tệp không phải bảng tính CSV hay XLSX (not a CSV or XLSX file).",
        )
    stream.seek(0)
    return _csv_rows(stream)


def detect_encoding(stream: IO[bytes]) -> str:
    """UTF-8 (BOM or not) or UTF-16 when the bytes say so, else Windows-1258.

    The whole stream is checked in chunks with an incremental decoder, so a stray byte at the
    end of a large file is not mistaken for UTF-8 and memory stays flat.
    """
    start = stream.read(4)
    stream.seek(0)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1258"
    stream.seek(0)
    return encoding


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t", "|"):
        counts = [line.count(delimiter) for line in lines]
        # The header and data rows share the delimiter; title rows above them may not.
        score = max(counts, default=0) * sum(1 for c in counts if c == max(counts, default=0))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(stream: IO[bytes]) -> Iterator[Row]:
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    sample = text.read(_CHUNK)
    text.seek(0)
    delimiter = _sniff_delimiter(sample)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield Row(number, tuple(nfc(c) for c in cells))
    except csv.Error as exc:
        raise FileError(
            ImportErrorCode.UNREADABLE_FILE,
            f"Tệp CSV hỏng ở dòng {reader.line_num}: {exc} (broken CSV).",
        ) from None
    finally:
        # Hand the binary stream back to its owner instead of closing it with the wrapper.
        with contextlib.suppress(ValueError):
            text.detach()


def _merged_ranges(stream: IO[bytes], sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range, read without loading cells."""
    stream.seek(0)
    ranges = []
    with zipfile.ZipFile(stream) as archive, archive.open(sheet_path) as sheet:
        for _event, element in iterparse(sheet):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ranges.append(range_boundaries(element.get("ref")))
            elif tag == "row":
                element.clear()
    stream.seek(0)
    return ranges


def _xlsx_rows(stream: IO[bytes]) -> Iterator[Row]:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(
            ImportErrorCode.UNREADABLE_FILE,
            f"Không mở được tệp Excel (the XLSX file is damaged or not a workbook): {exc}",
        ) from None
    try:
        # The first sheet that has any data; provinces sometimes leave a cover sheet empty.
        for sheet in workbook.worksheets:
            if sheet.max_row and sheet.max_row > 1 or sheet.max_column and sheet.max_column > 1:
                break
        else:
            sheet = workbook.worksheets[0]
        merged = _merged_ranges(stream, sheet._worksheet_path)
        # Value of each merged range, filled in when its top-left cell is read.
        values: dict[int, object] = {}
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = list(cells)
            for index, (min_col, min_row, max_col, max_row) in enumerate(merged):
                if not min_row <= number <= max_row:
                    continue
                if number == min_row:
                    values[index] = row[min_col - 1] if len(row) >= min_col else None
                while len(row) < max_col:
                    row.append(None)
                for col in range(min_col, max_col + 1):
                    row[col - 1] = values[index]
            yield Row(number, tuple(nfc(c) if isinstance(c, str) else c for c in row))
    finally:
        workbook.close()

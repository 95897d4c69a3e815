"""Finding the header row and mapping its columns to fields.

Provinces put letterheads and titles above the header, abbreviate header names ("Tên SP",
"QĐ công nhận"), write them with or without diacritics and in any order, and add columns we
do not need. A column is recognised by its folded name; the first row among the first
``MAX_HEADER_SCAN`` that names every required field is the header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openpyxl.utils.cell import get_column_letter

from ..error_codes import ImportErrorCode
from ..text import key
from .reader import FileError, Row

MAX_HEADER_SCAN = 30
_PARENTHESES = re.compile(r"\(.*?\)")


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    aliases: tuple[str, ...]
    required: bool = False
    label: str = ""


@dataclass(frozen=True)
class Column:
    field: str
    index: int
    header: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def label(self) -> str:
        """How messages name the column: its header as written and its letter."""
        return f"{self.header} ({self.letter})"


def header_key(text: object) -> str:
    """Folded header text with parenthesised notes dropped ("Doanh thu (VNĐ)" -> "doanh thu")."""
    value = "" if text is None else str(text)
    stripped = key(_PARENTHESES.sub(" ", value))
    return stripped or key(value)


def match_columns(cells: Sequence[object], specs: Sequence[ColumnSpec]) -> dict[str, Column]:
    """Fields this row names, each mapped to its first matching column."""
    found: dict[str, Column] = {}
    for index, cell in enumerate(cells):
        folded = header_key(cell)
        if not folded:
            continue
        for spec in specs:
            if spec.field not in found and (
                folded in spec.aliases or key(str(cell)) in spec.aliases
            ):
                found[spec.field] = Column(spec.field, index, str(cell).strip())
                break
    return found


def find_header(
    rows: Iterator[Row], specs: Sequence[ColumnSpec], what: str
) -> tuple[Row, dict[str, Column], list[Row]]:
    """Consume rows up to and including the header; ``what`` names the list in messages.

    Returns the header row, its columns and the rows above it (letterhead and titles)."""
    required = [s for s in specs if s.required]
    best: tuple[int, Row | None, dict[str, Column]] = (0, None, {})
    preamble: list[Row] = []
    for scanned, row in enumerate(rows, start=1):
        if not row.is_blank():
            columns = match_columns(row.cells, specs)
            if all(s.field in columns for s in required):
                return row, columns, preamble
            preamble.append(row)
            hits = sum(1 for s in required if s.field in columns)
            if hits > best[0]:
                best = (hits, row, columns)
        if scanned >= MAX_HEADER_SCAN:
            break
    if best[1] is not None and best[0] >= 2:
        missing = [s.label for s in required if s.field not in best[2]]
        raise FileError(
            ImportErrorCode.NOT_A_CERTIFICATE_LIST,
            f"Dòng tiêu đề (dòng {best[1].number}) thiếu cột: {', '.join(missing)} "
            f"(the header row lacks required columns).",
        )
    names = ", ".join(s.label for s in required)
    raise FileError(
        ImportErrorCode.NOT_A_CERTIFICATE_LIST,
        f"Tệp này không phải {what}: không tìm thấy dòng tiêu đề có các cột {names} trong "
        f"{MAX_HEADER_SCAN} dòng đầu (this file is not {what}; no header row found).",
    )

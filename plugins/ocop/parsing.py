"""Parsers for the values OCOP lists contain, as provinces really write them.

Each parser takes one cell value (text, number, or a date from an Excel cell) and returns the
parsed value or raises ``CellError`` with a stable code and a message that says what was
expected. They know nothing about rows, files or the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .error_codes import ImportErrorCode
from .models import IssuingLevel, ProducerType
from .text import fold, key, nfc

#: Excel's day zero (serial 1 is 1900-01-01, with the 1900 leap-year bug folded in).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: OCOP started in 2018; anything earlier is not an OCOP decision.
FIRST_OCOP_YEAR = 2018


class CellError(ValueError):
    def __init__(self, code: ImportErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def cell_text(value: object) -> str:
    """The cell as NFC text; whole floats from spreadsheets lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return nfc(str(value))


_STAR_CHARS = "★⭐✩☆✯✰"
_DIGIT = re.compile(r"\d+(?:[.,]\d+)?")


def parse_stars(value: object) -> int:
    """Stars from "4", "4 sao", "4*", "★★★★", "hạng 4 sao", "4 SAO" or a number cell."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = cell_text(value)
        if not text:
            raise CellError(ImportErrorCode.REQUIRED, "Thiếu số sao (star rank is missing).")
        filled = sum(text.count(c) for c in "★⭐")
        digits = _DIGIT.findall(text)
        if filled and not digits:
            number = float(filled)
        elif len(digits) == 1:
            number = float(digits[0].replace(",", "."))
        else:
            raise CellError(
                ImportErrorCode.INVALID_STARS,
                f"Không đọc được hạng sao “{text}”; ghi như “4”, “4 sao”, “4*” hoặc “★★★★” "
                f"(not a star rank).",
            )
        rest = key(re.sub(r"[\d.,*" + _STAR_CHARS + "]", " ", text))
        if rest and rest not in ("sao", "hang sao", "hang", "s", "star", "stars"):
            raise CellError(
                ImportErrorCode.INVALID_STARS,
                f"Không đọc được hạng sao “{text}” (not a star rank).",
            )
    if not number.is_integer() or not 1 <= number <= 5:
        raise CellError(
            ImportErrorCode.INVALID_STARS,
            f"Hạng sao phải từ 1 đến 5, không phải “{cell_text(value)}” (stars must be 1–5).",
        )
    return int(number)


def parse_score(value: object) -> int | None:
    """An evaluation score out of 100, or None when the cell is empty."""
    text = cell_text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise CellError(
            ImportErrorCode.INVALID_SCORE,
            f"Điểm “{text}” không phải là số (score is not a number).",
        ) from None
    if not 0 <= number <= 100:
        raise CellError(
            ImportErrorCode.INVALID_SCORE,
            f"Điểm phải từ 0 đến 100, không phải {text} (score must be 0–100).",
        )
    return round(number)


#: Score bands of Decision 148 (3★ 50–69, 4★ 70–89, 5★ 90–100) and of Decision 1048 for 1–2★.
SCORE_BANDS = {1: (0, 29), 2: (30, 49), 3: (50, 69), 4: (70, 89), 5: (90, 100)}


def check_score_matches_stars(score: int, stars: int) -> None:
    low, high = SCORE_BANDS[stars]
    if not low <= score <= high:
        raise CellError(
            ImportErrorCode.SCORE_STARS_MISMATCH,
            f"Điểm {score} không khớp hạng {stars} sao ({low}–{high} điểm) "
            f"(score does not match the star rank).",
        )


@dataclass(frozen=True)
class ParsedDate:
    date: dt.date
    year_only: bool = False


_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS_DATE = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_YEAR = re.compile(r"^(?:nam\s+)?(\d{4})$")


def _checked(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(
            ImportErrorCode.INVALID_DATE, f"Ngày “{text}” không tồn tại (no such date)."
        ) from None


def find_date(value: object) -> ParsedDate | None:
    """A date inside a cell (dd/mm/yyyy, an Excel date or serial, "ngày 2 tháng 3 năm 2024",
    yyyy-mm-dd, or a year alone), or None when the cell holds none."""
    if isinstance(value, dt.datetime):
        return ParsedDate(value.date())
    if isinstance(value, dt.date):
        return ParsedDate(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value)
        if FIRST_OCOP_YEAR - 100 <= number <= 2100:
            return ParsedDate(dt.date(number, 1, 1), year_only=True)
        if 20000 <= number <= 80000:  # an Excel serial exported as a plain number
            return ParsedDate(_EXCEL_EPOCH + dt.timedelta(days=number))
        return None
    text = cell_text(value)
    folded = fold(text)
    if match := _DMY.search(text):
        day, month, year = (int(g) for g in match.groups())
        return ParsedDate(_checked(year, month, day, text))
    if match := _YMD.search(text):
        year, month, day = (int(g) for g in match.groups())
        return ParsedDate(_checked(year, month, day, text))
    if match := _WORDS_DATE.search(folded):
        day, month, year = (int(g) for g in match.groups())
        return ParsedDate(_checked(year, month, day, text))
    if match := _YEAR.match(folded):
        return ParsedDate(dt.date(int(match.group(1)), 1, 1), year_only=True)
    if folded.isdigit() and 20000 <= int(folded) <= 80000:
        return ParsedDate(_EXCEL_EPOCH + dt.timedelta(days=int(folded)))
    return None


def check_decision_date(parsed: ParsedDate, today: dt.date, text: str) -> None:
    if parsed.date > today:
        raise CellError(
            ImportErrorCode.DATE_IN_FUTURE,
            f"Ngày quyết định “{text}” ở tương lai (decision date is in the future).",
        )
    if parsed.date.year < FIRST_OCOP_YEAR:
        raise CellError(
            ImportErrorCode.INVALID_DATE,
            f"Năm {parsed.date.year} trước khi có Chương trình OCOP ({FIRST_OCOP_YEAR}) "
            f"(date is before the OCOP programme began).",
        )


# "1620/QĐ-UBND", "Số 221/QĐ-UBND", "145/QĐ-BNN-VPĐP", "1234/QD-UBND" (no diacritics)
_DECISION_NUMBER = re.compile(
    r"(\d{1,6})\s*/\s*((?:Q[ĐD]|QĐ)[\s\-–]*[A-ZĐa-zđ]+(?:\s*[\-–]\s*[A-ZĐa-zđ]+)*)",
    re.IGNORECASE,
)


def find_decision_number(value: object) -> str:
    """The decision number in a cell, normalised ("221/QĐ-UBND"), or "" when there is none."""
    text = cell_text(value)
    match = _DECISION_NUMBER.search(text)
    if not match:
        return ""
    number, suffix = match.groups()
    suffix = re.sub(r"\s*[\-–]\s*", "-", suffix.strip()).upper()
    suffix = re.sub(r"^QD", "QĐ", suffix)
    return f"{number}/{suffix}"


_TYPE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("hop tac xa", ProducerType.COOPERATIVE),
    ("htx", ProducerType.COOPERATIVE),
    ("lien hiep htx", ProducerType.COOPERATIVE),
    ("to hop tac", ProducerType.COOPERATIVE_GROUP),
    ("tht", ProducerType.COOPERATIVE_GROUP),
    ("cong ty", ProducerType.ENTERPRISE),
    ("cty", ProducerType.ENTERPRISE),
    ("doanh nghiep", ProducerType.ENTERPRISE),
    ("dntn", ProducerType.ENTERPRISE),
    ("chi nhanh cong ty", ProducerType.ENTERPRISE),
    ("ho kinh doanh", ProducerType.HOUSEHOLD),
    ("hkd", ProducerType.HOUSEHOLD),
    ("ho san xuat", ProducerType.HOUSEHOLD),
    ("ho sx", ProducerType.HOUSEHOLD),
    ("ho gia dinh", ProducerType.HOUSEHOLD),
    ("ho ong", ProducerType.HOUSEHOLD),
    ("ho ba", ProducerType.HOUSEHOLD),
    ("co so", ProducerType.HOUSEHOLD),
    ("cs ", ProducerType.HOUSEHOLD),
    ("cooperative group", ProducerType.COOPERATIVE_GROUP),
    ("cooperative", ProducerType.COOPERATIVE),
    ("enterprise", ProducerType.ENTERPRISE),
    ("company", ProducerType.ENTERPRISE),
    ("household", ProducerType.HOUSEHOLD),
)


def producer_type(text: str) -> str | None:
    """The producer type named by a type cell or by a name's prefix ("HTX …", "Công ty TNHH …",
    "Hộ kinh doanh …", "Tổ hợp tác …"), or None when neither says."""
    folded = key(text) + " "
    for prefix, kind in _TYPE_PREFIXES:
        if folded.startswith(prefix if prefix.endswith(" ") else prefix + " "):
            return kind
    return None


def infer_producer_type(name: str) -> str:
    return producer_type(name) or ProducerType.OTHER


def parse_producer_type(value: object) -> str:
    text = cell_text(value)
    kind = producer_type(text)
    if kind is None:
        raise CellError(
            ImportErrorCode.INVALID_PRODUCER_TYPE,
            f"Loại hình “{text}” không rõ; dùng HTX, Tổ hợp tác, Doanh nghiệp hoặc Hộ kinh doanh "
            f"(unknown producer type).",
        )
    return kind


def parse_issuing_level(value: object) -> str | None:
    folded = key(cell_text(value))
    if not folded:
        return None
    if "huyen" in folded or "district" in folded:
        return IssuingLevel.DISTRICT
    if "tinh" in folded or "province" in folded:
        return IssuingLevel.PROVINCE
    if "trung uong" in folded or "quoc gia" in folded or "central" in folded:
        return IssuingLevel.CENTRAL
    raise CellError(
        ImportErrorCode.INVALID_ISSUING_LEVEL,
        f"Cấp công nhận “{cell_text(value)}” không rõ; dùng huyện, tỉnh hoặc trung ương "
        f"(unknown issuing level).",
    )


def infer_issuing_level(stars: int, decision_number: str) -> str:
    """Who certified, when the list does not say: a ministry decision (BNN, TTg) is central;
    otherwise Decision 148's rule — district 3★ and below, province 4★, central 5★."""
    upper = decision_number.upper()
    if "BNN" in upper or "TTG" in upper or stars == 5:
        return IssuingLevel.CENTRAL
    if stars == 4:
        return IssuingLevel.PROVINCE
    return IssuingLevel.DISTRICT


def parse_price(value: object) -> Decimal | None:
    """A VND price: "150.000", "150,000", "150000 đ", 150000 → 150000; None when empty."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = cell_text(value)
        if not text:
            return None
        digits = re.sub(r"(?i)[\s.,₫đ]|vnd|dong|vnđ", "", text)
        try:
            amount = Decimal(digits)
        except InvalidOperation:
            raise CellError(
                ImportErrorCode.INVALID_PRICE, f"Giá “{text}” không phải số tiền VNĐ (not a price)."
            ) from None
    if amount < 0 or amount != amount.to_integral_value():
        raise CellError(
            ImportErrorCode.INVALID_PRICE,
            f"Giá “{cell_text(value)}” phải là số đồng nguyên, không âm (VND has no decimals).",
        )
    return amount


_TAX_CODE = re.compile(r"^\d{10}(?:-\d{3})?$")


def parse_tax_code(value: object) -> str:
    text = re.sub(r"\s", "", cell_text(value))
    if text and not _TAX_CODE.match(text):
        raise CellError(
            ImportErrorCode.INVALID_TAX_CODE,
            f"Mã số thuế “{text}” phải có 10 chữ số, có thể thêm -XXX (invalid tax code).",
        )
    return text


def is_revocation(value: object) -> bool:
    """A notes/status cell saying the certificate was revoked (thu hồi)."""
    folded = key(cell_text(value))
    return "thu hoi" in folded or "revoked" in folded

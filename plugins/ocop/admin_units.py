"""Administrative units of a producer's address, before and after the 2025 reform.

Certificates carry the 2024 units (province, district, commune); since 1 July 2025 there are
34 provinces and no districts. ``vietnamadminunits`` parses the legacy free-text address and
converts it to the new structure; ``vietnam-provinces`` gives the official current names by
code. Nothing here is a hand-typed table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode
from vietnamadminunits import convert_address, parse_address

from .text import key, nfc

#: Words that start the administrative part of an address; what precedes them (house number,
#: hamlet, street) does not change the unit and is left out of the cache key.
_UNIT_WORDS = (
    "xa ",
    "phuong ",
    "thi tran ",
    "huyen ",
    "quan ",
    "thi xa ",
    "thanh pho ",
    "tp ",
    "tinh ",
)


@dataclass(frozen=True)
class AdminUnits:
    legacy_province: str = ""
    legacy_province_code: str = ""
    legacy_district: str = ""
    legacy_district_code: str = ""
    legacy_commune: str = ""
    legacy_commune_code: str = ""
    province: str = ""
    province_code: str = ""
    commune: str = ""
    commune_code: str = ""

    @property
    def resolved(self) -> bool:
        return bool(self.legacy_province)


def _administrative_part(address: str) -> str:
    parts = [p.strip() for p in nfc(address).split(",") if p.strip()]
    for index, part in enumerate(parts):
        if (key(part) + " ").startswith(_UNIT_WORDS):
            return ", ".join(parts[index:])
    return ", ".join(parts)


_PROVINCE_IN_TITLE = re.compile(r"(?i)\bt[iỉ]nh\s+(.+)$")
_DISTRICT_WORDS = ("huyen ", "quan ", "thi xa ", "thanh pho ", "tp ")


def province_named_in(texts: list[str]) -> str:
    """The province a list's letterhead or title names ("UBND TỈNH HÀ NAM" -> "Tỉnh Hà Nam"),
    or "" when none does."""
    for text in texts:
        match = _PROVINCE_IN_TITLE.search(nfc(text))
        if not match:
            continue
        candidate = "tỉnh " + match.group(1).strip().title()
        try:
            parsed = parse_address(candidate, mode="LEGACY", level=1)
        except (ValueError, KeyError, IndexError):
            continue
        if parsed.province and key(parsed.province).endswith(key(match.group(1))):
            return parsed.province
    return ""


def resolve(address: str, default_province: str = "") -> AdminUnits:
    """The 2024 and current units of a free-text address ("xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà
    Nam"); an address naming no known unit resolves to empty units."""
    part = _administrative_part(address)
    if default_province and key(default_province) not in key(part):
        part = f"{part}, {default_province}" if part else default_province
    return _resolve_cached(part)


def _official_province(code: str, fallback: str) -> str:
    try:
        return Province.from_code(ProvinceCode(int(code))).name
    except (ValueError, KeyError, TypeError):
        return fallback


def _official_ward(code: str, fallback: str) -> str:
    try:
        return Ward.from_code(WardCode(int(code))).name
    except (ValueError, KeyError, TypeError):
        return fallback


@lru_cache(maxsize=20_000)
def _resolve_cached(part: str) -> AdminUnits:
    if not part:
        return AdminUnits()
    # convert_address() parses the legacy address itself and keeps that parse as
    # ``OldAdminUnit``: reuse it so each address is parsed once, not twice. If the conversion
    # fails, parse and convert step by step below, which decides what a failure means.
    try:
        converted = convert_address(part)
        parsed = converted.OldAdminUnit
    except Exception:
        converted = parsed = None
    try:
        legacy = parsed if parsed is not None else parse_address(part, mode="LEGACY", level=3)
    except (ValueError, KeyError, IndexError):
        return AdminUnits()
    if not legacy.province:
        return AdminUnits()
    if not legacy.district and any(f" {w}" in f" {key(part)} " for w in _DISTRICT_WORDS):
        # The address names a district the parser could not place: a guess, not a match.
        return AdminUnits()
    try:
        current = converted if converted is not None else convert_address(part)
    except (ValueError, KeyError, IndexError):
        current = None
    province_code = (current.province_code or "") if current else ""
    commune_code = (current.ward_code or "") if current and current.ward else ""
    return AdminUnits(
        legacy_province=legacy.province or "",
        legacy_province_code=legacy.province_code or "",
        legacy_district=legacy.district or "",
        legacy_district_code=legacy.district_code or "",
        legacy_commune=legacy.ward or "",
        legacy_commune_code=legacy.ward_code or "",
        province=_official_province(province_code, current.province if current else "")
        if province_code
        else "",
        province_code=province_code,
        commune=_official_ward(commune_code, current.ward or "") if commune_code else "",
        commune_code=commune_code,
    )

"""Vietnamese shipping addresses on Oscar's address fields, with the current administrative units.

Since 1 July 2025 an address is house/street, commune or ward (xã/phường/đặc khu), province
(tỉnh/thành phố); there is no district. The units come from ``vietnam-provinces`` (the official
list), never from a hand-typed table. In Oscar's fields:

=============  ==========================================
``first_name`` the recipient's full name (họ và tên)
``line1``      house number and street (số nhà, đường)
``line2``      hamlet or residential group, optional (thôn, xóm, tổ dân phố)
``line3``      commune or ward, its official name
``state``      province, its official name
``postcode``   optional
``country``    Việt Nam
=============  ==========================================
"""

from __future__ import annotations

from functools import cache

from oscar.apps.address.models import Country
from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

from plugins.ocop.text import key

VIETNAM_ISO = "VN"
_UNIT_PREFIXES = ("thanh pho ", "tinh ", "phuong ", "xa ", "dac khu ")


def vietnam() -> Country:
    """Oscar's country row for Việt Nam, the one shipping country (created after migrate, and
    here too so a fresh database without it still takes orders)."""
    country, _created = Country.objects.get_or_create(
        iso_3166_1_a2=VIETNAM_ISO,
        defaults={
            "iso_3166_1_a3": "VNM",
            "iso_3166_1_numeric": "704",
            "printable_name": "Việt Nam",
            "name": "Cộng hòa Xã hội chủ nghĩa Việt Nam",
            "display_order": 100,
            "is_shipping_country": True,
        },
    )
    return country


def _sort_key(name: str) -> str:
    """Alphabetical by the proper name, so "Thành phố Hà Nội" sits under H and "Xã Liêm Hà"
    under L, where people look for them."""
    folded = key(name)
    for prefix in _UNIT_PREFIXES:
        if folded.startswith(prefix):
            return folded.removeprefix(prefix)
    return folded


@cache
def province_choices() -> tuple[tuple[str, str], ...]:
    """(code, name) of the 34 provinces, alphabetical."""
    provinces = sorted(Province.iter_all(), key=lambda p: _sort_key(p.name))
    return tuple((str(int(p.code)), p.name) for p in provinces)


@cache
def commune_choices(province_code: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the communes and wards of one province, alphabetical; empty for an
    unknown province."""
    province = province_by_code(province_code)
    if province is None:
        return ()
    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: _sort_key(w.name))
    return tuple((str(int(w.code)), w.name) for w in wards)


def province_by_code(code: str | int | None) -> Province | None:
    try:
        return Province.from_code(ProvinceCode(int(code)))
    except (TypeError, ValueError):
        return None


def commune_by_code(code: str | int | None) -> Ward | None:
    try:
        return Ward.from_code(WardCode(int(code)))
    except (TypeError, ValueError):
        return None


@cache
def _province_codes_by_name() -> dict[str, str]:
    return {key(name): code for code, name in province_choices()}


def province_code_for(name: str) -> str | None:
    """The code of the province stored under ``name`` in an address (``state``)."""
    return _province_codes_by_name().get(key(name or ""))


def commune_code_for(province_code: str | None, name: str) -> str | None:
    """The code of the commune or ward of that province stored under ``name`` (``line3``)."""
    if not province_code:
        return None
    wanted = key(name or "")
    for code, commune_name in commune_choices(province_code):
        if key(commune_name) == wanted:
            return code
    return None


def is_current_vietnamese_address(address) -> bool:
    """Whether an Oscar address names a current province and one of its communes, as the
    checkout's address form stores them (addresses typed elsewhere may not)."""
    if address.country_id != VIETNAM_ISO:
        return False
    return commune_code_for(province_code_for(address.state), address.line3) is not None

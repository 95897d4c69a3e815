"""The six product groups of Decision 148/QĐ-TTg (2023) and how older names map onto them.

Lists made under Decision 1048/QĐ-TTg (2019) use other group names ("Vải và may mặc",
"Lưu niệm - nội thất - trang trí", "Dịch vụ du lịch nông thôn"…); they are mapped, not
rejected. Matching is on the folded key (no diacritics, no punctuation).
"""

from __future__ import annotations

from dataclasses import dataclass

from .text import key


@dataclass(frozen=True)
class GroupDefinition:
    code: int
    slug: str
    name_vi: str
    name_en: str
    is_service: bool
    aliases: tuple[str, ...]


GROUPS: tuple[GroupDefinition, ...] = (
    GroupDefinition(
        1,
        "thuc-pham",
        "Thực phẩm",
        "Food",
        False,
        (
            "thuc pham",
            "nong san",
            "nong san tuoi song",
            "nong san so che",
            "thuc pham che bien",
            "thuc pham tuoi song",
            "food",
        ),
    ),
    GroupDefinition(
        2,
        "do-uong",
        "Đồ uống",
        "Beverages",
        False,
        ("do uong", "do uong co con", "do uong khong con", "ruou", "che", "tra", "beverages"),
    ),
    GroupDefinition(
        3,
        "duoc-lieu",
        "Dược liệu và sản phẩm từ dược liệu",
        "Medicinal herbs and herbal products",
        False,
        (
            "duoc lieu va san pham tu duoc lieu",
            "duoc lieu",
            "thao duoc",
            "san pham tu duoc lieu",
            "medicinal herbs",
            "herbal products",
        ),
    ),
    GroupDefinition(
        4,
        "thu-cong-my-nghe",
        "Thủ công mỹ nghệ",
        "Handicrafts",
        False,
        (
            "thu cong my nghe",
            "vai va may mac",
            "luu niem noi that trang tri",
            "luu niem",
            "do luu niem",
            "handicrafts",
        ),
    ),
    GroupDefinition(
        5,
        "sinh-vat-canh",
        "Sinh vật cảnh",
        "Ornamental plants and animals",
        False,
        ("sinh vat canh", "hoa cay canh", "cay canh", "ornamental plants and animals"),
    ),
    GroupDefinition(
        6,
        "du-lich",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        "Community and eco-tourism services and tourist sites",
        True,
        (
            "dich vu du lich cong dong du lich sinh thai va diem du lich",
            "dich vu du lich cong dong",
            "du lich cong dong",
            "du lich sinh thai",
            "diem du lich",
            "dich vu du lich nong thon",
            "dich vu du lich nong thon ban hang",
            "du lich",
            "tourism",
        ),
    ),
)

_BY_KEY: dict[str, int] = {alias: g.code for g in GROUPS for alias in g.aliases}


def group_code(text: str) -> int | None:
    """Map a group name as written in a list (2023 or 2019 naming, or its number) to a code."""
    folded = key(text)
    if folded.isdigit() and 1 <= int(folded) <= len(GROUPS):
        return int(folded)
    # "Nhóm 1: Thực phẩm" / "1. Thực phẩm": drop the numbering.
    for prefix in ("nhom ", "bo "):
        if folded.startswith(prefix):
            folded = folded[len(prefix) :]
    head, _, rest = folded.partition(" ")
    if head.isdigit() and rest:
        folded = rest
    return _BY_KEY.get(folded)

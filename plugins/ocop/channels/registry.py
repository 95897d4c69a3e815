"""The channels every installation starts with, and how channel names are matched."""

from __future__ import annotations

from dataclasses import dataclass

from ..models.channels import ChannelKind
from ..text import key

#: Slug of this marketplace's own channel; orders placed here are activity on it.
THIS_MARKETPLACE_SLUG = "ocop-market"


def channel_key(name: str) -> str:
    """Matching key for channel names as reports write them: "Co.opmart", "Coopmart" and
    "CO-OP MART" are the same channel; "WinMart+" stays apart from "WinMart"."""
    return key(name.replace("+", " plus ")).replace(" ", "")


@dataclass(frozen=True)
class ChannelDefinition:
    name: str
    slug: str
    kind: str
    website: str = ""

    @property
    def is_modern(self) -> bool:
        return self.kind != ChannelKind.TRADITIONAL


PRELOADED: tuple[ChannelDefinition, ...] = (
    ChannelDefinition("Shopee", "shopee", ChannelKind.MARKETPLACE, "https://shopee.vn"),
    ChannelDefinition("Lazada", "lazada", ChannelKind.MARKETPLACE, "https://www.lazada.vn"),
    ChannelDefinition("Tiki", "tiki", ChannelKind.MARKETPLACE, "https://tiki.vn"),
    ChannelDefinition("TikTok Shop", "tiktok-shop", ChannelKind.MARKETPLACE),
    ChannelDefinition("Postmart", "postmart", ChannelKind.MARKETPLACE, "https://postmart.vn"),
    ChannelDefinition("Voso", "voso", ChannelKind.MARKETPLACE, "https://voso.vn"),
    ChannelDefinition("Sendo", "sendo", ChannelKind.MARKETPLACE, "https://www.sendo.vn"),
    ChannelDefinition("WinMart", "winmart", ChannelKind.SUPERMARKET, "https://winmart.vn"),
    ChannelDefinition("WinMart+", "winmart-plus", ChannelKind.CONVENIENCE),
    ChannelDefinition("Co.opmart", "coopmart", ChannelKind.SUPERMARKET),
    ChannelDefinition("Bách hóa Xanh", "bach-hoa-xanh", ChannelKind.CONVENIENCE),
    ChannelDefinition("Facebook / Zalo shop", "social-shop", ChannelKind.ONLINE_SHOP),
    ChannelDefinition(
        "Điểm giới thiệu và bán sản phẩm OCOP", "ocop-showroom", ChannelKind.SHOWROOM
    ),
    ChannelDefinition("OCOP Market", THIS_MARKETPLACE_SLUG, ChannelKind.THIS_MARKETPLACE),
    ChannelDefinition("Chợ truyền thống / đại lý", "traditional", ChannelKind.TRADITIONAL),
)

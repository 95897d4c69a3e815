"""Text helpers for Vietnamese as people type it: NFC normalisation and diacritic folding."""

import re
import unicodedata

from django.utils.text import slugify as django_slugify
from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def nfc(value: str) -> str:
    """NFC-normalise and collapse whitespace (Windows-1258 files store tone marks apart)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case ASCII form for matching: "Bánh đa Đông Hòa" -> "banh da dong hoa"."""
    return _SPACES.sub(" ", unidecode(nfc(value)).lower()).strip()


def key(value: str) -> str:
    """A matching key: folded and stripped of punctuation ("TP. Phủ Lý" -> "tp phu ly")."""
    return _NON_WORD.sub(" ", fold(value)).strip()


def slugify(value: str, allow_unicode: bool = False) -> str:
    """URL slug that keeps Vietnamese letters readable ("Bánh đa" -> "banh-da").

    Also Oscar's ``OSCAR_SLUG_FUNCTION``, which Oscar calls with ``allow_unicode``; slugs stay
    ASCII whatever it says."""
    return django_slugify(unidecode(str(value)))

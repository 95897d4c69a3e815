"""Email text in Vietnamese first, English below (one template, rendered in each language)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.sites.models import Site
from django.template.loader import render_to_string
from django.utils import timezone, translation

#: The languages of every email, in the order they appear.
LANGUAGES = ("vi", "en")
SEPARATOR = "— English —"


def _tidy(text: str) -> str:
    """Template output without trailing spaces and with at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def bilingual_body(template_name: str, context: dict[str, object]) -> str:
    """``template_name`` rendered in Vietnamese, then in English under a separator; dates and
    times in the marketplace's time zone whatever zone is active."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language), timezone.override(settings.TIME_ZONE):
            parts.append(_tidy(render_to_string(template_name, context)))
    return f"\n\n{SEPARATOR}\n\n".join(parts) + "\n"


def bilingual_subject(make: Callable[[], str]) -> str:
    """``make()`` called in each language, joined: "Đơn hàng mới … / New order …"."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(" ".join(make().split()))
    return " / ".join(parts)


def site_url(path: str) -> str:
    """An absolute link for an email: ``OCOP_SITE_URL`` when set (production), else the
    current ``Site``'s domain over http (the embedded default serves http)."""
    base = settings.OCOP_SITE_URL or f"http://{Site.objects.get_current().domain}"
    return base.rstrip("/") + path

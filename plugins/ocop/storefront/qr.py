"""QR codes for traceability stamps (tem truy xuất nguồn gốc): each encodes the absolute URL of
a product's traceability page, so any phone camera opens it."""

from __future__ import annotations

import io

import segno
from django.urls import reverse

#: Error correction "M" survives a smudged or partly torn stamp and keeps the code small.
ERROR_LEVEL = "m"


def trace_url(request, product_id: int) -> str:
    """The absolute URL of a product's traceability page, as the request reached the site."""
    return request.build_absolute_uri(reverse("ocop-store:trace", args=[product_id]))


def qr_svg(data: str, *, scale: int = 4, title: str = "") -> str:
    """A standalone SVG document of the QR code encoding ``data``."""
    buffer = io.BytesIO()
    segno.make(data, error=ERROR_LEVEL, micro=False).save(
        buffer, kind="svg", scale=scale, border=4, title=title or None, xmldecl=True
    )
    return buffer.getvalue().decode("utf-8")


def qr_svg_inline(data: str) -> str:
    """The QR code encoding ``data`` as an ``<svg>`` element to embed in an HTML page; it has a
    viewBox and no size, so CSS sizes it for print."""
    return segno.make(data, error=ERROR_LEVEL, micro=False).svg_inline(border=2, omitsize=True)

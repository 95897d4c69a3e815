"""How an OCOP product is keyed in a Saleor store: ``externalReference`` ``ocop:<id>`` on the
product and its variant (``id`` is the ``OcopProduct``'s), set by the publisher and read back
from order lines."""

from __future__ import annotations

from plugins.ocop.models import OcopProduct

REFERENCE_PREFIX = "ocop:"


def external_reference(product: OcopProduct) -> str:
    return f"{REFERENCE_PREFIX}{product.pk}"


def ocop_product_id(reference: object) -> int | None:
    """The ``OcopProduct`` id in an external reference the publisher set, else None."""
    if isinstance(reference, str) and reference.startswith(REFERENCE_PREFIX):
        number = reference[len(REFERENCE_PREFIX) :]
        if number.isdigit():
            return int(number)
    return None

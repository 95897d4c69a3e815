"""Rows checkout needs in every installation, created after every ``migrate`` (and after a test
database flush, which emits the same signal), never overwriting what staff changed:
Việt Nam as the shipping country, the order-confirmation message type, the payment source types.
"""

from __future__ import annotations


def ensure_reference_data(**_kwargs) -> None:
    from oscar.apps.communication.models import CommunicationEventType

    from .addresses import vietnam
    from .methods import ALL_METHODS, source_type

    vietnam()
    # The message's text lives in the templates oscar/communication/emails/commtype_order_placed_*
    # (storefront_theme); empty template fields here make Oscar use those files.
    CommunicationEventType.objects.get_or_create(
        code="ORDER_PLACED",
        defaults={
            "name": "Xác nhận đặt hàng",
            "category": CommunicationEventType.ORDER_RELATED,
        },
    )
    for method in ALL_METHODS:
        source_type(method)

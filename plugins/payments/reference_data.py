"""Rows checkout needs in every installation, created after every ``migrate`` (and after a test
database flush, which emits the same signal), never overwriting what staff changed:
Việt Nam as the shipping country, the order-confirmation message type, the payment source types,
and the payout permissions of the department's staff group.
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
    grant_payout_permissions()


def grant_payout_permissions() -> None:
    """The Department of Industry and Trade's staff group follows payouts and retries failed
    ones (the group itself and its other permissions belong to ``plugins.ocop.roles``)."""
    from django.contrib.auth.models import Group, Permission

    from plugins.ocop.roles import DEPARTMENT_STAFF

    group, _created = Group.objects.get_or_create(name=DEPARTMENT_STAFF)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="payments", codename__in=["view_payout", "retry_payout"]
        )
    )

"""Who hears from the marketplace on a producer's behalf (người nhận thông báo)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from plugins.ocop.models import Producer


def users_prefetch(path: str) -> Prefetch:
    """Prefetch of the partner users at ``path`` (e.g. ``"partner__users"``), in a stable order,
    so ``producer_recipients`` reads them without a query per producer."""
    return Prefetch(path, queryset=get_user_model().objects.order_by("pk"))


def producer_recipients(producer: Producer) -> list[str]:
    """The addresses a producer's emails go to: its users' (the Oscar partner's active users
    with an email address), then its contact email; each address once, whatever its case."""
    addresses = [user.email for user in producer.partner.users.all() if user.is_active]
    addresses.append(producer.email)
    seen: set[str] = set()
    result = []
    for address in addresses:
        address = (address or "").strip()
        if address and address.casefold() not in seen:
            seen.add(address.casefold())
            result.append(address)
    return result

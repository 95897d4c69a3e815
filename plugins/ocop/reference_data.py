"""Reference data every installation needs: the six product groups, the preloaded channels and
the roles. Created after every ``migrate`` (and after a test database flush, which emits the
same signal), never overwriting what staff changed."""

from __future__ import annotations

from .channels.registry import PRELOADED, channel_key
from .groups import GROUPS
from .roles import ensure_roles


def ensure_reference_data(**_kwargs) -> None:
    from .models import Channel, ProductGroup

    for group in GROUPS:
        ProductGroup.objects.get_or_create(
            code=group.code,
            defaults={
                "slug": group.slug,
                "name_vi": group.name_vi,
                "name_en": group.name_en,
                "is_service": group.is_service,
            },
        )
    for channel in PRELOADED:
        Channel.objects.get_or_create(
            slug=channel.slug,
            defaults={
                "name": channel.name,
                "match_key": channel_key(channel.name),
                "kind": channel.kind,
                "is_modern": channel.is_modern,
                "website": channel.website,
            },
        )
    ensure_roles()

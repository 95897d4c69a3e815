"""Business actions on presences and channel activity. Views, commands, tasks, GraphQL and
the order hook call these; every change to a presence leaves an audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import (
    SELF_VERIFYING_SOURCES,
    ActivitySource,
    Channel,
    ChannelActivity,
    OcopProduct,
    Presence,
    PresenceEvent,
    PresenceSource,
    Producer,
    Verification,
)
from .sales import refresh_sales_months, sales_key

_EVIDENCE_FIELDS = ("listing_url", "contract_number", "evidence_file", "note")


def _user(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def record_presence(
    producer: Producer,
    channel: Channel,
    *,
    source: str,
    user: AbstractBaseUser | None = None,
    listing_url: str = "",
    contract_number: str = "",
    evidence_file=None,
    note: str = "",
) -> Presence:
    """Record (or add evidence to) a producer's presence on a channel.

    Declarations by producers and entries by staff wait for verification; presences that come
    from imported sales reports, orders here or connected stores are verified at once. Evidence
    given again is added to the presence; an existing verification is never downgraded.
    """
    evidence = {
        "listing_url": listing_url,
        "contract_number": contract_number,
        "evidence_file": evidence_file,
        "note": note,
    }
    presence = Presence.objects.select_for_update().filter(producer=producer, channel=channel)
    presence = presence.first()
    verified_now = source in SELF_VERIFYING_SOURCES
    if presence is None:
        presence = Presence(
            producer=producer,
            channel=channel,
            source=source,
            recorded_by=_user(user),
            verification=Verification.VERIFIED if verified_now else Verification.PENDING,
            verified_at=timezone.now() if verified_now else None,
            **{k: v for k, v in evidence.items() if v},
        )
        presence.save()
        PresenceEvent.objects.create(
            presence=presence,
            action=PresenceEvent.Action.CREATED,
            source=source,
            user=_user(user),
            details=_describe(evidence),
        )
        return presence
    changed = {k: v for k, v in evidence.items() if v and getattr(presence, k) != v}
    for name, value in changed.items():
        setattr(presence, name, value)
    if changed:
        PresenceEvent.objects.create(
            presence=presence,
            action=PresenceEvent.Action.UPDATED,
            source=source,
            user=_user(user),
            details=_describe(changed),
        )
    if verified_now and presence.verification != Verification.VERIFIED:
        presence.verification = Verification.VERIFIED
        presence.verified_at = timezone.now()
        PresenceEvent.objects.create(
            presence=presence,
            action=PresenceEvent.Action.VERIFIED,
            source=source,
            user=_user(user),
            details={"reason": "evidence from " + source},
        )
        changed["verification"] = True
    if changed:
        presence.save()
    return presence


def _describe(evidence: dict) -> dict:
    return {k: str(getattr(v, "name", v)) for k, v in evidence.items() if v}


@transaction.atomic
def review_presence(
    presence: Presence, *, verified: bool, user: AbstractBaseUser, note: str = ""
) -> Presence:
    """Staff verify or reject a pending (or earlier reviewed) presence."""
    presence = Presence.objects.select_for_update().get(pk=presence.pk)
    presence.verification = Verification.VERIFIED if verified else Verification.REJECTED
    presence.verified_by = user
    presence.verified_at = timezone.now()
    presence.save(update_fields=["verification", "verified_by", "verified_at"])
    PresenceEvent.objects.create(
        presence=presence,
        action=PresenceEvent.Action.VERIFIED if verified else PresenceEvent.Action.REJECTED,
        source=PresenceSource.STAFF,
        user=user,
        details={"note": note} if note else {},
    )
    return presence


def record_activity(
    producer: Producer,
    channel: Channel,
    *,
    date: dt.date,
    source: str,
    reference: str,
    orders: int | None = None,
    revenue: Decimal | None = None,
    product: OcopProduct | None = None,
    evidence_url: str = "",
    user: AbstractBaseUser | None = None,
) -> tuple[ChannelActivity, bool]:
    """Record one dated activity event, idempotent on (source, reference).

    Returns the event and whether it was created or changed. Activity from orders here, sales
    reports and connected stores also makes the producer's presence on the channel verified.
    The monthly sales roll-up follows in the same transaction.
    """
    presence_source = {
        ActivitySource.ORDER: PresenceSource.ORDERS,
        ActivitySource.SALES_REPORT: PresenceSource.IMPORTED,
        ActivitySource.CONNECTOR: PresenceSource.CONNECTOR,
        ActivitySource.STAFF: PresenceSource.STAFF,
    }[source]
    with transaction.atomic():
        values = {
            "producer": producer,
            "channel": channel,
            "date": date,
            "orders": orders,
            "revenue": revenue,
            "product": product,
            "evidence_url": evidence_url,
        }
        activity, created = ChannelActivity.objects.get_or_create(
            source=source, reference=reference, defaults={**values, "recorded_by": _user(user)}
        )
        touched = {sales_key(activity.producer_id, activity.channel_id, activity.date)}
        changed = created
        if not created:
            diff = {k: v for k, v in values.items() if getattr(activity, k) != v}
            if diff:
                for name, value in diff.items():
                    setattr(activity, name, value)
                activity.save()
                touched.add(sales_key(activity.producer_id, activity.channel_id, activity.date))
                changed = True
        if changed:
            refresh_sales_months(touched)
        record_presence(
            producer, channel, source=presence_source, user=user, listing_url=evidence_url
        )
    return activity, changed


def delete_activities(source: str, references: list[str]) -> int:
    """Delete the activity events of ``source`` with these ``references`` (an order cancelled
    in a connected store); the monthly sales roll-up follows in the same transaction. Presences
    stay as they are: they were evidenced. Returns how many events were deleted."""
    if not references:
        return 0
    with transaction.atomic():
        events = list(
            ChannelActivity.objects.select_for_update().filter(
                source=source, reference__in=references
            )
        )
        if not events:
            return 0
        ChannelActivity.objects.filter(pk__in=[e.pk for e in events]).delete()
        refresh_sales_months({sales_key(e.producer_id, e.channel_id, e.date) for e in events})
    return len(events)

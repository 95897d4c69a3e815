"""The one definition of "active in modern channels" (tham gia kênh bán hàng hiện đại).

A producer is **active in modern channels** on a date when it has at least one *verified*
presence on a *modern* channel with *activity* on that channel in the window ending that date.
An activity event counts unless the figures it gives are all zero (a report row saying "0
orders, 0 ₫" shows a listing without sales); an event without figures (a listing seen, a staff
entry) counts.
The window holds ``window_days`` days and ends on the date itself: with 90 days and a date of
30 June, activity from 2 April to 30 June counts.

The **population** counted on a date is the producers holding at least one valid certificate
of three stars or more on that date.

The report, the API, the dashboard and the snapshots all call these functions; none of them
restates the rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..models import Certificate, ChannelActivity, Presence, Producer, Verification

DEFAULT_WINDOW_DAYS = 90
#: Activity that shows selling: some orders or revenue, or no figures given at all.
SELLING = Q(orders__gt=0) | Q(revenue__gt=0) | Q(orders__isnull=True, revenue__isnull=True)
#: The plan's target: at least half of OCOP producers take part in modern channels.
TARGET_SHARE = Decimal("0.5")


def window_start(as_of: dt.date, window_days: int = DEFAULT_WINDOW_DAYS) -> dt.date:
    """First day of the window of ``window_days`` days ending on ``as_of`` (inclusive)."""
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    return as_of - dt.timedelta(days=window_days - 1)


def certified_condition(as_of: dt.date) -> Exists:
    """True for producers holding a valid 3★+ certificate on ``as_of``."""
    return Exists(Certificate.objects.certified_on(as_of).filter(product__producer=OuterRef("pk")))


def active_modern_condition(as_of: dt.date, window_days: int = DEFAULT_WINDOW_DAYS) -> Exists:
    """True for producers active in modern channels on ``as_of`` (see the module docstring)."""
    activity = ChannelActivity.objects.filter(
        SELLING,
        producer=OuterRef("producer"),
        channel=OuterRef("channel"),
        date__gte=window_start(as_of, window_days),
        date__lte=as_of,
    )
    presence = Presence.objects.filter(
        producer=OuterRef("pk"),
        verification=Verification.VERIFIED,
        channel__is_modern=True,
    ).filter(Exists(activity))
    return Exists(presence)


def population(as_of: dt.date) -> QuerySet[Producer]:
    """The producers counted on ``as_of``: those holding a valid 3★+ certificate."""
    return Producer.objects.filter(certified_condition(as_of))


def with_participation(
    producers: QuerySet[Producer], as_of: dt.date, window_days: int = DEFAULT_WINDOW_DAYS
) -> QuerySet[Producer]:
    """``producers`` annotated with ``active_modern`` (bool) for ``as_of``."""
    return producers.annotate(active_modern=active_modern_condition(as_of, window_days))


def is_active_modern(
    producer: Producer, as_of: dt.date, window_days: int = DEFAULT_WINDOW_DAYS
) -> bool:
    """Whether one producer is active in modern channels on ``as_of``."""
    return (
        Producer.objects.filter(pk=producer.pk)
        .filter(active_modern_condition(as_of, window_days))
        .exists()
    )


def share(active: int, total: int) -> Decimal:
    """Share of active producers, 0–1, rounded to four places (0 when nobody is counted)."""
    if not total:
        return Decimal("0")
    return (Decimal(active) / Decimal(total)).quantize(Decimal("0.0001"))

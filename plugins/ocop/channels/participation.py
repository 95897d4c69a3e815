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

**Where the activity test reads.** Every writer of activity keeps ``ProducerChannelMonth``
(``channels.sales``): per month, producer and channel, the first and last day with a selling
event. A window touches each month in one of four ways: it covers the whole month, its start,
its end, or it lies strictly inside it (both its first and last day in the month, neither
being the month's first or last day). In the first three cases the month holds a selling day
inside the window exactly when its last selling day is on or after the window's first day and
its first selling day on or before the window's last day; so the rule reads those rows (a few
per producer and channel instead of every event). Only a window strictly inside one month
(29 days or fewer) is tested on the events themselves. ``month_end_counts`` evaluates the rule
for many month ends in one query.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import reduce
from operator import add

from django.db.models import Case, Exists, Expression, Max, OuterRef, Q, QuerySet, Value, When

from ..models import (
    MIN_CERTIFIED_STARS,
    Certificate,
    ChannelActivity,
    Presence,
    Producer,
    ProducerChannelMonth,
    Verification,
    add_months,
)
from ..models.certificates import certified_on_q

DEFAULT_WINDOW_DAYS = 90
#: Activity that shows selling: some orders or revenue, or no figures given at all.
SELLING = Q(orders__gt=0) | Q(revenue__gt=0) | Q(orders__isnull=True, revenue__isnull=True)
#: The plan's target: at least half of OCOP producers take part in modern channels.
TARGET_SHARE = Decimal("0.5")
#: ``month_end_counts`` keeps one bit per month end in a 64-bit integer.
MAX_MONTH_ENDS = 62


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
    return Exists(
        Presence.objects.filter(counting_presence(as_of, window_days), producer=OuterRef("pk"))
    )


def counting_presence(as_of: dt.date, window_days: int = DEFAULT_WINDOW_DAYS) -> Q:
    """True for the presences that make their producer active in modern channels on
    ``as_of``: verified, on a modern channel, with selling on it in the window."""
    return Q(verification=Verification.VERIFIED, channel__is_modern=True) & Q(
        Exists(_selling(window_start(as_of, window_days), as_of))
    )


def _selling(first: dt.date, last: dt.date) -> QuerySet:
    """Selling by the outer presence's producer on its channel from ``first`` to ``last``."""
    pair = {"producer": OuterRef("producer"), "channel": OuterRef("channel")}
    if _month_start(first) == _month_start(last) and first.day > 1 and last != _month_end(last):
        # Strictly inside one month: the month's first and last selling days cannot tell.
        return ChannelActivity.objects.filter(SELLING, date__gte=first, date__lte=last, **pair)
    return ProducerChannelMonth.objects.filter(_selling_days(first, last), **pair)


def _selling_days(first: dt.date, last: dt.date) -> Q:
    """Monthly selling days with a selling day from ``first`` to ``last``, for a window not
    strictly inside one month."""
    return Q(
        month__gte=_month_start(first),
        month__lte=_month_start(last),
        last_selling_day__gte=first,
        first_selling_day__lte=last,
    )


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(day: dt.date) -> dt.date:
    return add_months(_month_start(day), 1) - dt.timedelta(days=1)


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


def month_end_counts(
    month_ends: Sequence[dt.date],
    window_days: int = DEFAULT_WINDOW_DAYS,
    *,
    certificates: QuerySet[Certificate] | None = None,
) -> list[tuple[int, int]]:
    """``(population, active in modern channels)`` on each of ``month_ends`` (last days of
    months), in one query whatever their number.

    The same rule as ``active_modern_condition``, read from the monthly selling days (a window
    ending on a month's last day never lies strictly inside a month). ``certificates`` (all by
    default) narrows who is counted: on each day, the producers holding one of them valid with
    3★+ (a group's certificates count the producers of that group)."""
    if any(_month_end(day) != day for day in month_ends):
        raise ValueError("month_ends must be last days of months")
    if len(month_ends) > MAX_MONTH_ENDS:
        raise ValueError(f"at most {MAX_MONTH_ENDS} month ends at once")
    if not month_ends:
        return []
    starts = [window_start(day, window_days) for day in month_ends]
    held = (
        (Certificate.objects.all() if certificates is None else certificates)
        .filter(
            stars__gte=MIN_CERTIFIED_STARS,
            revoked_on__isnull=True,
            decision_date__lte=max(month_ends),
            valid_until__gte=min(month_ends),
        )
        .values_list("product__producer")
        .annotate(kind=Value(0), days=_bits(certified_on_q(day) for day in month_ends))
        .order_by()
    )
    verified = Presence.objects.filter(
        producer=OuterRef("producer"),
        channel=OuterRef("channel"),
        verification=Verification.VERIFIED,
    )
    selling = (
        ProducerChannelMonth.objects.filter(
            Exists(verified),
            channel__is_modern=True,
            month__gte=_month_start(min(starts)),
            month__lte=_month_start(max(month_ends)),
            last_selling_day__gte=min(starts),
        )
        .values_list("producer")
        .annotate(
            kind=Value(1),
            days=_bits(
                _selling_days(start, day) for start, day in zip(starts, month_ends, strict=True)
            ),
        )
        .order_by()
    )
    counted: dict[int, int] = {}
    active: dict[int, int] = {}
    for producer_id, kind, days in held.union(selling, all=True):
        (active if kind else counted)[producer_id] = days
    totals = Counter(counted.values())
    actives = Counter(days & active.get(producer_id, 0) for producer_id, days in counted.items())
    return [
        (
            sum(n for days, n in totals.items() if days >> index & 1),
            sum(n for days, n in actives.items() if days >> index & 1),
        )
        for index in range(len(month_ends))
    ]


def _bits(conditions: Iterable[Q]) -> Expression:
    """Per group of rows, an integer whose bit ``i`` says whether a row met the ``i``-th
    condition."""
    return reduce(
        add,
        (
            Max(Case(When(condition, then=Value(1 << index)), default=Value(0)))
            for index, condition in enumerate(conditions)
        ),
    )


def share(active: int, total: int) -> Decimal:
    """Share of active producers, 0–1, rounded to four places (0 when nobody is counted)."""
    if not total:
        return Decimal("0")
    return (Decimal(active) / Decimal(total)).quantize(Decimal("0.0001"))

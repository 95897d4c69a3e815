"""The Department of Industry and Trade's channel report (báo cáo tham gia kênh bán hàng hiện
đại của chủ thể OCOP), one service behind the command, the exports, the API and the snapshots.

``build_channel_report(as_of, window_days)`` returns JSON-ready data: dates as ISO strings,
revenue as whole VND (int), shares as floats 0–1 rounded to four places. Who counts and who is
active comes from ``participation`` and nowhere else.

The report costs a fixed number of SQL queries whatever the data size: 11, one fewer for each
list with nothing to look up (no product sold in the sales window, every past trend month from
a snapshot); ``tests/test_channel_report.py`` pins it. The participation rule is evaluated
once for ``as_of``: one query reads the producers (of the filtered district and type) with
each one's ``active_modern`` flag, another the valid 3★+ certificates; the population is those
certificates' holders, and the headline, the five breakdowns, the trend's last point, the call
list and the sales' names are all computed from these two lists. The trend's past months are
snapshots or one query for all of them (``participation.month_end_counts``). Sales are grouped
in one query from the monthly roll-ups (``channels.sales``), a few rows per producer, channel
and month instead of every event.

Sections
--------
* Headline: ``producers_total`` is the population (producers holding a valid 3★+ certificate
  on ``as_of``), ``producers_active_modern`` those of them active in modern channels,
  ``share_active_modern`` the share, compared with the plan's ``target_share`` (≥ 50%).
* Breakdowns of the population, each row ``{key, name, total, active, share}``:
  ``by_district`` (2024 district, the unit the plan speaks of), ``by_commune`` (current
  commune/ward), ``by_group`` (a producer counts in each of the six groups where it holds a
  valid 3★+ certificate), ``by_producer_type``, ``by_stars`` (the producer's highest valid
  stars).
* ``trend``: one point per month for the 12 months ending at ``as_of``, each as of the month's
  last day (``as_of`` itself for its own month). A past month with a stored ``ReportSnapshot``
  of the same window is taken from it (``snapshot: true``), so late data cannot move it.
* ``not_active``: the call list, producers of the population not active, with contacts, valid
  products and their modern-channel presences (each pending, rejected, or verified but without
  activity in the window, else the producer would be active).
* ``targets``: the plan's other 2024 targets, counted in ``as_of``'s calendar year up to
  ``as_of`` (``year_start`` = 1 January):

  - ``products_ranked`` (142–152): products with a certificate making them 3★+ on ``as_of``
    (``Certificate.objects.certified_on``).
  - ``new_products_ranked`` (25–30): products whose first 3★+ decision (not revoked) is dated
    in [year_start, as_of].
  - ``producers_developed`` (65–70): producers with a 3★+ decision (not revoked) dated in
    [year_start, as_of]: a first certificate, a re-evaluation or an upgrade.
  - ``craft_villages`` (8–9): craft villages (producers' ``craft_village``, ignoring case and
    surrounding spaces) with a producer holding a valid 3★+ certificate on ``as_of``;
    ``new_craft_villages`` (1–2): those of them whose first 3★+ decision is in the year.
  - ``ranked_maintained`` (≥ 0.5): of the products with a 3★+ certificate (not revoked) that
    came due in the year, i.e. whose last valid day fell in [year_start, as_of) or that was
    superseded in [year_start, as_of], the share whose certificate was superseded (by a
    re-evaluation or an upgrade) on or before its last valid day. ``met`` is null when no
    certificate came due.

  A range target is met at its lower bound. Targets are the province's: filters do not apply.
* ``expiring_certificates``: valid 3★+ certificates whose last valid day is within 90 days
  after ``as_of``.
* ``sales``: orders, revenue and activity rows of ``ChannelActivity`` (all channels, modern
  or not), read from its monthly roll-up, for the ``sales_months`` months ending at ``as_of``:
  ``by_month``, then rows by channel, product group, 2024 district and star rank (the stars of
  the product's current certificate; activity without a product has key null), each with
  every month; rows by current commune and by producer with totals for the period only
  (there are thousands of them at national scale); the top 10 products and producers by
  revenue.

Filters (``district_code`` = 2024 district code, ``group_code`` = 1–6, ``producer_type``)
narrow the population (and so the breakdowns, trend, call list and ``by_stars``, which then
looks at the group's certificates only), the expiring certificates and the sales (a group
filter keeps activity on that group's products). With exactly one filter, snapshot months of
the trend take the matching breakdown row of the snapshot; with several, every month is live.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connections, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Lower, Trim, TruncMonth

from ..groups import GROUPS
from ..models import (
    EXPIRING_WITHIN_DAYS,
    MIN_CERTIFIED_STARS,
    Certificate,
    Channel,
    ChannelActivity,
    ChannelSalesMonth,
    OcopProduct,
    Presence,
    Producer,
    ProducerChannelMonth,
    ProducerType,
    ReportSnapshot,
    add_months,
)
from ..models.certificates import certified_on_q
from . import participation

TREND_MONTHS = 12
DEFAULT_SALES_MONTHS = 12
TOP_N = 10
#: Name shown for a row whose unit, group or rank is not known.
UNKNOWN = "Chưa xác định"

PRODUCER_TYPE_NAMES = {
    ProducerType.COOPERATIVE: "Hợp tác xã",
    ProducerType.COOPERATIVE_GROUP: "Tổ hợp tác",
    ProducerType.ENTERPRISE: "Doanh nghiệp",
    ProducerType.HOUSEHOLD: "Hộ sản xuất, kinh doanh",
    ProducerType.OTHER: "Khác",
}
GROUP_NAMES = {g.code: g.name_vi for g in GROUPS}
CERTIFIED_STARS = (5, 4, 3)


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    target_min: float | None = None
    target_max: float | None = None
    target: float | None = None


#: The plan's other 2024 targets (section II of the plan), in its order.
TARGETS: tuple[Target, ...] = (
    Target("new_products_ranked", "Sản phẩm mới đạt 3 sao trở lên trong năm", 25, 30),
    Target("products_ranked", "Tổng số sản phẩm 3 sao trở lên còn hiệu lực", 142, 152),
    Target("ranked_maintained", "Tỷ lệ sản phẩm đến hạn được duy trì, nâng hạng", target=0.5),
    Target("producers_developed", "Chủ thể phát triển mới và củng cố trong năm", 65, 70),
    Target("new_craft_villages", "Làng nghề mới có sản phẩm 3 sao trở lên", 1, 2),
    Target("craft_villages", "Tổng số làng nghề có sản phẩm 3 sao trở lên", 8, 9),
)


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; empty means the whole province."""

    district_code: str = ""
    group_code: int | None = None
    producer_type: str = ""

    def __post_init__(self) -> None:
        if self.group_code is not None and self.group_code not in GROUP_NAMES:
            raise ValueError(f"group_code must be one of {sorted(GROUP_NAMES)}")
        if self.producer_type and self.producer_type not in ProducerType.values:
            raise ValueError(f"producer_type must be one of {ProducerType.values}")

    @property
    def applied(self) -> dict[str, object]:
        """The filters given, by name (the report's ``filters``)."""
        return {
            k: v
            for k, v in (
                ("district_code", self.district_code),
                ("group_code", self.group_code),
                ("producer_type", self.producer_type),
            )
            if v not in ("", None)
        }

    def producers(self, queryset: QuerySet[Producer], as_of: dt.date) -> QuerySet[Producer]:
        """``queryset`` narrowed by the filters, the group one as of ``as_of``."""
        if self.district_code:
            queryset = queryset.filter(legacy_district_code=self.district_code)
        if self.producer_type:
            queryset = queryset.filter(type=self.producer_type)
        if self.group_code is not None:
            queryset = queryset.filter(self.group_condition(as_of))
        return queryset

    def group_condition(self, as_of: dt.date) -> Exists:
        """True for producers holding a valid 3★+ certificate in the filtered group."""
        return Exists(
            self.certificates(Certificate.objects.certified_on(as_of)).filter(
                product__producer=OuterRef("pk")
            )
        )

    def certificates(self, queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
        """Certificates of the filtered group (only the group filter applies to them)."""
        if self.group_code is not None:
            queryset = queryset.filter(product__group__code=self.group_code)
        return queryset

    def held_certificates(self, queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
        """Certificates of the filtered group held by producers of the filtered district and
        type."""
        queryset = self.certificates(queryset)
        if self.district_code:
            queryset = queryset.filter(product__producer__legacy_district_code=self.district_code)
        if self.producer_type:
            queryset = queryset.filter(product__producer__type=self.producer_type)
        return queryset

    def activities(self, queryset: QuerySet) -> QuerySet:
        """Activity events, their monthly roll-ups or presences, narrowed by the filters."""
        if self.district_code:
            queryset = queryset.filter(producer__legacy_district_code=self.district_code)
        if self.producer_type:
            queryset = queryset.filter(producer__type=self.producer_type)
        if self.group_code is not None:
            queryset = queryset.filter(product__group__code=self.group_code)
        return queryset


# Helpers --------------------------------------------------------------------------------------


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return add_months(first_of_month(day), 1) - dt.timedelta(days=1)


def months_ending(as_of: dt.date, count: int) -> list[dt.date]:
    """First days of the ``count`` months ending with ``as_of``'s month, oldest first."""
    first = first_of_month(as_of)
    return [add_months(first, -offset) for offset in range(count - 1, -1, -1)]


@functools.lru_cache(maxsize=4096)
def _share(active: int, total: int) -> float:
    """``participation.share`` as a float; thousands of breakdown rows repeat a few pairs."""
    return float(participation.share(active, total))


def _row(key: object, name: str, total: int, active: int, **extra: object) -> dict:
    return {
        "key": key,
        "name": name,
        **extra,
        "total": total,
        "active": active,
        "share": _share(active, total),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# The report -----------------------------------------------------------------------------------


def build_channel_report(
    as_of: dt.date,
    window_days: int = participation.DEFAULT_WINDOW_DAYS,
    *,
    district_code: str = "",
    group_code: int | None = None,
    producer_type: str = "",
    sales_months: int = DEFAULT_SALES_MONTHS,
) -> dict:
    """The channel report as of ``as_of`` (see the module docstring for every figure)."""
    participation.window_start(as_of, window_days)  # rejects a window under one day
    if sales_months < 1:
        raise ValueError("sales_months must be at least 1")
    filters = Filters(district_code, group_code, producer_type)
    with _collector_paused():
        return _build(as_of, window_days, filters, sales_months)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a report is built. The report allocates
    a few hundred thousand rows, lists and dicts (none in a cycle); left running, the collector
    makes two or three full passes over the whole process (Django, Oscar and the report) each
    time, 230 ms of a report of 480 ms at national scale. Afterwards it collects once what the
    report left (about 20 ms)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _build(as_of: dt.date, window_days: int, filters: Filters, sales_months: int) -> dict:
    # The population is the holders of the certificates that make a product certified on
    # ``as_of`` (``participation.population``), read from those certificates here rather than
    # by a second pass over them in the producers' query.
    scope = Filters(filters.district_code, None, filters.producer_type)
    certificates = _certified(scope, as_of)
    holders = {c.producer for c in certificates if filters.group_code in (None, c.group)}
    everyone = _population(scope.producers(Producer.objects.all(), as_of), as_of, window_days)
    producers = [p for p in everyone if p.id in holders]
    if filters.group_code is not None:
        certificates = [c for c in certificates if c.producer in holders]
    counts = _population_counts(producers, certificates, filters)
    total = len(producers)
    active_count = sum(p.active_modern for p in producers)
    share = participation.share(active_count, total)
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "window_start": participation.window_start(as_of, window_days).isoformat(),
        "filters": filters.applied,
        "producers_total": total,
        "producers_active_modern": active_count,
        "share_active_modern": float(share),
        "target_share": float(participation.TARGET_SHARE),
        "meets_target": total > 0 and share >= participation.TARGET_SHARE,
        "by_district": _by_unit(counts["district"]),
        "by_commune": _by_unit(counts["commune"]),
        "by_group": _by_group(producers, certificates),
        "by_producer_type": _by_fixed(counts["type"], PRODUCER_TYPE_NAMES),
        "by_stars": _by_fixed(counts["stars"], {s: f"{s} sao" for s in CERTIFIED_STARS}),
        "trend": _trend(as_of, window_days, filters, (total, active_count)),
        "not_active": _not_active(producers, certificates, as_of, window_days, scope),
        "targets": _targets(as_of),
        "expiring_certificates": _expiring(as_of, filters),
        "sales": _sales(as_of, sales_months, filters, everyone),
    }


def _population(producers: QuerySet[Producer], as_of: dt.date, window_days: int) -> list:
    """``producers`` with their contacts and ``active_modern`` (named tuples), in call-list
    order: the one query that evaluates the participation rule for ``as_of``; the headline,
    the breakdowns, the trend's last point, the call list and the sales' names are all read
    from it."""
    return list(
        participation.with_participation(producers, as_of, window_days)
        .values_list(
            "id",
            "name",
            "type",
            "address",
            "legacy_district_code",
            "legacy_district",
            "legacy_province",
            "commune_code",
            "commune",
            "province",
            "phone",
            "email",
            "active_modern",
            named=True,
        )
        .order_by("legacy_district_code", "commune_code", "name", "id")
    )


def _certified(scope: Filters, as_of: dt.date) -> list:
    """The valid 3★+ certificates of the producers in ``scope`` (named tuples ``producer,
    product_name, group, stars, valid_until``), best first: the population, the producers'
    highest stars, their groups and the call list's products."""
    return list(
        scope.held_certificates(Certificate.objects.certified_on(as_of))
        .annotate(
            producer=F("product__producer_id"),
            product_name=F("product__name"),
            group=F("product__group__code"),
        )
        .values_list("producer", "product_name", "group", "stars", "valid_until", named=True)
        .order_by("-stars", "product__name", "pk")
    )


def _population_counts(producers: list, certificates: list, filters: Filters) -> dict[str, dict]:
    """Producers counted and active per 2024 district, current commune, type and highest
    stars, summed in one pass (the four breakdowns). With a group filter the highest stars
    are those of the group's certificates. A unit's name is the greatest its producers give
    (they give the same but for typos)."""
    highest: dict[int, int] = {}
    for cert in certificates:  # best first, so a producer's first is its highest
        if filters.group_code in (None, cert.group):
            highest.setdefault(cert.producer, cert.stars)
    counts: dict[str, dict] = {"district": {}, "commune": {}, "type": {}, "stars": {}}
    districts, communes, types, stars = counts.values()
    for p in producers:
        active = p.active_modern
        _count_unit(
            districts, p.legacy_district_code, (p.legacy_district, p.legacy_province), active
        )
        _count_unit(communes, p.commune_code, (p.commune, p.province), active)
        for totals, key in ((types, p.type), (stars, highest.get(p.id))):
            total = totals.get(key)
            if total is None:
                total = totals[key] = [0, 0]
            total[0] += 1
            total[1] += active
    return counts


def _count_unit(units: dict, code: str, names: tuple[str, str], active: bool) -> None:
    unit = units.get(code or None)
    if unit is None:
        units[code or None] = [names, 1, int(active)]
        return
    if names > unit[0]:
        unit[0] = names
    unit[1] += 1
    unit[2] += active


def _by_unit(units: dict[str | None, list]) -> list[dict]:
    """Rows per administrative unit, by code; producers whose unit is unknown come last."""
    ordered = sorted(units, key=lambda code: (code is None, code or ""))
    return [
        _row(
            code,
            units[code][0][0] or UNKNOWN,
            units[code][1],
            units[code][2],
            province=units[code][0][1] or "",
        )
        for code in ordered
    ]


def _by_fixed(totals: dict[object, list[int]], names: dict) -> list[dict]:
    """Rows for every value of a fixed list (producer types, star ranks), zeros included."""
    return [_row(key, name, *totals.get(key, (0, 0))) for key, name in names.items()]


def _by_group(producers: list, certificates: list) -> list[dict]:
    """A producer counts in each group where it holds a valid 3★+ certificate."""
    active = {p.id: p.active_modern for p in producers}
    members: dict[int, set[int]] = defaultdict(set)
    for cert in certificates:
        members[cert.group].add(cert.producer)
    return [
        _row(code, name, len(members[code]), sum(active[p] for p in members[code]))
        for code, name in GROUP_NAMES.items()
    ]


# Trend ----------------------------------------------------------------------------------------

#: Which breakdown of a snapshot answers a report narrowed by one filter.
_SNAPSHOT_BREAKDOWN = {
    "district_code": "by_district",
    "group_code": "by_group",
    "producer_type": "by_producer_type",
}


def _trend(
    as_of: dt.date, window_days: int, filters: Filters, current: tuple[int, int]
) -> list[dict]:
    """``current`` is the headline's (total, active): the last point, as of ``as_of`` itself."""
    months = months_ending(as_of, TREND_MONTHS)
    days = {m: min(month_end(m), as_of) for m in months}
    frozen = _snapshot_points(months[:-1], window_days, filters)
    live = [m for m in months[:-1] if m not in frozen]
    counts = dict(
        zip(
            live,
            participation.month_end_counts(
                [days[m] for m in live],
                window_days,
                certificates=filters.held_certificates(Certificate.objects.all()),
            ),
            strict=True,
        )
    )
    points = []
    for month in months:
        if month in frozen:
            points.append(frozen[month])
            continue
        if month in counts:
            total, active = counts[month]
        else:
            total, active = current
        points.append(
            {
                "month": f"{month:%Y-%m}",
                "as_of": days[month].isoformat(),
                "total": total,
                "active": active,
                "share": _share(active, total),
                "snapshot": False,
            }
        )
    return points


def _snapshot_points(
    months: list[dt.date], window_days: int, filters: Filters
) -> dict[dt.date, dict]:
    """Trend points taken from stored snapshots; only the figures are read, not the report."""
    narrowed = filters.applied
    if len(narrowed) > 1:
        return {}
    fields = {"total": F("producers_total"), "active": F("producers_active_modern")}
    if narrowed:
        ((name, value),) = narrowed.items()
        fields = {"rows": F(f"data__{_SNAPSHOT_BREAKDOWN[name]}")}
    points = {}
    for snap in ReportSnapshot.objects.filter(month__in=months, window_days=window_days).values(
        "month", "as_of", **fields
    ):
        if narrowed:
            row = next((r for r in snap["rows"] or [] if r["key"] == value), None)
            total, active = (row["total"], row["active"]) if row else (0, 0)
        else:
            total, active = snap["total"], snap["active"]
        points[snap["month"]] = {
            "month": f"{snap['month']:%Y-%m}",
            "as_of": snap["as_of"].isoformat(),
            "total": total,
            "active": active,
            "share": _share(active, total),
            "snapshot": True,
        }
    return points


# Call list ------------------------------------------------------------------------------------


def _not_active(
    producers: list, certificates: list, as_of: dt.date, window_days: int, scope: Filters
) -> list[dict]:
    """The call list: the population's producers not active, with their valid 3★+ products
    and their modern-channel presences, read as those of the producers in ``scope`` with no
    presence that counts (``participation.counting_presence``): naming the call list's
    thousands of producers in the query costs more."""
    callees = [p for p in producers if not p.active_modern]
    products: dict[int, list[dict]] = {p.id: [] for p in callees}
    for cert in certificates:
        listed = products.get(cert.producer)
        if listed is not None:
            listed.append(
                {
                    "name": cert.product_name,
                    "stars": cert.stars,
                    "valid_until": cert.valid_until.isoformat(),
                }
            )
    last_activity = ChannelActivity.objects.filter(
        producer=OuterRef("producer"), channel=OuterRef("channel"), date__lte=as_of
    ).order_by("-date")
    counting = Presence.objects.filter(participation.counting_presence(as_of, window_days))
    presences: dict[int, list[dict]] = {p.id: [] for p in callees}
    for producer, channel, verification, last in (
        scope.activities(Presence.objects.filter(channel__is_modern=True))
        .exclude(producer__in=counting.values("producer"))
        .annotate(last_activity=Subquery(last_activity.values("date")[:1]))
        .values_list("producer_id", "channel__name", "verification", "last_activity")
        .order_by("channel__name")
    ):
        listed = presences.get(producer)
        if listed is not None:
            listed.append(
                {"channel": channel, "verification": verification, "last_activity": _iso(last)}
            )
    return [
        {
            "id": p.id,
            "name": p.name,
            "type": p.type,
            "type_name": PRODUCER_TYPE_NAMES.get(p.type, p.type),
            "address": p.address,
            "district_code": p.legacy_district_code or None,
            "district": p.legacy_district,
            "commune_code": p.commune_code or None,
            "commune": p.commune,
            "phone": p.phone,
            "email": p.email,
            "products": products[p.id],
            "channels": [c["channel"] for c in presences[p.id]],
            "presences": presences[p.id],
        }
        for p in callees
    ]


# Targets --------------------------------------------------------------------------------------


def _targets(as_of: dt.date) -> dict[str, dict]:
    """The plan's other targets in two queries: the counts over the 3★+ certificates (not
    revoked) in one aggregate (a product is new in the year when it has one dated in the year
    and none before), then the craft villages."""
    year_start = as_of.replace(month=1, day=1)
    in_year = Q(decision_date__gte=year_start, decision_date__lte=as_of)
    ranked = Certificate.objects.filter(stars__gte=MIN_CERTIFIED_STARS, revoked_on__isnull=True)
    came_due = Q(decision_date__lte=as_of) & (
        Q(valid_until__gte=year_start, valid_until__lt=as_of)
        | Q(superseded_on__gte=year_start, superseded_on__lte=as_of)
    )
    in_time = Q(superseded_on__lte=as_of) & Q(superseded_on__lte=F("valid_until"))
    first_ranked_earlier = ranked.filter(product=OuterRef("product"), decision_date__lt=year_start)
    counts = ranked.aggregate(
        products_ranked=Count("product", distinct=True, filter=certified_on_q(as_of)),
        new_products=Count(
            "product", distinct=True, filter=in_year & ~Exists(first_ranked_earlier)
        ),
        producers_developed=Count("product__producer", distinct=True, filter=in_year),
        due=Count("product", distinct=True, filter=came_due),
        maintained=Count("product", distinct=True, filter=came_due & in_time),
    )
    villages = (
        # The plain test first: PostgreSQL knows how few producers have a village, and starts
        # from them.
        ranked.exclude(product__producer__craft_village="")
        .annotate(village=Lower(Trim("product__producer__craft_village")))
        .exclude(village="")
        .values("village")
        .annotate(
            first_ranked=Min("decision_date"),
            certified=Count("pk", filter=certified_on_q(as_of)),
        )
        .filter(certified__gt=0)
        .order_by()
    ).aggregate(
        total=Count("village"), new=Count("village", filter=Q(first_ranked__gte=year_start))
    )
    due = {"due": counts["due"], "maintained": counts["maintained"]}
    values = {
        "products_ranked": counts["products_ranked"],
        "new_products_ranked": counts["new_products"],
        "producers_developed": counts["producers_developed"],
        "craft_villages": villages["total"],
        "new_craft_villages": villages["new"],
        "ranked_maintained": _share(due["maintained"], due["due"]),
    }
    result = {}
    for target in TARGETS:
        value = values[target.key]
        entry = {"label": target.label, "value": value}
        if target.target is not None:
            entry["target"] = target.target
            entry["met"] = value >= target.target if due["due"] else None
            entry["due"] = due["due"]
            entry["maintained"] = due["maintained"]
        else:
            entry["target_min"] = target.target_min
            entry["target_max"] = target.target_max
            entry["met"] = value >= target.target_min
        result[target.key] = entry
    return result


# Expiring certificates ------------------------------------------------------------------------


def _expiring(as_of: dt.date, filters: Filters) -> list[dict]:
    until = as_of + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    certificates = filters.held_certificates(Certificate.objects.certified_on(as_of)).filter(
        valid_until__lte=until
    )
    rows = certificates.values(
        "pk",
        "product_id",
        "product__name",
        "product__producer_id",
        "product__producer__name",
        "product__producer__phone",
        "product__producer__legacy_district",
        "stars",
        "decision_number",
        "decision_date",
        "valid_until",
    ).order_by("valid_until", "product__producer__name", "product__name", "pk")
    return [
        {
            "certificate_id": r["pk"],
            "product_id": r["product_id"],
            "product": r["product__name"],
            "producer_id": r["product__producer_id"],
            "producer": r["product__producer__name"],
            "phone": r["product__producer__phone"],
            "district": r["product__producer__legacy_district"],
            "stars": r["stars"],
            "decision_number": r["decision_number"],
            "decision_date": r["decision_date"].isoformat(),
            "valid_until": r["valid_until"].isoformat(),
            "days_left": (r["valid_until"] - as_of).days,
        }
        for r in rows
    ]


# Sales ----------------------------------------------------------------------------------------

#: Figures as whole numbers from the database (no ``Decimal`` per grouped row).
_BIG = BigIntegerField()
#: Sums over the monthly roll-ups: orders, revenue, activities.
_SUMS = {f"sum_{m}": Cast(Sum(m), _BIG) for m in ("orders", "revenue", "activities")}
#: Sums over activity events, negated: the events after ``as_of`` in its own month, which the
#: roll-up's last month holds and the report must not count.
_LATE = {
    "sum_orders": Cast(Value(0) - Coalesce(Sum("orders"), Value(0)), _BIG),
    "sum_revenue": Cast(Value(Decimal(0)) - Coalesce(Sum("revenue"), Value(Decimal(0))), _BIG),
    "sum_activities": Cast(Value(0) - Count("pk"), _BIG),
}
#: What a sales row can be grouped by (the query's columns between the kind and the figures),
#: with the constant a grouping that does not use a column puts in it: constants stay out of the
#: GROUP BY and have the column's type, so PostgreSQL can match the branches' columns.
_SALES_KEYS = {
    "key_month": Value(dt.date.min),
    "key_channel": Value(0),
    "key_group": Value(0),
    "key_stars": Value(0),
    "key_district": Value(""),
    "key_producer": Value(0),
    "key_product": Value(0),
}
#: The three groupings of sales, by kind: (month, channel, group, stars) for the sections by
#: month, channel, group and stars; (month, 2024 district); (producer, product) for the
#: producers, communes and products.
_MIX, _DISTRICTS, _PAIRS = 0, 1, 2
_GROUPINGS = {
    _MIX: {
        "key_channel": F("channel_id"),
        "key_group": F("product__group__code"),
        "key_stars": F("product__current_certificate__stars"),
    },
    _DISTRICTS: {"key_district": F("producer__legacy_district_code")},
    _PAIRS: {"key_producer": F("producer_id"), "key_product": F("product_id")},
}

#: Figures of a row being summed: [orders, revenue, activities].
Figures = list[int]


def _sales(as_of: dt.date, sales_months: int, filters: Filters, producers: list) -> dict:
    """Sales grouped in the database by ids and codes only, in one query: (month, channel,
    group, stars), (month, 2024 district) and (producer, product), the last summed here per
    producer, per commune and per product. They are read from the monthly roll-up
    (``ChannelSalesMonth``), each grouping next to the same grouping of the events dated after
    ``as_of`` in its month, negated (usually none: only a report on a past day has them); the
    sales by district read ``ProducerChannelMonth`` when no group filter needs the products.
    The groupings are the branches of one ``UNION ALL``. Names come from ``producers`` (the
    producers in the filters' district and type, already read for the population) and two
    small queries afterwards: carrying them through the grouping costs more than the grouping
    itself."""
    months = months_ending(as_of, sales_months)
    labels = [f"{m:%Y-%m}" for m in months]
    period = Q(month__gte=months[0], month__lte=months[-1])
    rollup = filters.activities(ChannelSalesMonth.objects.filter(period))
    # The sales by district need no product: unless a group narrows them, they read the roll-up
    # per producer and channel, which has about half as many rows.
    per_channel = rollup
    if filters.group_code is None:
        per_channel = filters.activities(ProducerChannelMonth.objects.filter(period))
    late = filters.activities(
        ChannelActivity.objects.filter(date__gt=as_of, date__lte=month_end(as_of))
    )
    branches = [
        _grouping(source, month, kind, sums)
        for kind in _GROUPINGS
        for source, month, sums in (
            (per_channel if kind == _DISTRICTS else rollup, F("month"), _SUMS),
            (late, Cast(TruncMonth("date"), DateField()), _LATE),
        )
    ]
    rows = _net(_fetch(branches[0].union(*branches[1:], all=True)), 1 + len(_SALES_KEYS))

    # Months come as dates, or as ISO text from SQLite's computed columns.
    index = {key: i for i, month in enumerate(months) for key in (month, month.isoformat())}
    by_month = _Monthly(len(months))
    by_channel, by_group, by_stars, by_district = (_Monthly(len(months)) for _ in range(4))
    per_producer: dict[int, Figures] = {}
    per_product: dict[int, Figures] = {}
    for kind, month, channel, group, stars, district, producer, product, *figures in rows:
        if kind == _PAIRS:  # two thirds of the rows: summed inline
            total = per_producer.get(producer)
            if total is None:
                per_producer[producer] = figures
            else:
                total[0] += figures[0]
                total[1] += figures[1]
                total[2] += figures[2]
            if product is not None:
                _add(per_product, product, figures)
        elif kind == _DISTRICTS:
            by_district.add(district, index[month], figures)
        else:
            i = index[month]
            by_month.add(None, i, figures)
            by_channel.add(channel, i, figures)
            by_group.add(group, i, figures)
            by_stars.add(stars, i, figures)

    channels = {c["id"]: c for c in Channel.objects.values("id", "slug", "name", "is_modern")}
    places = {p.id: p for p in producers}
    district_names: dict[str, tuple[str, str]] = {}
    for p in producers:  # the greatest names a district's producers give, as in by_district
        names = (p.legacy_district, p.legacy_province)
        if names > district_names.get(p.legacy_district_code, ("", "")):
            district_names[p.legacy_district_code] = names
    by_producer = [
        {
            "key": producer,
            "name": places[producer].name,
            "district": places[producer].legacy_district,
            "commune": places[producer].commune,
            **_figures(figures),
        }
        for producer, figures in sorted(
            per_producer.items(), key=lambda item: (-item[1][1], -item[1][0], str(item[0]))
        )
    ]
    communes: dict[object, dict] = {}
    for row in by_producer:
        place = places[row["key"]]
        code = place.commune_code or None
        commune = communes.get(code)
        if commune is None:
            commune = communes[code] = {
                "key": code,
                **_place((place.commune, place.province)),
                "orders": 0,
                "revenue": 0,
                "activities": 0,
            }
        commune["orders"] += row["orders"]
        commune["revenue"] += row["revenue"]
        commune["activities"] += row["activities"]
    top_products = heapq.nsmallest(
        TOP_N, per_product.items(), key=lambda item: (-item[1][1], -item[1][0], item[0])
    )
    product_names = {
        p["id"]: p
        for p in OcopProduct.objects.filter(pk__in=[key for key, _f in top_products]).values(
            "id", "name", "producer__name"
        )
    }
    totals = by_month.cells(None)
    return {
        "months": labels,
        "start": months[0].isoformat(),
        "end": as_of.isoformat(),
        "total": _figures([sum(cell[n] for cell in totals) for n in range(3)]),
        "by_month": [
            {"month": label, **_figures(cell)} for label, cell in zip(labels, totals, strict=True)
        ],
        "by_channel": by_channel.rows(
            labels,
            lambda c: channels[c]["slug"],
            lambda c: {"name": channels[c]["name"], "is_modern": channels[c]["is_modern"]},
        ),
        "by_group": by_group.rows(
            labels, lambda g: g, lambda g: {"name": GROUP_NAMES.get(g, UNKNOWN)}
        ),
        "by_district": by_district.rows(
            labels, lambda d: d or None, lambda d: _place(district_names.get(d))
        ),
        "by_commune": sorted(communes.values(), key=_by_revenue),
        "by_stars": sorted(
            by_stars.rows(labels, lambda s: s, lambda s: {"name": _stars_name(s)}),
            key=lambda r: -(r["key"] or 0),
        ),
        "by_producer": by_producer,
        "top_products": [
            {
                "rank": rank,
                "key": key,
                "name": product_names[key]["name"],
                "producer": product_names[key]["producer__name"],
                **_figures(figures),
            }
            for rank, (key, figures) in enumerate(top_products, start=1)
        ],
        "top_producers": [
            {"rank": rank, **row} for rank, row in enumerate(by_producer[:TOP_N], start=1)
        ],
    }


def _fetch(query: QuerySet) -> list[tuple]:
    """The rows of ``query`` as the database driver returns them. The sales query's columns are
    ids, codes, dates and whole numbers: Django's per-value converters would only turn ints
    into ints (a fifth of the section's Python time at national scale)."""
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _grouping(source: QuerySet, month, kind: int, sums: dict) -> QuerySet:
    """One branch of the sales query: ``source`` grouped as ``kind`` says, with every column
    of ``_SALES_KEYS``."""
    keys = {"key_month": month} if kind != _PAIRS else {}
    keys |= _GROUPINGS[kind]
    columns = {name: keys.get(name, constant) for name, constant in _SALES_KEYS.items()}
    return (
        source.annotate(kind=Value(kind), **columns)
        .values_list("kind", *columns)
        .annotate(**sums)
        .order_by()
    )


class _Monthly:
    """Figures summed per raw key (an id or a code) and month of the sales period."""

    def __init__(self, months: int) -> None:
        self.months = months
        self.figures: dict[object, list[Figures]] = {}

    def add(self, key: object, month: int, figures: Figures) -> None:
        """Add ``figures`` to ``key``'s ``month`` (an index)."""
        cells = self.figures.get(key)
        if cells is None:
            cells = self.figures[key] = [[0, 0, 0] for _ in range(self.months)]
        cell = cells[month]
        cell[0] += figures[0]
        cell[1] += figures[1]
        cell[2] += figures[2]

    def cells(self, key: object) -> list[Figures]:
        return self.figures.get(key) or [[0, 0, 0] for _ in range(self.months)]

    def rows(self, labels: list[str], key, describe) -> list[dict]:
        """One row per ``key(raw key)`` (raw keys giving the same key are summed, described by
        the first) with its totals and every month (zeros included), biggest revenue first."""
        merged: dict[object, tuple[object, list[Figures]]] = {}
        for raw, cells in self.figures.items():
            k = key(raw)
            if k in merged:
                for into, cell in zip(merged[k][1], cells, strict=True):
                    for n in range(3):
                        into[n] += cell[n]
            else:
                merged[k] = (raw, [list(cell) for cell in cells])
        rows = [
            {
                "key": k,
                **describe(raw),
                **_figures([sum(cell[n] for cell in cells) for n in range(3)]),
                "months": [
                    {"month": label, **_figures(cell)}
                    for label, cell in zip(labels, cells, strict=True)
                ],
            }
            for k, (raw, cells) in merged.items()
        ]
        return sorted(rows, key=_by_revenue)


def _add(sums: dict[object, Figures], key: object, figures: Figures) -> None:
    total = sums.get(key)
    if total is None:
        sums[key] = list(figures)
    else:
        total[0] += figures[0]
        total[1] += figures[1]
        total[2] += figures[2]


def _figures(figures: Figures) -> dict[str, int]:
    return {"orders": figures[0], "revenue": figures[1], "activities": figures[2]}


def _net(rows: Iterable[tuple], width: int) -> list[tuple]:
    """Roll-up rows and negated late rows, ``width`` columns saying the group then the three
    figures, summed per group; a group left without events is dropped, as grouping the events
    would not have it."""
    rows = list(rows)
    if all(r[-1] > 0 for r in rows):
        return rows  # no late events: each group is one row of the roll-up
    sums: dict[tuple, Figures] = {}
    for r in rows:
        _add(sums, r[:width], r[width:])
    return [(*key, *figures) for key, figures in sums.items() if figures[2]]


def _place(names: tuple[str, str] | None) -> dict:
    name, province = names or ("", "")
    return {"name": name or UNKNOWN, "province": province or ""}


def _stars_name(stars: int | None) -> str:
    return f"{stars} sao" if stars else UNKNOWN


def _by_revenue(row: dict) -> tuple:
    return (-row["revenue"], -row["orders"], row["key"] is None, str(row["key"]))


# Snapshots ------------------------------------------------------------------------------------


#: Report sections a snapshot leaves out: lists as long as the data is big (the call list, the
#: expiring certificates, sales per commune, district and producer), and the trend, which is
#: the snapshots themselves. Every report reads the snapshots of its trend, so they stay small.
_SNAPSHOT_LEAVES_OUT = ("trend", "not_active", "expiring_certificates")
_SNAPSHOT_SALES_LEAVES_OUT = ("by_district", "by_commune", "by_producer")


def snapshot_data(report: dict) -> dict:
    """What a snapshot stores of ``report``: its figures, with the lists it leaves out
    counted (``not_active_count``, ``expiring_count``)."""
    data = {k: v for k, v in report.items() if k not in _SNAPSHOT_LEAVES_OUT}
    data["not_active_count"] = len(report["not_active"])
    data["expiring_count"] = len(report["expiring_certificates"])
    data["sales"] = {
        k: v for k, v in report["sales"].items() if k not in _SNAPSHOT_SALES_LEAVES_OUT
    }
    return data


def snapshot_month(
    month_start: dt.date,
    window_days: int = participation.DEFAULT_WINDOW_DAYS,
    *,
    force: bool = False,
) -> ReportSnapshot:
    """Freeze the report as of the last day of the month of ``month_start`` (its first day, or
    any day of it).

    A month is stored once: running again returns the stored snapshot unchanged unless
    ``force`` is given, so late data cannot move a past month's figure by accident."""
    first = first_of_month(month_start)
    existing = ReportSnapshot.objects.filter(month=first, window_days=window_days).first()
    if existing is not None and not force:
        return existing
    as_of = month_end(first)
    data = snapshot_data(build_channel_report(as_of, window_days))
    figures = {
        "as_of": as_of,
        "data": data,
        "producers_total": data["producers_total"],
        "producers_active_modern": data["producers_active_modern"],
    }
    if existing is not None:
        for name, value in figures.items():
            setattr(existing, name, value)
        existing.save(update_fields=list(figures))
        return existing
    try:
        with transaction.atomic():
            return ReportSnapshot.objects.create(month=first, window_days=window_days, **figures)
    except IntegrityError:
        # Another run stored the month meanwhile: that one stands.
        return ReportSnapshot.objects.get(month=first, window_days=window_days)

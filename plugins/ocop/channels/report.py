"""The Department of Industry and Trade's channel report (báo cáo tham gia kênh bán hàng hiện
đại của chủ thể OCOP), one service behind the command, the exports, the API and the snapshots.

``build_channel_report(as_of, window_days)`` returns JSON-ready data: dates as ISO strings,
revenue as whole VND (int), shares as floats 0–1 rounded to four places. Who counts and who is
active comes from ``participation`` and nowhere else.

The report costs a fixed number of SQL queries whatever the data size: 17, one fewer for each
list with nothing to look up (nobody on the call list, nothing sold in the sales window, every
past trend month from a snapshot); ``tests/test_channel_report.py`` pins it. The participation
rule is evaluated once for ``as_of``: one query reads the population with each producer's
``active_modern`` flag, and the headline, the five breakdowns, the trend's last point and the
call list are all computed from it and from the population's certificates (a second query),
instead of each asking the database to evaluate the rule again. Sales are grouped in the
database from the monthly roll-up ``ChannelSalesMonth`` (``channels.sales``), a few rows per
producer, channel and month instead of every activity event; one grouping by (producer,
product) gives the producer, commune and product figures.

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
import gc
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import (
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
    ProducerType,
    ReportSnapshot,
    add_months,
)
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

    def activities(self, queryset: QuerySet) -> QuerySet:
        """Activity events, or their monthly roll-up, narrowed by the filters."""
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


def _share(active: int, total: int) -> float:
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
    """Pause Python's cyclic garbage collector while a report is built: the report allocates
    a few hundred thousand dicts and lists (none in a cycle), and the collector's repeated
    passes over them cost a tenth of the report's time at national scale."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _build(as_of: dt.date, window_days: int, filters: Filters, sales_months: int) -> dict:
    population = filters.producers(participation.population(as_of), as_of)
    producers = _population(population, as_of, window_days)
    certificates = _certified(population, as_of, filters)
    counts = _population_counts(producers, certificates, filters)
    total = len(producers)
    active_count = sum(p["active_modern"] for p in producers)
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
        "not_active": _not_active(producers, certificates, as_of),
        "targets": _targets(as_of),
        "expiring_certificates": _expiring(as_of, filters),
        "sales": _sales(as_of, sales_months, filters),
    }


def _population(population: QuerySet[Producer], as_of: dt.date, window_days: int) -> list[dict]:
    """Every producer of the population with its contacts and ``active_modern``, in call-list
    order: the one query that evaluates the participation rule for ``as_of``; the headline,
    the breakdowns, the trend's last point and the call list are all read from it."""
    return list(
        participation.with_participation(population, as_of, window_days)
        .values(
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
        )
        .order_by("legacy_district_code", "commune_code", "name", "id")
    )


def _certified(population: QuerySet[Producer], as_of: dt.date, filters: Filters) -> list[dict]:
    """The population's valid 3★+ certificates, best first: the producers' highest stars,
    their groups and the call list's products."""
    certificates = Certificate.objects.certified_on(as_of)
    if filters.applied:
        # Unfiltered, the population is exactly the holders of these certificates.
        certificates = certificates.filter(product__producer__in=population.values("pk"))
    return list(
        certificates.values(
            "product__producer_id", "product__name", "product__group__code", "stars", "valid_until"
        ).order_by("-stars", "product__name", "pk")
    )


def _population_counts(
    producers: list[dict], certificates: list[dict], filters: Filters
) -> dict[str, dict]:
    """Producers counted and active per 2024 district, current commune, type and highest
    stars, summed in one pass (the four breakdowns). With a group filter the highest stars
    are those of the group's certificates. A unit's name is the greatest its producers give
    (they give the same but for typos)."""
    highest: dict[int, int] = {}
    for cert in certificates:  # best first, so a producer's first is its highest
        if filters.group_code in (None, cert["product__group__code"]):
            highest.setdefault(cert["product__producer_id"], cert["stars"])
    counts: dict[str, dict] = {"district": {}, "commune": {}, "type": {}, "stars": {}}
    districts, communes, types, stars = counts.values()
    for p in producers:
        active = p["active_modern"]
        for units, code, names in (
            (districts, p["legacy_district_code"], (p["legacy_district"], p["legacy_province"])),
            (communes, p["commune_code"], (p["commune"], p["province"])),
        ):
            unit = units.get(code or None)
            if unit is None:
                unit = units[code or None] = [names, 0, 0]
            elif names > unit[0]:
                unit[0] = names
            unit[1] += 1
            unit[2] += active
        for totals, key in ((types, p["type"]), (stars, highest.get(p["id"]))):
            total = totals.setdefault(key, [0, 0])
            total[0] += 1
            total[1] += active
    return counts


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


def _by_group(producers: list[dict], certificates: list[dict]) -> list[dict]:
    """A producer counts in each group where it holds a valid 3★+ certificate."""
    active = {p["id"]: p["active_modern"] for p in producers}
    members: dict[int, set[int]] = defaultdict(set)
    for cert in certificates:
        members[cert["product__group__code"]].add(cert["product__producer_id"])
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
    aggregates = {}
    for index, month in enumerate(live):
        day = days[month]
        # An uncorrelated IN: the month's population is hashed once, not probed per producer
        # for the total and again for the active count.
        counted = Q(pk__in=participation.population(day).values("pk"))
        if filters.group_code is not None:
            counted &= Q(filters.group_condition(day))
        aggregates[f"total_{index}"] = Count("pk", filter=counted)
        aggregates[f"active_{index}"] = Count(
            "pk", filter=counted & Q(participation.active_modern_condition(day, window_days))
        )
    counts = {}
    if aggregates:
        # The group filter is dated, so it is part of each month's condition above instead.
        scope = Filters(filters.district_code, None, filters.producer_type).producers(
            Producer.objects.all(), as_of
        )
        counts = scope.aggregate(**aggregates)
    points = []
    for month in months:
        if month in frozen:
            points.append(frozen[month])
            continue
        if month in live:
            index = live.index(month)
            total, active = counts[f"total_{index}"], counts[f"active_{index}"]
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
    fields = {
        "total": F("data__producers_total"),
        "active": F("data__producers_active_modern"),
    }
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
            total, active = int(snap["total"]), int(snap["active"])
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


def _not_active(producers: list[dict], certificates: list[dict], as_of: dt.date) -> list[dict]:
    """The call list: the population's producers not active, with their valid 3★+ products
    and their modern-channel presences (read for these producers only)."""
    callees = [p for p in producers if not p["active_modern"]]
    wanted = {p["id"] for p in callees}
    products = defaultdict(list)
    for cert in certificates:
        if cert["product__producer_id"] in wanted:
            products[cert["product__producer_id"]].append(
                {
                    "name": cert["product__name"],
                    "stars": cert["stars"],
                    "valid_until": cert["valid_until"].isoformat(),
                }
            )
    last_activity = ChannelActivity.objects.filter(
        producer=OuterRef("producer"), channel=OuterRef("channel"), date__lte=as_of
    ).order_by("-date")
    presences = defaultdict(list)
    for presence in (
        Presence.objects.filter(producer_id__in=wanted, channel__is_modern=True)
        .annotate(last_activity=Subquery(last_activity.values("date")[:1]))
        .values("producer_id", "channel__name", "verification", "last_activity")
        .order_by("channel__name")
    ):
        presences[presence["producer_id"]].append(
            {
                "channel": presence["channel__name"],
                "verification": presence["verification"],
                "last_activity": _iso(presence["last_activity"]),
            }
        )
    return [
        {
            "id": p["id"],
            "name": p["name"],
            "type": p["type"],
            "type_name": PRODUCER_TYPE_NAMES.get(p["type"], p["type"]),
            "address": p["address"],
            "district_code": p["legacy_district_code"] or None,
            "district": p["legacy_district"],
            "commune_code": p["commune_code"] or None,
            "commune": p["commune"],
            "phone": p["phone"],
            "email": p["email"],
            "products": products[p["id"]],
            "channels": [c["channel"] for c in presences[p["id"]]],
            "presences": presences[p["id"]],
        }
        for p in callees
    ]


# Targets --------------------------------------------------------------------------------------


def _targets(as_of: dt.date) -> dict[str, dict]:
    year_start = as_of.replace(month=1, day=1)
    in_year = Q(decision_date__gte=year_start, decision_date__lte=as_of)
    ranked = Q(stars__gte=MIN_CERTIFIED_STARS, revoked_on__isnull=True)
    certified = Certificate.objects.certified_on(as_of)

    products_ranked = certified.aggregate(n=Count("product", distinct=True))["n"]
    new_products = (
        OcopProduct.objects.annotate(
            first_ranked=Min(
                "certificates__decision_date",
                filter=Q(
                    certificates__stars__gte=MIN_CERTIFIED_STARS,
                    certificates__revoked_on__isnull=True,
                ),
            )
        )
        .filter(first_ranked__gte=year_start, first_ranked__lte=as_of)
        .count()
    )
    producers_developed = Certificate.objects.filter(ranked, in_year).aggregate(
        n=Count("product__producer", distinct=True)
    )["n"]
    villages = (
        Producer.objects.annotate(village=Lower(Trim("craft_village")))
        .exclude(village="")
        .values("village")
        .annotate(
            first_ranked=Min(
                "products__certificates__decision_date",
                filter=Q(
                    products__certificates__stars__gte=MIN_CERTIFIED_STARS,
                    products__certificates__revoked_on__isnull=True,
                ),
            ),
            certified=Count(
                "products__certificates", filter=Q(products__certificates__in=certified)
            ),
        )
        .filter(certified__gt=0)
        .order_by()
    ).aggregate(
        total=Count("village"), new=Count("village", filter=Q(first_ranked__gte=year_start))
    )
    came_due = Q(valid_until__gte=year_start, valid_until__lt=as_of) | Q(
        superseded_on__gte=year_start, superseded_on__lte=as_of
    )
    in_time = Q(superseded_on__lte=as_of) & Q(superseded_on__lte=F("valid_until"))
    due = Certificate.objects.filter(ranked, came_due, decision_date__lte=as_of).aggregate(
        due=Count("product", distinct=True),
        maintained=Count("product", distinct=True, filter=in_time),
    )
    values = {
        "products_ranked": products_ranked,
        "new_products_ranked": new_products,
        "producers_developed": producers_developed,
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
    certificates = filters.certificates(Certificate.objects.certified_on(as_of)).filter(
        valid_until__lte=until
    )
    if filters.district_code:
        certificates = certificates.filter(
            product__producer__legacy_district_code=filters.district_code
        )
    if filters.producer_type:
        certificates = certificates.filter(product__producer__type=filters.producer_type)
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

_MEASURES = ("orders", "revenue", "activities")
#: Sums over the monthly roll-up.
_SUMS = {measure: Sum(measure) for measure in _MEASURES}
#: Sums over activity events, negated: the events after ``as_of`` in its own month, which the
#: roll-up's last month holds and the report must not count.
_LATE = {
    "orders": Value(0) - Coalesce(Sum("orders"), Value(0)),
    "revenue": Value(Decimal(0)) - Coalesce(Sum("revenue"), Value(Decimal(0))),
    "activities": Value(0) - Count("pk"),
}


def _sales(as_of: dt.date, sales_months: int, filters: Filters) -> dict:
    """Sales grouped in the database by ids and codes only: (month, channel, group, stars),
    (month, 2024 district) and (producer, product), the last summed here per producer, per
    commune and per product. They are read from the monthly roll-up (``ChannelSalesMonth``),
    each grouping in one query together with the same grouping of the events dated after
    ``as_of`` in its month, negated (usually none: only a report on a past day has them).
    Names come from three small queries afterwards: carrying them through the grouping costs
    more than the grouping itself."""
    months = months_ending(as_of, sales_months)
    labels = [f"{m:%Y-%m}" for m in months]
    rollup = filters.activities(
        ChannelSalesMonth.objects.filter(month__gte=months[0], month__lte=months[-1])
    )
    late = filters.activities(
        ChannelActivity.objects.filter(date__gt=as_of, date__lte=month_end(as_of))
    ).annotate(month=Cast(TruncMonth("date"), DateField()))

    def grouped(*fields: str) -> list[dict]:
        sums = rollup.values(*fields).annotate(**_SUMS).order_by()
        late_sums = late.values(*fields).annotate(**_LATE).order_by()
        return _net(sums.union(late_sums, all=True), fields)

    mix = grouped(
        "month", "channel_id", "product__group__code", "product__current_certificate__stars"
    )
    districts = grouped("month", "producer__legacy_district_code")
    pairs = grouped("producer_id", "product_id")
    producers = _totals(pairs, lambda r: r["producer_id"], lambda r: {})
    top_products = heapq.nsmallest(
        TOP_N,
        _summed(
            (r for r in pairs if r["product_id"] is not None),
            lambda r: r["product_id"],
            lambda r: {},
        ),
        key=lambda r: (-r["revenue"], -r["orders"], r["key"]),
    )
    channels = {c["id"]: c for c in Channel.objects.values("id", "slug", "name", "is_modern")}
    scope = Filters(filters.district_code, None, filters.producer_type)
    places = {
        p["id"]: p
        for p in scope.producers(Producer.objects.all(), as_of).values(
            "id",
            "name",
            "legacy_district_code",
            "legacy_district",
            "legacy_province",
            "commune_code",
            "commune",
            "province",
        )
    }
    product_names = {
        p["id"]: p
        for p in OcopProduct.objects.filter(pk__in=[r["key"] for r in top_products]).values(
            "id", "name", "producer__name"
        )
    }
    district_names = {
        p["legacy_district_code"]: (p["legacy_district"], p["legacy_province"])
        for p in places.values()
    }

    by_month = {label: dict.fromkeys(_MEASURES, 0) for label in labels}
    for r in mix:
        point = by_month[r["label"]]
        point["orders"] += r["orders"]
        point["revenue"] += r["revenue"]
        point["activities"] += r["activities"]
    by_producer = [
        {
            "key": r["key"],
            "name": places[r["key"]]["name"],
            "district": places[r["key"]]["legacy_district"],
            "commune": places[r["key"]]["commune"],
            "orders": r["orders"],
            "revenue": r["revenue"],
            "activities": r["activities"],
        }
        for r in producers
    ]
    return {
        "months": labels,
        "start": months[0].isoformat(),
        "end": as_of.isoformat(),
        "total": {m: sum(p[m] for p in by_month.values()) for m in _MEASURES},
        "by_month": [{"month": label, **figures} for label, figures in by_month.items()],
        "by_channel": _monthly(
            mix,
            labels,
            lambda r: channels[r["channel_id"]]["slug"],
            lambda r: {
                "name": channels[r["channel_id"]]["name"],
                "is_modern": channels[r["channel_id"]]["is_modern"],
            },
        ),
        "by_group": _monthly(
            mix,
            labels,
            lambda r: r["product__group__code"],
            lambda r: {"name": GROUP_NAMES.get(r["product__group__code"], UNKNOWN)},
        ),
        "by_district": _monthly(
            districts,
            labels,
            lambda r: r["producer__legacy_district_code"] or None,
            lambda r: _place(district_names.get(r["producer__legacy_district_code"])),
        ),
        "by_commune": _totals(
            producers,
            lambda r: places[r["key"]]["commune_code"] or None,
            lambda r: _place((places[r["key"]]["commune"], places[r["key"]]["province"])),
        ),
        "by_stars": sorted(
            _monthly(
                mix,
                labels,
                lambda r: r["product__current_certificate__stars"],
                lambda r: {"name": _stars_name(r["product__current_certificate__stars"])},
            ),
            key=lambda r: -(r["key"] or 0),
        ),
        "by_producer": by_producer,
        "top_products": [
            {
                "rank": rank,
                "key": r["key"],
                "name": product_names[r["key"]]["name"],
                "producer": product_names[r["key"]]["producer__name"],
                "orders": r["orders"],
                "revenue": r["revenue"],
                "activities": r["activities"],
            }
            for rank, r in enumerate(top_products, start=1)
        ],
        "top_producers": [
            {"rank": rank, **row} for rank, row in enumerate(by_producer[:TOP_N], start=1)
        ],
    }


def _net(rows: Iterable[dict], fields: tuple[str, ...]) -> list[dict]:
    """Roll-up rows and negated late rows summed per ``fields``, figures as ints and months
    labelled; a group left without events is dropped, as grouping the events would not have
    it."""
    rows = list(rows)
    labels: dict[dt.date, str] = {}
    for r in rows:
        r["orders"], r["revenue"] = int(r["orders"]), int(r["revenue"])
        if "month" in r:
            month = r["month"]
            r["label"] = labels.get(month) or labels.setdefault(month, f"{month:%Y-%m}")
    if all(r["activities"] > 0 for r in rows):
        return rows  # no late events: each group is one row of the roll-up
    sums: dict[tuple, dict] = {}
    for r in rows:
        key = tuple(r[f] for f in fields)
        if key not in sums:
            sums[key] = r
            continue
        for measure in _MEASURES:
            sums[key][measure] += r[measure]
    return [r for r in sums.values() if r["activities"]]


def _place(names: tuple[str, str] | None) -> dict:
    name, province = names or ("", "")
    return {"name": name or UNKNOWN, "province": province or ""}


def _stars_name(stars: int | None) -> str:
    return f"{stars} sao" if stars else UNKNOWN


def _by_revenue(row: dict) -> tuple:
    return (-row["revenue"], -row["orders"], row["key"] is None, str(row["key"]))


def _totals(rows: Iterable[dict], key, describe) -> list[dict]:
    """Grouped rows summed per ``key(row)``, biggest revenue first."""
    return sorted(_summed(rows, key, describe), key=_by_revenue)


def _summed(rows: Iterable[dict], key, describe) -> Iterable[dict]:
    """Grouped rows summed per ``key(row)``, each ``{key, **describe(row), orders, revenue,
    activities}``."""
    result: dict[object, dict] = {}
    for r in rows:
        k = key(r)
        row = result.get(k)
        if row is None:
            row = result[k] = {"key": k, **describe(r), **dict.fromkeys(_MEASURES, 0)}
        row["orders"] += r["orders"]
        row["revenue"] += r["revenue"]
        row["activities"] += r["activities"]
    return result.values()


def _monthly(rows: Iterable[dict], labels: list[str], key, describe) -> list[dict]:
    """Grouped (month, …) rows summed per ``key(row)``, each with every month of ``labels``
    (zeros included), biggest revenue first."""
    result: dict[object, dict] = {}
    for r in rows:
        k = key(r)
        row = result.get(k)
        if row is None:
            row = result[k] = {
                "key": k,
                **describe(r),
                **dict.fromkeys(_MEASURES, 0),
                "months": {label: dict.fromkeys(_MEASURES, 0) for label in labels},
            }
        point = row["months"][r["label"]]
        orders, revenue, activities = r["orders"], r["revenue"], r["activities"]
        point["orders"] += orders
        point["revenue"] += revenue
        point["activities"] += activities
        row["orders"] += orders
        row["revenue"] += revenue
        row["activities"] += activities
    for row in result.values():
        row["months"] = [{"month": label, **row["months"][label]} for label in labels]
    return sorted(result.values(), key=_by_revenue)


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
    if existing is not None:
        existing.as_of, existing.data = as_of, data
        existing.save(update_fields=["as_of", "data"])
        return existing
    try:
        with transaction.atomic():
            return ReportSnapshot.objects.create(
                month=first, as_of=as_of, window_days=window_days, data=data
            )
    except IntegrityError:
        # Another run stored the month meanwhile: that one stands.
        return ReportSnapshot.objects.get(month=first, window_days=window_days)

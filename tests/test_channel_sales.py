"""The monthly roll-ups (``ChannelSalesMonth``, ``ProducerChannelMonth``): every writer of
channel activity keeps them equal to the activity, the command and the migrations rebuild them,
and the report's sales section read from them has the figures the activity itself gives."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import threading
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from plugins.ocop.channels.report import GROUP_NAMES, UNKNOWN, build_channel_report
from plugins.ocop.channels.report import months_ending as report_months
from plugins.ocop.channels.sales import rebuild_sales_rollup
from plugins.ocop.channels.services import record_activity
from plugins.ocop.importer.channel_reports import import_channel_report
from plugins.ocop.models import (
    ActivitySource,
    ChannelActivity,
    ChannelSalesMonth,
    ProducerChannelMonth,
)

from .conftest import TODAY
from .test_channel_report import BAMBOO, HATS, HONEY, TEA, channel, product, sell
from .test_channel_report import scenario as scenario  # noqa: F401  (fixtures)
from .test_channel_report import staff_user as staff_user  # noqa: F401

pytestmark = pytest.mark.django_db

REPORT_HEADER = "Chủ thể,Kênh,Ngày,Số đơn,Doanh thu (VNĐ),Sản phẩm\n"


def rollup() -> dict[tuple, tuple]:
    """The roll-up's figures per (month, producer, channel, product)."""
    sums: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), 0])
    for row in ChannelSalesMonth.objects.all():
        figures = sums[(row.month, row.producer_id, row.channel_id, row.product_id)]
        figures[0] += row.orders
        figures[1] += row.revenue
        figures[2] += row.activities
    return {key: tuple(figures) for key, figures in sums.items()}


def summed_activity() -> dict[tuple, tuple]:
    """What the roll-up must hold: the activity summed event by event."""
    sums: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), 0])
    for event in ChannelActivity.objects.all():
        figures = sums[
            (event.date.replace(day=1), event.producer_id, event.channel_id, event.product_id)
        ]
        figures[0] += event.orders or 0
        figures[1] += event.revenue or 0
        figures[2] += 1
    return {key: tuple(figures) for key, figures in sums.items()}


def channel_rollup() -> dict[tuple, tuple]:
    """Per (month, producer, channel): orders, revenue, events, first and last selling day, as
    ``ProducerChannelMonth`` holds them."""
    return {
        (row.month, row.producer_id, row.channel_id): (
            row.orders,
            row.revenue,
            row.activities,
            row.first_selling_day,
            row.last_selling_day,
        )
        for row in ProducerChannelMonth.objects.all()
    }


def channel_months_from_activity() -> dict[tuple, tuple]:
    """What it must hold, event by event: the sums, and the first and last day of the month
    with an event that shows selling (some orders or revenue, or no figures at all)."""
    months: dict[tuple, list] = {}
    for event in ChannelActivity.objects.all():
        key = (event.date.replace(day=1), event.producer_id, event.channel_id)
        month = months.setdefault(key, [0, Decimal(0), 0, None, None])
        month[0] += event.orders or 0
        month[1] += event.revenue or 0
        month[2] += 1
        figures = (event.orders, event.revenue)
        if figures == (None, None) or any(f for f in figures if f):
            month[3] = min(month[3] or event.date, event.date)
            month[4] = max(month[4] or event.date, event.date)
    return {key: tuple(month) for key, month in months.items()}


def import_report(rows: str, **kwargs):
    stream = io.BytesIO((REPORT_HEADER + rows).encode())
    return import_channel_report(stream, filename="report.csv", today=TODAY, **kwargs)


def updated_and_reimported(p: dict) -> None:
    """Corrections, moves and re-imports on top of the report scenario."""
    day = dt.timedelta
    # A corrected figure, an event moved to the month before, a product changed.
    sell(p[TEA], "shopee", TODAY - day(10), "tea-1", 5, 650_000, "Trà xanh")
    sell(p[HATS], "lazada", dt.date(2026, 10, 30), "hat-1", 1, 120_000, "Nón lá", "staff")
    sell(p[TEA], "shopee", dt.date(2025, 10, 15), "tea-old", 100, 9_999_000, "Cao chè dây")
    # An event with no figures (a listing seen) and one with zero sales.
    record_activity(
        p[HONEY],
        channel("tiki"),
        date=TODAY - day(3),
        source=ActivitySource.STAFF,
        reference="honey-seen",
    )
    sell(p[BAMBOO], "shopee", TODAY - day(2), "bamboo-zero", 0, 0)
    rows = (
        f"{TEA},Shopee,01/11/2026,2,300.000,Trà xanh\n"
        f"{TEA},Shopee,21/11/2026,4,600.000,Trà xanh\n"
        f"{TEA},Lazada,15/09/2026,1,90.000,Cao chè dây\n"
        f"{BAMBOO},Postmart,27/11/2026,3,1.500.000,Mây tre đan\n"
    )
    assert import_report(rows).written
    assert import_report(rows).unchanged == 4  # the same report again changes nothing
    corrected = rows.replace("21/11/2026,4,600.000", "21/11/2026,6,900.000")
    assert import_report(corrected).updated == 1


# Keeping the roll-up ------------------------------------------------------------------------------


def test_every_write_of_activity_keeps_the_rollup_equal_to_the_activity(scenario):
    assert rollup() == summed_activity()
    assert ChannelSalesMonth.objects.count() == len(summed_activity())
    assert channel_rollup() == channel_months_from_activity()
    updated_and_reimported(scenario)
    assert rollup() == summed_activity()
    assert channel_rollup() == channel_months_from_activity()
    # The hats moved to October: November has no hats row left.
    hats_november = (dt.date(2026, 11, 1), scenario[HATS].pk, channel("lazada").pk)
    assert not any(key[:3] == hats_november for key in rollup())
    assert hats_november not in channel_rollup()
    hats_october = (dt.date(2026, 10, 1), *hats_november[1:])
    assert channel_rollup()[hats_october] == (
        1,
        120_000,
        1,
        dt.date(2026, 10, 30),
        dt.date(2026, 10, 30),
    )
    # The honey's event without figures is selling; the bamboo's zero-sales row is not.
    november = dt.date(2026, 11, 1)
    assert (
        channel_rollup()[(november, scenario[HONEY].pk, channel("tiki").pk)][3:]
        == (TODAY - dt.timedelta(days=3),) * 2
    )
    bamboo_shopee = (november, scenario[BAMBOO].pk, channel("shopee").pk)
    assert channel_rollup()[bamboo_shopee] == (0, 0, 1, None, None)


def test_a_zero_sales_row_leaves_no_selling_day(scenario):
    sell(scenario[BAMBOO], "lazada", TODAY - dt.timedelta(days=2), "bamboo-zero", 0, 0)
    key = (TODAY.replace(day=1), scenario[BAMBOO].pk, channel("lazada").pk)
    assert channel_rollup()[key] == (0, 0, 1, None, None)
    sell(scenario[BAMBOO], "lazada", TODAY - dt.timedelta(days=2), "bamboo-zero", 1, 0)
    assert channel_rollup()[key] == (1, 0, 1, *(TODAY - dt.timedelta(days=2),) * 2)
    assert channel_rollup() == channel_months_from_activity()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_of_one_producer_at_once_take_turns(scenario):
    """Orders placed at the same moment: without the lock each would recompute the month from
    a snapshot missing the others' events and the roll-up would count them several times."""
    tea, shopee = scenario[TEA], channel("shopee")
    start = threading.Barrier(4)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(3):
                record_activity(
                    tea,
                    shopee,
                    date=TODAY,
                    source=ActivitySource.STAFF,
                    reference=f"at-once-{n}-{i}",
                    orders=1,
                    revenue=Decimal(1000),
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ChannelActivity.objects.filter(reference__startswith="at-once-").count() == 12
    assert rollup() == summed_activity()
    assert channel_rollup() == channel_months_from_activity()


def test_imports_that_write_nothing_leave_the_rollup_alone(scenario):
    before = rollup()
    assert not import_report(f"{TEA},Shopee,02/11/2026,9,900.000,Trà xanh\n", dry_run=True).written
    bad = f"{TEA},Shopee,03/11/2026,9,900.000,Trà xanh\nNobody,Shopee,03/11/2026,1,1,\n"
    assert not import_report(bad).written
    assert rollup() == before == summed_activity()
    assert channel_rollup() == channel_months_from_activity()


def test_a_deleted_product_moves_its_sales_to_no_product_in_both(scenario):
    updated_and_reimported(scenario)
    product(scenario[TEA], "Trà xanh").delete()
    assert rollup() == summed_activity()
    assert build_channel_report(TODAY)["sales"] == sales_from_activity(TODAY)


def test_rebuild_recomputes_the_rollup_from_the_activity(scenario):
    updated_and_reimported(scenario)
    ChannelSalesMonth.objects.all().delete()
    ProducerChannelMonth.objects.all().delete()
    # Activity changed behind the services' back, as a restore or SQL by hand would.
    ChannelActivity.objects.filter(reference="tea-1").update(orders=50)
    ChannelActivity.objects.filter(reference="bamboo-zero").update(orders=1)
    expected = summed_activity()
    assert rebuild_sales_rollup() == len(expected)
    assert rollup() == expected
    assert channel_rollup() == channel_months_from_activity()
    bamboo_shopee = (TODAY.replace(day=1), scenario[BAMBOO].pk, channel("shopee").pk)
    assert channel_rollup()[bamboo_shopee][3] == TODAY - dt.timedelta(days=2)
    out = io.StringIO()
    call_command("ocop_rebuild_sales", stdout=out)
    assert f"{len(expected):,} rows" in out.getvalue()
    assert rollup() == expected
    assert channel_rollup() == channel_months_from_activity()


def test_the_migrations_build_the_rollups_for_existing_activity(scenario):
    updated_and_reimported(scenario)
    ChannelSalesMonth.objects.all().delete()
    ProducerChannelMonth.objects.all().delete()
    editor = SimpleNamespace(connection=connection)
    importlib.import_module("plugins.ocop.migrations.0009_build_channel_sales_month").build(
        apps, editor
    )
    importlib.import_module("plugins.ocop.migrations.0011_producer_channel_month").build(
        apps, editor
    )
    assert rollup() == summed_activity()
    assert channel_rollup() == channel_months_from_activity()
    assert channel_rollup()


# The report reads it ------------------------------------------------------------------------------


def sales_from_activity(
    as_of: dt.date,
    sales_months: int = 12,
    *,
    district_code: str = "",
    group_code: int | None = None,
    producer_type: str = "",
) -> dict:
    """The report's sales section computed straight from the activity, event by event."""
    months = report_months(as_of, sales_months)
    labels = [f"{m:%Y-%m}" for m in months]
    events = ChannelActivity.objects.filter(date__gte=months[0], date__lte=as_of)
    if district_code:
        events = events.filter(producer__legacy_district_code=district_code)
    if producer_type:
        events = events.filter(producer__type=producer_type)
    if group_code is not None:
        events = events.filter(product__group__code=group_code)
    events = events.select_related(
        "channel", "producer", "product__group", "product__current_certificate", "product__producer"
    )

    def zero() -> dict:
        return {"orders": 0, "revenue": 0, "activities": 0}

    def add(figures: dict, event: ChannelActivity) -> None:
        figures["orders"] += event.orders or 0
        figures["revenue"] += int(event.revenue or 0)
        figures["activities"] += 1

    def order(rows) -> list[dict]:
        return sorted(
            rows, key=lambda r: (-r["revenue"], -r["orders"], r["key"] is None, str(r["key"]))
        )

    by_month = {label: zero() for label in labels}
    monthly: dict[str, dict] = defaultdict(dict)
    totals: dict[str, dict] = defaultdict(dict)
    for event in events:
        label = f"{event.date:%Y-%m}"
        add(by_month[label], event)
        producer, item = event.producer, event.product
        stars = item.current_certificate.stars if item and item.current_certificate else None
        code = item.group.code if item else None
        for section, key, described in (
            (
                "by_channel",
                event.channel.slug,
                {"name": event.channel.name, "is_modern": event.channel.is_modern},
            ),
            ("by_group", code, {"name": GROUP_NAMES.get(code, UNKNOWN)}),
            (
                "by_district",
                producer.legacy_district_code or None,
                {"name": producer.legacy_district or UNKNOWN, "province": producer.legacy_province},
            ),
            ("by_stars", stars, {"name": f"{stars} sao" if stars else UNKNOWN}),
        ):
            row = monthly[section].setdefault(
                key, {"key": key, **described, **zero(), "months": {m: zero() for m in labels}}
            )
            add(row, event)
            add(row["months"][label], event)
        for section, key, described in (
            (
                "by_commune",
                producer.commune_code or None,
                {"name": producer.commune or UNKNOWN, "province": producer.province},
            ),
            (
                "by_producer",
                producer.pk,
                {
                    "name": producer.name,
                    "district": producer.legacy_district,
                    "commune": producer.commune,
                },
            ),
            (
                "products",
                item.pk if item else None,
                {"name": item.name, "producer": item.producer.name} if item else {},
            ),
        ):
            add(totals[section].setdefault(key, {"key": key, **described, **zero()}), event)
    for rows in monthly.values():
        for row in rows.values():
            row["months"] = [{"month": m, **row["months"][m]} for m in labels]
    products = [r for r in totals["products"].values() if r["key"] is not None]
    products.sort(key=lambda r: (-r["revenue"], -r["orders"], r["key"]))
    by_producer = order(totals["by_producer"].values())
    return {
        "months": labels,
        "start": months[0].isoformat(),
        "end": as_of.isoformat(),
        "total": {
            m: sum(p[m] for p in by_month.values()) for m in ("orders", "revenue", "activities")
        },
        "by_month": [{"month": label, **figures} for label, figures in by_month.items()],
        "by_channel": order(monthly["by_channel"].values()),
        "by_group": order(monthly["by_group"].values()),
        "by_district": order(monthly["by_district"].values()),
        "by_commune": order(totals["by_commune"].values()),
        "by_stars": sorted(order(monthly["by_stars"].values()), key=lambda r: -(r["key"] or 0)),
        "by_producer": by_producer,
        "top_products": [{"rank": n, **r} for n, r in enumerate(products[:10], start=1)],
        "top_producers": [{"rank": n, **r} for n, r in enumerate(by_producer[:10], start=1)],
    }


@pytest.mark.parametrize(
    "as_of",
    [
        TODAY,
        # Mid-month: the roll-up's November also holds the events of 20–29 November, which a
        # report as of the 19th must leave out (the Postmart and marketplace rows disappear).
        TODAY - dt.timedelta(days=10),
        dt.date(2026, 10, 31),
        dt.date(2026, 9, 1),
    ],
)
def test_sales_read_from_the_rollup_equal_sales_summed_from_the_activity(scenario, as_of):
    updated_and_reimported(scenario)
    assert build_channel_report(as_of)["sales"] == sales_from_activity(as_of)


def test_sales_from_the_rollup_with_filters_and_a_short_period(scenario):
    updated_and_reimported(scenario)
    as_of = TODAY - dt.timedelta(days=10)
    district = scenario[TEA].legacy_district_code
    for filters in (
        {"district_code": district},
        {"group_code": 4},
        {"producer_type": "cooperative"},
        {"group_code": 1, "producer_type": "cooperative"},
    ):
        report = build_channel_report(as_of, sales_months=3, **filters)
        assert report["sales"] == sales_from_activity(as_of, 3, **filters), filters
    late_only = build_channel_report(as_of)["sales"]["by_channel"]
    assert "postmart" not in {r["key"] for r in late_only}

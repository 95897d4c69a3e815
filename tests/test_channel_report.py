"""The Department of Industry and Trade's channel report: figures on a small Hà Nam scenario,
filters, the fixed query count, snapshots, the command and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from plugins.ocop import tasks
from plugins.ocop.channels.exports import (
    presences_text,
    products_text,
    report_to_csv,
    report_to_xlsx,
)
from plugins.ocop.channels.report import build_channel_report, snapshot_month
from plugins.ocop.channels.services import record_activity, record_presence, review_presence
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    ActivitySource,
    Channel,
    OcopProduct,
    PresenceSource,
    Producer,
    ReportSnapshot,
)

from .conftest import TODAY

pytestmark = pytest.mark.django_db

HEADER = "Tên sản phẩm,Chủ thể,Địa chỉ,Nhóm sản phẩm,Số sao,Quyết định,Làng nghề,Điện thoại,Email\n"
#: Seven producers; on TODAY (29/11/2026) five hold a valid 3★+ certificate:
#: tea (4★ + 3★ herbal), hats (3★, expiring 15/01/2027), rice rolls (5★), bamboo (3★ in 2023
#: upgraded to 4★ in time in 2026) and honey (new 3★ in 2026). The wine is 2★ (never counted)
#: and the pottery's certificate expired on 01/03/2026 without re-evaluation.
LIST = HEADER + (
    'Trà xanh,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",Đồ uống,4 sao,'
    "11/QĐ-UBND ngày 01/06/2025,,0912000001,che@example.vn\n"
    'Cao chè dây,HTX Chè Liêm Sơn,"xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",Dược liệu,3 sao,'
    "11/QĐ-UBND ngày 01/06/2025,,0912000001,che@example.vn\n"
    'Nón lá,Hộ kinh doanh Vũ Thị Thoa,"xã Bình Nghĩa, huyện Bình Lục, tỉnh Hà Nam",'
    "Thủ công mỹ nghệ,3 sao,2/QĐ-UBND ngày 15/01/2024,Làng nghề nón lá Bình Nghĩa,"
    "0912000002,\n"
    'Bánh cuốn,Công ty TNHH Thực phẩm Lam Hạ,"phường Lam Hạ, thành phố Phủ Lý, tỉnh Hà Nam",'
    "Thực phẩm,5 sao,145/QĐ-BNN-VPĐP ngày 20/05/2024,,0912000003,\n"
    'Rượu nếp,Hộ kinh doanh Lê Văn Ba,"xã Nhân Hậu, huyện Lý Nhân, tỉnh Hà Nam",Đồ uống,2 sao,'
    "3/QĐ-UBND ngày 01/06/2025,,,\n"
    'Gốm,HTX Gốm Thanh Hà,"xã Thanh Hà, huyện Thanh Liêm, tỉnh Hà Nam",Thủ công mỹ nghệ,3 sao,'
    "4/QĐ-UBND ngày 01/03/2023,Làng gốm Thanh Hà,,\n"
    'Mây tre đan,HTX Mây tre đan Ngọc Động,"phường Hoàng Đông, thị xã Duy Tiên, tỉnh Hà Nam",'
    "Thủ công mỹ nghệ,3 sao,5/QĐ-UBND ngày 10/02/2023,Làng nghề mây tre đan Ngọc Động,,\n"
    'Mây tre đan,HTX Mây tre đan Ngọc Động,"phường Hoàng Đông, thị xã Duy Tiên, tỉnh Hà Nam",'
    "Thủ công mỹ nghệ,4 sao,6/QĐ-UBND ngày 05/02/2026,Làng nghề mây tre đan Ngọc Động,,\n"
    'Mật ong rừng,Tổ hợp tác Mật ong Thanh Sơn,"xã Thanh Sơn, huyện Kim Bảng, tỉnh Hà Nam",'
    "Thực phẩm,3 sao,7/QĐ-UBND ngày 10/03/2026,Làng nghề mật ong Thanh Sơn,,\n"
)
TEA, HATS, RICE_ROLLS = (
    "HTX Chè Liêm Sơn",
    "Hộ kinh doanh Vũ Thị Thoa",
    "Công ty TNHH Thực phẩm Lam Hạ",
)
WINE, POTTERY = "Hộ kinh doanh Lê Văn Ba", "HTX Gốm Thanh Hà"
BAMBOO, HONEY = "HTX Mây tre đan Ngọc Động", "Tổ hợp tác Mật ong Thanh Sơn"
POPULATION = {TEA, HATS, RICE_ROLLS, BAMBOO, HONEY}


def channel(slug: str) -> Channel:
    return Channel.objects.get(slug=slug)


def product(producer: Producer, name: str) -> OcopProduct:
    return producer.products.get(name=name)


def sell(producer, slug, day, ref, orders, revenue, product_name="", source=None):
    return record_activity(
        producer,
        channel(slug),
        date=day,
        source=source or ActivitySource.SALES_REPORT,
        reference=ref,
        orders=orders,
        revenue=Decimal(revenue),
        product=product(producer, product_name) if product_name else None,
    )


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


@pytest.fixture
def scenario(staff_user):
    """On TODAY the tea and bamboo producers are active; hats (pending Lazada declaration),
    rice rolls (verified WinMart, last sale 100 days ago) and honey (Tiki rejected, sells only
    at the market) are not."""
    result = import_certificates(io.BytesIO(LIST.encode()), filename="list.csv", today=TODAY)
    assert result.ok, result.errors
    p = {producer.name: producer for producer in Producer.objects.all()}
    days = dt.timedelta
    sell(p[TEA], "shopee", TODAY - days(10), "tea-1", 3, 450_000, "Trà xanh")
    sell(p[TEA], "shopee", dt.date(2025, 10, 15), "tea-old", 100, 9_999_000, "Trà xanh")
    record_presence(p[HATS], channel("lazada"), source=PresenceSource.DECLARED)
    sell(p[HATS], "lazada", TODAY - days(9), "hat-1", 1, 120_000, "Nón lá", ActivitySource.STAFF)
    winmart = record_presence(p[RICE_ROLLS], channel("winmart"), source=PresenceSource.STAFF)
    review_presence(winmart, verified=True, user=staff_user)
    sell(p[RICE_ROLLS], "winmart", TODAY - days(100), "roll-1", 10, 2_000_000, "Bánh cuốn")
    sell(p[BAMBOO], "ocop-market", TODAY - days(1), "o-1", 2, 700_000, "Mây tre đan", "order")
    sell(p[BAMBOO], "traditional", TODAY - days(1), "bamboo-market", 5, 500_000)
    tiki = record_presence(p[HONEY], channel("tiki"), source=PresenceSource.DECLARED)
    review_presence(tiki, verified=False, user=staff_user, note="link hỏng")
    sell(p[HONEY], "traditional", TODAY - days(14), "honey-market", 4, 800_000, "Mật ong rừng")
    return p


def rows_by_key(rows: list[dict]) -> dict:
    return {r["key"]: (r["total"], r["active"]) for r in rows}


# Figures --------------------------------------------------------------------------------------


def test_headline_counts_certified_producers_and_those_active_in_modern_channels(scenario):
    report = build_channel_report(TODAY)
    assert report["as_of"] == "2026-11-29"
    assert report["window_days"] == 90
    assert report["window_start"] == "2026-09-01"
    assert report["filters"] == {}
    assert report["producers_total"] == 5
    assert report["producers_active_modern"] == 2
    assert report["share_active_modern"] == 0.4
    assert report["target_share"] == 0.5
    assert report["meets_target"] is False
    # One more sale on the verified WinMart presence crosses the 50% line.
    sell(scenario[RICE_ROLLS], "winmart", TODAY, "roll-2", 1, 200_000, "Bánh cuốn")
    report = build_channel_report(TODAY)
    assert (report["producers_active_modern"], report["share_active_modern"]) == (3, 0.6)
    assert report["meets_target"] is True
    json.dumps(report)  # JSON-ready as it is


def test_breakdowns_by_district_commune_group_type_and_stars(scenario):
    report = build_channel_report(TODAY)
    producers = Producer.objects.filter(name__in=POPULATION)
    active = {TEA, BAMBOO}
    # Every producer's address resolved to a 2024 district and a current commune.
    assert all(p.legacy_district_code and p.commune_code for p in producers)
    for breakdown, field in (
        ("by_district", "legacy_district_code"),
        ("by_commune", "commune_code"),
    ):
        expected: dict[str, list[int]] = {}
        for p in producers:
            counts = expected.setdefault(getattr(p, field), [0, 0])
            counts[0] += 1
            counts[1] += p.name in active
        assert rows_by_key(report[breakdown]) == {k: tuple(v) for k, v in expected.items()}
    thanh_liem = next(
        r for r in report["by_district"] if r["key"] == scenario[TEA].legacy_district_code
    )
    assert thanh_liem["name"] == scenario[TEA].legacy_district
    assert thanh_liem["province"] == "Tỉnh Hà Nam"
    assert thanh_liem["share"] == 1.0
    # Tea counts in beverages and herbs; the pottery's expired certificate counts nowhere.
    assert rows_by_key(report["by_group"]) == {
        1: (2, 0),
        2: (1, 1),
        3: (1, 1),
        4: (2, 1),
        5: (0, 0),
        6: (0, 0),
    }
    assert report["by_group"][3]["name"] == "Thủ công mỹ nghệ"
    assert report["by_group"][3]["share"] == 0.5
    assert rows_by_key(report["by_producer_type"]) == {
        "cooperative": (2, 2),
        "cooperative_group": (1, 0),
        "enterprise": (1, 0),
        "household": (1, 0),
        "other": (0, 0),
    }
    # Highest valid rank: rice rolls 5★, tea 4★ (and 3★), bamboo upgraded to 4★, hats and honey 3★.
    assert rows_by_key(report["by_stars"]) == {5: (1, 0), 4: (2, 2), 3: (2, 0)}


def test_not_active_call_list_gives_contacts_products_and_the_channels_to_follow_up(scenario):
    report = build_channel_report(TODAY)
    call_list = {p["name"]: p for p in report["not_active"]}
    assert set(call_list) == {HATS, RICE_ROLLS, HONEY}
    hats = call_list[HATS]
    assert hats["id"] == scenario[HATS].pk
    assert hats["type"] == "household"
    assert hats["phone"] == "0912000002"
    assert "Bình Nghĩa" in hats["address"]
    assert hats["district"] == scenario[HATS].legacy_district
    assert hats["commune"] == scenario[HATS].commune
    assert hats["products"] == [{"name": "Nón lá", "stars": 3, "valid_until": "2027-01-15"}]
    assert hats["channels"] == ["Lazada"]
    assert hats["presences"] == [
        {"channel": "Lazada", "verification": "pending", "last_activity": "2026-11-20"}
    ]
    rolls = call_list[RICE_ROLLS]
    assert rolls["products"] == [{"name": "Bánh cuốn", "stars": 5, "valid_until": "2027-05-20"}]
    assert rolls["presences"] == [
        {"channel": "WinMart", "verification": "verified", "last_activity": "2026-08-21"}
    ]
    # The market stall is no modern channel, so only the rejected Tiki listing is named.
    assert call_list[HONEY]["channels"] == ["Tiki"]
    assert call_list[HONEY]["presences"][0]["verification"] == "rejected"


def test_targets_of_the_plan(scenario):
    targets = build_channel_report(TODAY)["targets"]
    values = {k: t["value"] for k, t in targets.items()}
    assert values == {
        # Tea ×2, hats, rice rolls, bamboo (re-ranked) and honey; not the pottery or the wine.
        "products_ranked": 6,
        # Only the honey had its first 3★+ decision in 2026.
        "new_products_ranked": 1,
        # Honey (first certificate) and bamboo (upgrade) had a decision in 2026.
        "producers_developed": 2,
        # Hats, bamboo and honey villages; the pottery village's product expired.
        "craft_villages": 3,
        "new_craft_villages": 1,
        # Due in 2026: the pottery (expired) and the bamboo (upgraded before it lapsed).
        "ranked_maintained": 0.5,
    }
    assert (
        targets["products_ranked"] | {"target_min": 142, "target_max": 152, "met": False}
        == (targets["products_ranked"])
    )
    assert targets["new_craft_villages"]["met"] is True
    assert targets["ranked_maintained"]["target"] == 0.5
    assert targets["ranked_maintained"]["met"] is True
    assert (targets["ranked_maintained"]["due"], targets["ranked_maintained"]["maintained"]) == (
        2,
        1,
    )
    assert all(t["label"] for t in targets.values())


def test_ranked_maintained_has_no_verdict_when_nothing_came_due(scenario):
    target = build_channel_report(dt.date(2025, 6, 30))["targets"]["ranked_maintained"]
    assert (target["due"], target["value"], target["met"]) == (0, 0.0, None)


def test_expiring_certificates_within_90_days(scenario):
    expiring = build_channel_report(TODAY)["expiring_certificates"]
    assert [(e["product"], e["producer"], e["stars"]) for e in expiring] == [("Nón lá", HATS, 3)]
    assert expiring[0]["decision_number"] == "2/QĐ-UBND"
    assert expiring[0]["valid_until"] == "2027-01-15"
    assert expiring[0]["days_left"] == 47
    # 90 days later the rice rolls' certificate (20/05/2027) is within reach too.
    later = build_channel_report(dt.date(2027, 2, 28))["expiring_certificates"]
    assert [e["product"] for e in later] == ["Bánh cuốn"]


def test_sales_per_month_by_channel_group_district_commune_stars_and_producer(scenario):
    sales = build_channel_report(TODAY)["sales"]
    assert sales["months"][0] == "2025-12" and sales["months"][-1] == "2026-11"
    assert len(sales["months"]) == 12
    # The sale of October 2025 is before the 12 months.
    assert sales["total"] == {"orders": 25, "revenue": 4_570_000, "activities": 6}
    by_month = {m["month"]: (m["orders"], m["revenue"]) for m in sales["by_month"]}
    assert by_month["2026-08"] == (10, 2_000_000)
    assert by_month["2026-11"] == (15, 2_570_000)
    assert sum(r for _o, r in by_month.values()) == 4_570_000

    def revenue(section):
        return {r["key"]: r["revenue"] for r in sales[section]}

    assert revenue("by_channel") == {
        "winmart": 2_000_000,
        "traditional": 1_300_000,
        "ocop-market": 700_000,
        "shopee": 450_000,
        "lazada": 120_000,
    }
    assert [r["key"] for r in sales["by_channel"]][:2] == ["winmart", "traditional"]
    traditional = next(r for r in sales["by_channel"] if r["key"] == "traditional")
    assert traditional["is_modern"] is False and traditional["orders"] == 9
    months = {m["month"]: m["revenue"] for m in traditional["months"]}
    assert len(months) == 12 and months["2026-11"] == 1_300_000 and months["2026-10"] == 0
    assert revenue("by_group") == {1: 2_800_000, 4: 820_000, 2: 450_000, None: 500_000}
    assert revenue("by_stars") == {5: 2_000_000, 4: 1_150_000, 3: 920_000, None: 500_000}
    assert [r["key"] for r in sales["by_stars"]] == [5, 4, 3, None]
    p = scenario
    assert revenue("by_producer") == {
        p[RICE_ROLLS].pk: 2_000_000,
        p[BAMBOO].pk: 1_200_000,
        p[HONEY].pk: 800_000,
        p[TEA].pk: 450_000,
        p[HATS].pk: 120_000,
    }
    districts: dict[str, int] = {}
    communes: dict[str, int] = {}
    for producer_name, amount in (
        (RICE_ROLLS, 2_000_000),
        (BAMBOO, 1_200_000),
        (HONEY, 800_000),
        (TEA, 450_000),
        (HATS, 120_000),
    ):
        producer = p[producer_name]
        districts[producer.legacy_district_code] = (
            districts.get(producer.legacy_district_code, 0) + amount
        )
        communes[producer.commune_code] = communes.get(producer.commune_code, 0) + amount
    assert revenue("by_district") == districts
    assert revenue("by_commune") == communes
    assert [(t["rank"], t["name"], t["revenue"]) for t in sales["top_products"]] == [
        (1, "Bánh cuốn", 2_000_000),
        (2, "Mật ong rừng", 800_000),
        (3, "Mây tre đan", 700_000),
        (4, "Trà xanh", 450_000),
        (5, "Nón lá", 120_000),
    ]
    assert [t["name"] for t in sales["top_producers"]] == [RICE_ROLLS, BAMBOO, HONEY, TEA, HATS]
    assert sales["top_producers"][1]["orders"] == 7


def test_trend_is_month_by_month_and_ends_with_the_headline(scenario):
    report = build_channel_report(TODAY)
    trend = report["trend"]
    assert [t["month"] for t in trend] == [
        "2025-12",
        *(f"2026-{m:02d}" for m in range(1, 12)),
    ]
    assert [t["as_of"] for t in trend[:2]] == ["2025-12-31", "2026-01-31"]
    assert (
        trend[-1] | {"as_of": "2026-11-29", "total": 5, "active": 2, "snapshot": False}
        == (trend[-1])
    )
    by_month = {t["month"]: (t["total"], t["active"]) for t in trend}
    # January: the pottery is still valid, the honey not yet certified, nobody sold.
    assert by_month["2026-01"] == (5, 0)
    # October: the rice rolls' WinMart sale of 21/08 is inside the window ending 31/10.
    assert by_month["2026-10"] == (5, 1)
    assert not any(t["snapshot"] for t in trend)


# Filters --------------------------------------------------------------------------------------


def test_filters_narrow_the_population_and_the_sales(scenario):
    p = scenario
    by_district = build_channel_report(TODAY, district_code=p[TEA].legacy_district_code)
    assert by_district["filters"] == {"district_code": p[TEA].legacy_district_code}
    assert (by_district["producers_total"], by_district["producers_active_modern"]) == (1, 1)
    assert [r["key"] for r in by_district["by_district"]] == [p[TEA].legacy_district_code]
    assert by_district["not_active"] == []
    assert by_district["sales"]["total"]["revenue"] == 450_000

    crafts = build_channel_report(TODAY, group_code=4)
    assert (crafts["producers_total"], crafts["producers_active_modern"]) == (2, 1)
    assert [n["name"] for n in crafts["not_active"]] == [HATS]
    assert crafts["sales"]["total"]["revenue"] == 820_000
    assert [e["product"] for e in crafts["expiring_certificates"]] == ["Nón lá"]
    assert rows_by_key(crafts["by_stars"]) == {5: (0, 0), 4: (1, 1), 3: (1, 0)}
    # January: the pottery and the bamboo's first certificate were both valid.
    assert {t["month"]: t["total"] for t in crafts["trend"]}["2026-01"] == 3

    households = build_channel_report(TODAY, producer_type="household")
    assert (households["producers_total"], households["producers_active_modern"]) == (1, 0)
    assert households["sales"]["total"]["revenue"] == 120_000
    assert [e["producer"] for e in households["expiring_certificates"]] == [HATS]

    both = build_channel_report(TODAY, group_code=4, producer_type="cooperative")
    assert (both["producers_total"], both["producers_active_modern"]) == (1, 1)
    assert both["sales"]["total"]["revenue"] == 700_000
    # Targets are the province's whatever the filters.
    assert both["targets"] == build_channel_report(TODAY)["targets"]


@pytest.mark.parametrize(
    "arguments",
    [{"group_code": 7}, {"producer_type": "farm"}, {"window_days": 0}, {"sales_months": 0}],
)
def test_bad_arguments_are_refused(arguments):
    with pytest.raises(ValueError):
        build_channel_report(TODAY, **arguments)


# Query count ----------------------------------------------------------------------------------


def _load_producers(count: int, first: int = 0) -> None:
    """``count`` producers with two products each, a presence and activity on Shopee."""
    communes = (
        "xã Liêm Sơn, huyện Thanh Liêm",
        "xã Bình Nghĩa, huyện Bình Lục",
        "xã Thanh Sơn, huyện Kim Bảng",
        "xã Nhân Hậu, huyện Lý Nhân",
    )
    rows = [HEADER]
    for n in range(first, first + count):
        address = f"{communes[n % len(communes)]}, tỉnh Hà Nam"
        for product_name, group, stars in (("Gạo tám", "Thực phẩm", 3), ("Chè", "Đồ uống", 4)):
            rows.append(
                f'{product_name} {n},HTX Nông sản số {n},"{address}",{group},{stars} sao,'
                f"{100 + n}/QĐ-UBND ngày 01/0{1 + n % 9}/2025,"
                f"{'Làng nghề ' + str(n % 3) if n % 2 else ''},09{n:08d},\n"
            )
    result = import_certificates(io.BytesIO("".join(rows).encode()), today=TODAY)
    assert result.ok, result.errors
    for producer in Producer.objects.filter(name__startswith="HTX Nông sản số "):
        if producer.activities.exists():
            continue
        n = int(producer.name.rsplit(" ", 1)[1])
        slug = ("shopee", "lazada", "traditional")[n % 3]
        if n % 4 == 0:
            record_presence(producer, channel("tiki"), source=PresenceSource.DECLARED)
        sell(
            producer,
            slug,
            TODAY - dt.timedelta(days=n * 7),
            f"q-{n}",
            1 + n,
            10_000 * n,
            f"Gạo tám {n}",
        )


def test_the_report_costs_a_fixed_number_of_queries():
    _load_producers(3)
    with CaptureQueriesContext(connection) as small:
        small_report = build_channel_report(TODAY)
    _load_producers(37, first=3)
    snapshot_month(dt.date(2026, 9, 1))
    with CaptureQueriesContext(connection) as large:
        large_report = build_channel_report(TODAY)
    assert small_report["producers_total"] == 3
    assert large_report["producers_total"] == 40
    assert len(large_report["not_active"]) > 3
    assert len(large_report["sales"]["by_producer"]) > 3
    assert any(t["snapshot"] for t in large_report["trend"])
    assert len(small) == len(large) == 11, [q["sql"][:80] for q in large]


# Snapshots ------------------------------------------------------------------------------------


def test_a_snapshot_freezes_a_past_month(scenario):
    october = snapshot_month(dt.date(2026, 10, 1))
    assert (october.month, october.as_of, october.window_days) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        90,
    )
    assert (october.data["producers_total"], october.data["producers_active_modern"]) == (5, 1)
    # Late activity: a sales report row for 20 October arrives in November.
    sell(scenario[TEA], "shopee", dt.date(2026, 10, 20), "tea-late", 2, 300_000, "Trà xanh")
    live = build_channel_report(dt.date(2026, 10, 31))
    assert live["producers_active_modern"] == 2
    frozen = {t["month"]: t for t in build_channel_report(TODAY)["trend"]}["2026-10"]
    assert frozen == {
        "month": "2026-10",
        "as_of": "2026-10-31",
        "total": 5,
        "active": 1,
        "share": 0.2,
        "snapshot": True,
    }
    # Running the month again keeps what was stored; force recomputes it.
    assert snapshot_month(dt.date(2026, 10, 15)).data["producers_active_modern"] == 1
    assert ReportSnapshot.objects.count() == 1
    forced = snapshot_month(dt.date(2026, 10, 1), force=True)
    assert forced.pk == october.pk
    assert forced.data["producers_active_modern"] == 2
    assert {t["month"]: t for t in build_channel_report(TODAY)["trend"]}["2026-10"]["active"] == 2


def test_a_snapshot_of_another_window_is_not_used(scenario):
    snapshot_month(dt.date(2026, 10, 1), window_days=30)
    trend = build_channel_report(TODAY)["trend"]
    assert not any(t["snapshot"] for t in trend)
    assert build_channel_report(TODAY, 30)["trend"][-2]["snapshot"] is True


def test_single_filter_reports_read_the_snapshot_breakdown(scenario):
    snapshot_month(dt.date(2026, 10, 1))
    sell(scenario[TEA], "shopee", dt.date(2026, 10, 20), "tea-late", 2, 300_000, "Trà xanh")
    tea_district = scenario[TEA].legacy_district_code
    point = build_channel_report(TODAY, district_code=tea_district)["trend"][-2]
    # Frozen: the late tea sale is not in the snapshot's row for the tea's district.
    assert (point["snapshot"], point["total"], point["active"]) == (True, 1, 0)
    group = build_channel_report(TODAY, group_code=1)["trend"][-2]
    assert (group["snapshot"], group["total"], group["active"]) == (True, 2, 1)
    # Two filters: no snapshot breakdown answers, so the month is computed live.
    both = build_channel_report(TODAY, district_code=tea_district, producer_type="cooperative")
    assert (both["trend"][-2]["snapshot"], both["trend"][-2]["active"]) == (False, 1)


def test_snapshot_keeps_the_figures_and_counts_the_lists(scenario):
    data = snapshot_month(dt.date(2026, 10, 1)).data
    assert data["not_active_count"] == 4
    assert "not_active" not in data and "trend" not in data
    assert data["by_district"] and data["targets"]
    assert set(data["sales"]) >= {"total", "by_month", "by_channel", "top_products"}


def test_the_monthly_task_snapshots_the_previous_month(scenario, monkeypatch):
    monkeypatch.setattr(tasks, "local_today", lambda: dt.date(2026, 11, 1))
    result = tasks.snapshot_channel_report_task.apply().get()
    assert result["month"] == "2026-10-01" and result["as_of"] == "2026-10-31"
    snapshot = ReportSnapshot.objects.get()
    sell(scenario[TEA], "shopee", dt.date(2026, 10, 20), "tea-late", 2, 300_000, "Trà xanh")
    # The schedule firing twice does not overwrite the stored month.
    tasks.snapshot_channel_report_task.apply()
    assert ReportSnapshot.objects.get().data == snapshot.data


def test_the_task_is_scheduled_monthly():
    entry = settings.CELERY_BEAT_SCHEDULE["ocop-snapshot-channel-report"]
    assert entry["task"] == tasks.snapshot_channel_report_task.name
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ({0}, {1}, {1})
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


# Command --------------------------------------------------------------------------------------


def test_command_prints_the_report_as_json(scenario):
    out = io.StringIO()
    call_command("ocop_report", "--as-of", "29/11/2026", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data == build_channel_report(TODAY)
    assert {
        "as_of",
        "window_days",
        "producers_total",
        "producers_active_modern",
        "share_active_modern",
        "target_share",
        "meets_target",
        "by_district",
        "by_commune",
        "by_group",
        "by_producer_type",
        "by_stars",
        "trend",
        "not_active",
        "targets",
        "expiring_certificates",
        "sales",
    } <= set(data)
    out = io.StringIO()
    call_command(
        "ocop_report",
        "--as-of",
        "2026-11-29",
        "--window-days",
        "30",
        "--format",
        "json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["window_days"] == 30


def test_command_text_is_a_vietnamese_summary(scenario):
    out = io.StringIO()
    call_command("ocop_report", "--as-of", "2026-11-29", stdout=out)
    text = out.getvalue()
    assert "tính đến ngày 29/11/2026" in text
    assert "Tham gia kênh bán hàng hiện đại: 2 (40,0%)" in text
    assert "CHƯA ĐẠT" in text
    assert "Giấy chứng nhận hết hạn trong 90 ngày: 1" in text


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--as-of", "31/02/2026"], "không hợp lệ"),
        (["--as-of", "yesterday"], "YYYY-MM-DD"),
        (["--window-days", "0"], "--window-days"),
        (["--group", "9"], "group_code"),
        (["--format", "xlsx"], "--output"),
    ],
)
def test_command_refuses_bad_values_clearly(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("ocop_report", *arguments, stdout=io.StringIO())


def test_command_writes_xlsx_and_csv_files(scenario, tmp_path):
    xlsx, csv_path = tmp_path / "bao-cao.xlsx", tmp_path / "bao-cao.csv"
    call_command(
        "ocop_report",
        "--as-of",
        "29/11/2026",
        "--format",
        "xlsx",
        "--output",
        str(xlsx),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert load_workbook(xlsx).sheetnames[0] == "summary"
    call_command(
        "ocop_report",
        "--as-of",
        "29/11/2026",
        "--format",
        "csv",
        "--output",
        str(csv_path),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert csv_path.read_text(encoding="utf-8-sig").startswith("[summary]")


def test_command_writes_xlsx_bytes_to_a_binary_stdout(scenario):
    class BinaryStdout(io.StringIO):
        def __init__(self):
            super().__init__()
            self.buffer = io.BytesIO()

    out = BinaryStdout()
    call_command("ocop_report", "--as-of", "29/11/2026", "--format", "xlsx", stdout=out)
    out.buffer.seek(0)
    assert load_workbook(out.buffer).sheetnames[-1] == "sales"


# Exports --------------------------------------------------------------------------------------

SHEETS = [
    "summary",
    "by_district",
    "by_commune",
    "by_group",
    "by_producer_type",
    "by_stars",
    "trend",
    "not_active",
    "targets",
    "expiring",
    "sales",
]
BREAKDOWNS = ("by_district", "by_commune", "by_group", "by_producer_type", "by_stars")


def _plain(value):
    """An XLSX cell value as the JSON holds it (dates as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value


def _xlsx_tables(content: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [tuple(_plain(v) for v in row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def _breakdown_rows(report: dict, name: str) -> list[tuple]:
    unit = name in ("by_district", "by_commune")
    return [
        (
            r["key"],
            r["name"],
            *((r["province"],) if unit else ()),
            r["total"],
            r["active"],
            r["share"],
        )
        for r in report[name]
    ]


def test_xlsx_export_read_back_equals_the_json(scenario):
    report = build_channel_report(TODAY)
    tables = _xlsx_tables(report_to_xlsx(report))
    assert list(tables) == SHEETS
    summary = {row[0]: row[2] for row in tables["summary"][1:]}
    for key in (
        "as_of",
        "window_days",
        "window_start",
        "producers_total",
        "producers_active_modern",
        "share_active_modern",
        "target_share",
        "meets_target",
    ):
        assert summary[key] == report[key], key
    assert summary["not_active_count"] == len(report["not_active"]) == 3
    assert summary["sales_revenue"] == report["sales"]["total"]["revenue"] == 4_570_000
    for name in BREAKDOWNS:
        assert tables[name][1:] == _breakdown_rows(report, name), name
    assert tables["trend"][1:] == [
        (t["month"], t["as_of"], t["total"], t["active"], t["share"], t["snapshot"])
        for t in report["trend"]
    ]
    assert tables["not_active"][1:] == [
        tuple(
            value or None  # an empty text cell reads back as None
            for value in (
                p["id"],
                p["name"],
                p["type_name"],
                p["address"],
                p["district"],
                p["commune"],
                p["phone"],
                p["email"],
                products_text(p["products"]),
                "; ".join(p["channels"]),
                presences_text(p["presences"]),
            )
        )
        for p in report["not_active"]
    ]
    hats = next(r for r in tables["not_active"] if r[1] == HATS)
    assert hats[8] == "Nón lá (3★, đến 15/01/2027)"
    assert hats[10] == "Lazada: chờ xác minh"
    rolls = next(r for r in tables["not_active"] if r[1] == RICE_ROLLS)
    assert rolls[10] == "WinMart: không có hoạt động trong kỳ (lần cuối 21/08/2026)"
    targets = {row[0]: row[2:] for row in tables["targets"][1:]}
    for key, target in report["targets"].items():
        assert targets[key] == (
            target["value"],
            target.get("target_min"),
            target.get("target_max"),
            target.get("target"),
            target["met"],
        )
    assert [(r[1], r[5], r[8]) for r in tables["expiring"][1:]] == [("Nón lá", 3, "2027-01-15")]
    sales = {(r[0], r[2], r[4]): r[5:] for r in tables["sales"][1:]}
    assert sales[("total", None, None)] == (25, 4_570_000, 6)
    assert sales[("by_channel", "winmart", None)] == (10, 2_000_000, 1)
    assert sales[("by_channel", "winmart", "2026-08")] == (10, 2_000_000, 1)
    assert sales[("by_group", 1, "2026-11")] == (4, 800_000, 1)
    assert sales[("top_products", report["sales"]["top_products"][0]["key"], None)][1] == (
        2_000_000
    )


def test_csv_export_carries_the_same_numbers(scenario):
    report = build_channel_report(TODAY)
    text = report_to_csv(report)
    assert text.startswith("\ufeff[summary]")
    tables: dict[str, list[list[str]]] = {}
    current = None
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if len(row) == 1 and row[0].startswith("["):
            current = tables.setdefault(row[0][1:-1], [])
        elif row and current is not None:
            current.append(row)
    assert list(tables) == SHEETS

    def text_of(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)

    summary = {row[0]: row[2] for row in tables["summary"][1:]}
    assert summary["producers_total"] == "5"
    assert summary["share_active_modern"] == "0.4"
    assert summary["meets_target"] == "false"
    for name in BREAKDOWNS:
        assert tables[name][1:] == [
            [text_of(v) for v in row] for row in _breakdown_rows(report, name)
        ], name
    assert [row[1] for row in tables["not_active"][1:]] == [p["name"] for p in report["not_active"]]
    assert tables["trend"][-1] == ["2026-11", "2026-11-29", "5", "2", "0.4", "false"]
    assert ["total", "", "", "Tổng cộng", "", "25", "4570000", "6"] in tables["sales"]


def test_exports_of_an_empty_report():
    report = build_channel_report(TODAY)
    assert report["producers_total"] == 0 and report["meets_target"] is False
    assert report["sales"]["total"] == {"orders": 0, "revenue": 0, "activities": 0}
    assert list(_xlsx_tables(report_to_xlsx(report))) == SHEETS
    assert report_to_csv(report).count("[") >= len(SHEETS)

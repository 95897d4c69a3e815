"""The channel sales-report import: headers, encodings, values, errors, atomicity, idempotency,
query counts and the ``ocop_channel_import`` command."""

from __future__ import annotations

import codecs
import csv as csv_module
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from plugins.ocop.channels import participation
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.importer.channel_reports import import_channel_report, report_reference
from plugins.ocop.models import (
    ActivitySource,
    Channel,
    ChannelActivity,
    ImportRun,
    Presence,
    PresenceEvent,
    PresenceSource,
    Producer,
    Verification,
)

from .conftest import FIXTURES, TODAY
from .test_import_certificates import encode_cp1258

pytestmark = pytest.mark.django_db

SAMPLE = FIXTURES / "bao-cao-kenh-ban.csv"
HEADER = ["Chủ thể", "Kênh", "Ngày", "Số đơn", "Doanh thu (VNĐ)", "Đường dẫn"]
TEA = "HTX Chè Liêm Sơn"
FISH = "HTX Dịch vụ nông nghiệp Hòa Hậu"
ROW_TEA = [TEA, "Shopee", "14/11/2025", "40", "8.000.000", "https://shopee.vn/tra-xanh"]
ROW_FISH = [FISH, "Postmart", "03/11/2025", "18", "5.400.000", "https://postmart.vn/ca-kho"]


@pytest.fixture(autouse=True)
def catalogue(sample_xlsx):
    """The sample certificate list: the twelve producers reports can name."""
    with sample_xlsx.open("rb") as stream:
        result = import_certificates(stream, filename="list.xlsx", today=TODAY)
    assert result.ok, result.errors


def csv(rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> io.BytesIO:
    buffer = io.StringIO()
    csv_module.writer(buffer, delimiter=delimiter).writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1258":
        return io.BytesIO(encode_cp1258(text))
    return io.BytesIO(text.encode(encoding))


def xlsx(rows: list[list[object]], merges: tuple[str, ...] = ()) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def run(stream, **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_channel_report(stream, filename="report", **kwargs)


def activity(producer_name: str, slug: str) -> ChannelActivity:
    return ChannelActivity.objects.get(producer__name=producer_name, channel__slug=slug)


def errors_by_cell(result) -> dict[tuple[int, str], object]:
    return {(e.row, e.column): e for e in result.errors}


# The sample report --------------------------------------------------------------------------


def test_sample_report_imports_cleanly_after_the_sample_list():
    assert SAMPLE.read_bytes().startswith(codecs.BOM_UTF8)
    with SAMPLE.open("rb") as stream:
        result = run(stream)
    assert result.ok, result.errors
    assert (result.rows_read, result.created, result.written) == (4, 4, True)
    fish = activity(FISH, "postmart")
    assert (fish.date, fish.orders, fish.revenue) == (dt.date(2025, 11, 3), 18, Decimal(5400000))
    assert fish.source == ActivitySource.SALES_REPORT and fish.source_row == 2
    assert fish.evidence_url == "https://postmart.vn/ca-kho-vu-dai"
    assert fish.reference == report_reference(fish.producer_id, fish.channel_id, fish.date)
    tea = activity(TEA, "shopee")
    assert (tea.date, tea.orders, tea.revenue) == (dt.date(2025, 11, 14), 40, Decimal(8000000))
    embroidery = activity("Công ty CP Thêu Thanh Hà", "coopmart")
    assert embroidery.revenue == Decimal(12500000) and embroidery.evidence_url == ""
    assert activity("HTX Gốm Quyết Thành", "tiktok-shop").orders == 6


def test_report_activity_verifies_presences_and_counts_for_participation():
    with SAMPLE.open("rb") as stream:
        run(stream)
    presences = Presence.objects.select_related("channel")
    assert presences.count() == 4
    assert {p.verification for p in presences} == {Verification.VERIFIED}
    assert {p.source for p in presences} == {PresenceSource.IMPORTED}
    tea_shopee = presences.get(producer__name=TEA, channel__slug="shopee")
    assert tea_shopee.listing_url == "https://shopee.vn/tra-xanh-liem-son"
    tea = Producer.objects.get(name=TEA)
    assert participation.is_active_modern(tea, dt.date(2025, 11, 30))
    assert not participation.is_active_modern(tea, TODAY)  # the sale left the 90-day window


# Headers and encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        HEADER,
        ["Producer", "Channel", "Date", "Orders", "Revenue", "Evidence URL"],
        ["Producer", "Channel", "Date", "Orders", "Revenue (VND)", "URL"],
        ["Chu the", "Kenh", "Ngay", "So don", "Doanh thu (VND)", "Duong dan"],
        ["TÊN CHỦ THỂ", "Kênh bán hàng", "Ngày bán", "Số đơn hàng", "Doanh thu VNĐ", "Link"],
    ],
    ids=["vietnamese", "english", "english-url", "no-diacritics", "variants"],
)
def test_header_names_in_vietnamese_english_and_without_diacritics(header):
    result = run(csv([header, ROW_TEA, ROW_FISH]))
    assert result.ok, result.errors
    assert result.created == 2
    assert activity(TEA, "shopee").revenue == Decimal(8000000)
    assert activity(FISH, "postmart").evidence_url == "https://postmart.vn/ca-kho"


def test_columns_in_any_order_with_extra_columns_and_only_one_figure():
    header = ["STT", "Ngày", "Ghi chú", "Doanh thu", "Kênh", "Chủ thể"]
    rows = [header, [1, "14/11/2025", "x", "8.000.000", "Shopee", TEA]]
    result = run(csv(rows))
    assert result.ok, result.errors
    tea = activity(TEA, "shopee")
    assert (tea.orders, tea.revenue) == (None, Decimal(8000000))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_csv_encodings_give_the_same_activity(encoding):
    delimiter = ";" if encoding == "cp1258" else ","
    result = run(csv([HEADER, ROW_TEA, ROW_FISH], encoding=encoding, delimiter=delimiter))
    assert result.ok, result.errors
    assert result.created == 2
    assert activity(FISH, "postmart").orders == 18


def test_xlsx_with_title_rows_excel_dates_and_a_totals_row_numbers_rows_as_shown():
    rows = [
        ["BÁO CÁO DOANH THU SẢN PHẨM OCOP THEO KÊNH BÁN", None, None, None, None, None],
        ["Tháng 11/2025", None, None, None, None, None],
        [None] * 6,
        HEADER,
        [TEA, "Shopee", dt.datetime(2025, 11, 14), 40, 8000000, "https://shopee.vn/tra"],
        [FISH, "Postmart", 45964, 18, "5.400.000", None],  # an Excel serial: 03/11/2025
        ["HTX Gốm Quyết Thành", "Lazada", "01/09/2025", 2.5, 100000, None],
        [None, "Tổng cộng", None, 60.5, 13500000, None],
    ]
    result = run(xlsx(rows, merges=("A1:F1",)))
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (7, "Số đơn (D)", "invalid_orders")
    ]
    assert result.rows_read == 3 and result.skipped == 1 and not result.written
    ok = run(xlsx(rows[:6], merges=("A1:F1",)))
    assert ok.ok, ok.errors
    assert activity(FISH, "postmart").date == dt.date(2025, 11, 3)
    assert activity(TEA, "shopee").source_row == 5


def test_tax_code_identifies_the_producer_in_its_own_column_or_the_producer_column():
    Producer.objects.filter(name=TEA).update(tax_code="0700123456")
    Producer.objects.filter(name=FISH).update(tax_code="0700654321-001")
    rows = [
        ["Mã số thuế", "Kênh", "Ngày", "Số đơn"],
        [700123456, "Shopee", "14/11/2025", 4],  # Excel dropped the leading zero
        ["0700654321001", "Postmart", "03/11/2025", 1],
    ]
    result = run(xlsx(rows))
    assert result.ok, result.errors
    assert activity(TEA, "shopee").orders == 4 and activity(FISH, "postmart").orders == 1
    in_producer_column = [HEADER[:4], ["0700123456", "Voso", "14/11/2025", "2"]]
    assert run(csv(in_producer_column)).ok
    assert activity(TEA, "voso").orders == 2


def test_optional_product_column_attributes_the_row_to_an_ocop_product():
    rows = [
        [*HEADER, "Sản phẩm"],
        [*ROW_TEA, "Trà xanh Liêm Sơn"],
        [*ROW_FISH, "Tra xanh Liem Son"],  # not a product of this producer
    ]
    result = run(csv(rows))
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (3, "Sản phẩm (G)", "unknown_product")
    ]
    assert f"“{FISH}”" in result.errors[0].message
    assert run(csv(rows[:2])).ok
    assert activity(TEA, "shopee").product.name == "Trà xanh Liêm Sơn"


def test_channel_names_match_as_reports_write_them():
    rows = [HEADER]
    rows += [
        [TEA, name, f"0{i}/11/2025", 1, "", ""]
        for i, name in enumerate(
            ["CO-OP MART", "Coopmart", "shopee", "Tiktok shop", "WinMart+"], start=1
        )
    ]
    result = run(csv(rows))
    assert result.ok, result.errors
    slugs = set(ChannelActivity.objects.values_list("channel__slug", flat=True))
    assert slugs == {"coopmart", "shopee", "tiktok-shop", "winmart-plus"}


# Row errors ------------------------------------------------------------------------------------


def test_unknown_producer_and_channel_are_named_with_row_column_and_registry():
    rows = [
        HEADER,
        ROW_TEA,
        ["HTX Không Có Thật", "Shopee", "01/11/2025", "1", "100.000", ""],
        [TEA, "Amazon", "01/11/2025", "1", "100.000", ""],
    ]
    result = run(csv(rows))
    errors = errors_by_cell(result)
    assert set(errors) == {(3, "Chủ thể (A)"), (4, "Kênh (B)")}
    producer = errors[(3, "Chủ thể (A)")]
    assert producer.code == "unknown_producer" and producer.value == "HTX Không Có Thật"
    assert "Không tìm thấy chủ thể “HTX Không Có Thật”" in producer.message
    channel = errors[(4, "Kênh (B)")]
    assert channel.code == "unknown_channel" and channel.value == "Amazon"
    assert "Không tìm thấy kênh “Amazon”" in channel.message
    assert "danh mục kênh" in channel.message
    assert "Shopee" in channel.message and "Postmart" in channel.message


def test_invalid_values_name_row_column_value_and_reason():
    rows = [
        HEADER,
        [TEA, "Shopee", "2025", "-3", "năm triệu", "shopee.vn/tra"],
        [TEA, "Lazada", "01/12/2026", "2,5", "-100.000", "ftp://lazada.vn/tra"],
        [TEA, "", "31/02/2025", "", "", ""],
        ["", "Tiki", "hôm qua", "1", "1", ""],
    ]
    result = run(csv(rows))
    found = {(e.row, e.column): (e.code, e.value) for e in result.errors}
    assert found == {
        (2, "Ngày (C)"): ("invalid_date", "2025"),
        (2, "Số đơn (D)"): ("invalid_orders", "-3"),
        (2, "Doanh thu (VNĐ) (E)"): ("invalid_revenue", "năm triệu"),
        (2, "Đường dẫn (F)"): ("invalid_url", "shopee.vn/tra"),
        (3, "Ngày (C)"): ("date_in_future", "01/12/2026"),
        (3, "Số đơn (D)"): ("invalid_orders", "2,5"),
        (3, "Doanh thu (VNĐ) (E)"): ("invalid_revenue", "-100.000"),
        (3, "Đường dẫn (F)"): ("invalid_url", "ftp://lazada.vn/tra"),
        (4, "Kênh (B)"): ("required", ""),
        (4, "Ngày (C)"): ("invalid_date", "31/02/2025"),
        (4, "Số đơn (D)"): ("required", ""),
        (5, "Chủ thể (A)"): ("required", ""),
        (5, "Ngày (C)"): ("invalid_date", "hôm qua"),
    }
    messages = errors_by_cell(result)
    assert "chỉ có năm" in messages[(2, "Ngày (C)")].message
    assert "tương lai" in messages[(3, "Ngày (C)")].message
    assert all("(" in e.message and e.message.endswith(").") for e in result.errors)
    assert result.rows_read == 4 and result.skipped == 4


def test_orders_and_revenue_forms():
    rows = [
        HEADER,
        [TEA, "Shopee", "01/11/2025", "1.200", "12.500.000 đ", ""],
        [TEA, "Lazada", "01/11/2025", "18 đơn", "8000000", ""],
        [TEA, "Tiki", "2025-11-02", "0", "0", ""],
    ]
    result = run(csv(rows))
    assert result.ok, result.errors
    assert (activity(TEA, "shopee").orders, activity(TEA, "shopee").revenue) == (
        1200,
        Decimal(12500000),
    )
    assert activity(TEA, "lazada").orders == 18
    assert activity(TEA, "tiki").orders == 0


def test_the_same_day_twice_with_other_figures_names_the_first_row():
    conflicting = [*ROW_TEA[:3], "41", *ROW_TEA[4:]]
    result = run(csv([HEADER, ROW_TEA, ROW_FISH, conflicting]))
    assert [(e.row, e.code) for e in result.errors] == [(4, "conflicting_row")]
    assert "dòng 2" in result.errors[0].message
    duplicate = run(csv([HEADER, ROW_TEA, ROW_TEA]), dry_run=True)
    assert duplicate.ok and (duplicate.created, duplicate.unchanged) == (1, 1)


# Atomicity, skip-invalid, dry run, idempotency -------------------------------------------------


BAD_REPORT = [
    HEADER,
    ROW_TEA,
    ["HTX Không Có Thật", "Shopee", "01/11/2025", "1", "1", ""],
    ROW_FISH,
]


def test_by_default_nothing_is_written_when_any_row_is_invalid():
    result = run(csv(BAD_REPORT))
    assert not result.ok and not result.written and result.created == 2
    assert not ChannelActivity.objects.exists()
    assert not Presence.objects.exists() and not PresenceEvent.objects.exists()


def test_skip_invalid_writes_the_valid_rows_and_lists_the_rest():
    result = run(csv(BAD_REPORT), skip_invalid=True)
    assert result.written and (result.created, result.skipped) == (2, 1)
    assert [e.row for e in result.errors] == [3]
    assert ChannelActivity.objects.count() == 2 and Presence.objects.count() == 2


def test_dry_run_counts_but_writes_nothing():
    result = run(csv([HEADER, ROW_TEA, ROW_FISH]), dry_run=True)
    assert result.ok and result.created == 2 and result.dry_run and not result.written
    assert not ChannelActivity.objects.exists() and not Presence.objects.exists()


def test_importing_the_same_report_again_changes_nothing():
    with SAMPLE.open("rb") as stream:
        run(stream)
    before = list(ChannelActivity.objects.values_list("pk", "updated_at").order_by("pk"))
    events = PresenceEvent.objects.count()
    # The same report as XLSX, with dates and figures as Excel values: the same activity.
    as_xlsx = [HEADER] + [
        [
            TEA,
            "Shopee",
            dt.datetime(2025, 11, 14),
            40,
            8000000,
            "https://shopee.vn/tra-xanh-liem-son",
        ],
        [FISH, "Postmart", dt.date(2025, 11, 3), 18, 5400000, "https://postmart.vn/ca-kho-vu-dai"],
        ["Công ty CP Thêu Thanh Hà", "Co.opmart", "20/10/2025", 2, "12.500.000", None],
        [
            "HTX Gốm Quyết Thành",
            "TikTok Shop",
            "2025-09-01",
            "6",
            1950000.0,
            "https://www.tiktok.com/@gomquyetthanh",
        ],
    ]
    again = run(xlsx(as_xlsx))
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert list(ChannelActivity.objects.values_list("pk", "updated_at").order_by("pk")) == before
    assert PresenceEvent.objects.count() == events


def test_a_corrected_figure_for_the_same_day_is_an_update():
    run(csv([HEADER, ROW_TEA, ROW_FISH]))
    first = activity(TEA, "shopee")
    corrected = [TEA, "Shopee", "2025-11-14", "42", "8.400.000", ""]
    result = run(csv([HEADER, ROW_FISH, corrected]))
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 1)
    tea = activity(TEA, "shopee")
    assert tea.pk == first.pk and (tea.orders, tea.revenue) == (42, Decimal(8400000))
    assert tea.evidence_url == "https://shopee.vn/tra-xanh"  # an empty cell never wipes
    assert tea.source_row == 3 and tea.updated_at > first.updated_at
    assert ChannelActivity.objects.count() == 2


def test_new_evidence_url_is_added_to_the_presence_with_an_audit_event():
    run(csv([HEADER, ROW_TEA]))
    presence = Presence.objects.get()
    newer = [*ROW_TEA[:5], "https://shopee.vn/tra-xanh-moi"]
    run(csv([HEADER, newer]))
    presence.refresh_from_db()
    assert presence.listing_url == "https://shopee.vn/tra-xanh-moi"
    actions = list(presence.events.values_list("action", flat=True))
    assert actions == [PresenceEvent.Action.CREATED, PresenceEvent.Action.UPDATED]


def test_a_rejected_presence_stays_visible_until_a_report_verifies_it(django_user_model):
    from plugins.ocop.channels.services import record_presence, review_presence

    staff = django_user_model.objects.create_user("staff", "s@example.com", "pw")
    tea = Producer.objects.get(name=TEA)
    declared = record_presence(tea, Channel.objects.get(slug="shopee"), source="declared")
    review_presence(declared, verified=False, user=staff)
    run(csv([HEADER, ROW_TEA]))
    declared.refresh_from_db()
    assert declared.verification == Verification.VERIFIED
    assert declared.events.last().action == PresenceEvent.Action.VERIFIED


def test_run_and_user_are_stored_on_the_activity(django_user_model):
    user = django_user_model.objects.create_user("importer", "i@example.com", "pw")
    import_run = ImportRun.objects.create(filename="report.csv")
    run(csv([HEADER, ROW_TEA]), run=import_run, user=user)
    tea = activity(TEA, "shopee")
    assert tea.import_run == import_run and tea.recorded_by == user


def test_progress_is_reported_per_batch():
    seen = []
    run(csv([HEADER, ROW_TEA, ROW_FISH]), progress=seen.append)
    assert seen == [2]


# Files that are not sales reports ---------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, fragment",
    [
        (b"", "trống"),
        (b"\x00\x01\x02binary\x00garbage" * 50, "không phải"),
        (b"PK\x03\x04broken zip", "Excel"),
        ("Chủ thể,Kênh,Ngày\nHTX A,Shopee,01/01/2025\n".encode(), "Số đơn hoặc Doanh thu"),
        ("Họ tên,Điện thoại\nA,0912\n".encode(), "không phải báo cáo bán hàng theo kênh"),
    ],
)
def test_a_file_that_is_not_a_sales_report_gets_one_clear_message(payload, fragment):
    result = run(io.BytesIO(payload))
    assert result.file_error and fragment in result.file_error
    assert not result.errors and not ChannelActivity.objects.exists()


def test_a_certificate_list_is_not_a_sales_report(sample_xlsx):
    with sample_xlsx.open("rb") as stream:
        result = run(stream)
    assert "không phải báo cáo bán hàng theo kênh" in result.file_error
    assert "Kênh" in result.file_error and not result.errors


# Query counts ------------------------------------------------------------------------------------


def rows_for(days: int, producers: list[str], orders: int = 1) -> io.BytesIO:
    body = [
        [name, "Shopee", (dt.date(2025, 10, 1) + dt.timedelta(days=d)).isoformat(), orders, 1000]
        for d in range(days)
        for name in producers
    ]
    return csv([HEADER[:5], *body])


PAIRS = [TEA, FISH, "HTX Gốm Quyết Thành"]


def queries(stream) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = run(stream)
    assert result.ok, result.errors
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_the_rows_of_known_producer_channel_pairs():
    # First sighting of each producer on the channel: its presence goes through
    # record_presence (a fixed cost per new pair, not per row).
    first = queries(rows_for(1, PAIRS))
    ChannelActivity.objects.all().delete()
    small = queries(rows_for(1, PAIRS))
    large = queries(rows_for(20, PAIRS))  # 60 new activities on the same three pairs
    assert small == large
    assert first > small
    # Re-importing (unchanged, then updated figures) costs the same for few rows as for many.
    assert queries(rows_for(1, PAIRS)) == queries(rows_for(20, PAIRS))
    assert queries(rows_for(1, PAIRS, orders=2)) == queries(rows_for(20, PAIRS, orders=3))


def test_each_new_producer_channel_pair_costs_a_fixed_number_of_queries():
    baseline = queries(rows_for(1, [PAIRS[0]], orders=5))  # presence created here
    ChannelActivity.objects.all().delete()
    Presence.objects.all().delete()
    one = queries(rows_for(1, PAIRS[:1]))
    ChannelActivity.objects.all().delete()
    Presence.objects.all().delete()
    two = queries(rows_for(1, PAIRS[:2]))
    ChannelActivity.objects.all().delete()
    Presence.objects.all().delete()
    three = queries(rows_for(1, PAIRS))
    assert one == baseline
    assert three - two == two - one > 0


# The command ----------------------------------------------------------------------------------


def test_command_json_output_and_exit_status(tmp_path, capsys):
    call_command("ocop_channel_import", str(SAMPLE), "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "rows_read",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "errors",
        "warnings",
        "dry_run",
        "written",
        "file_error",
    }
    assert (out["rows_read"], out["created"], out["written"]) == (4, 4, True)

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv(BAD_REPORT).getvalue())
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_channel_import", str(bad), "--format", "json")
    assert exited.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0] == {
        "row": 3,
        "column": "Chủ thể (A)",
        "value": "HTX Không Có Thật",
        "message": out["errors"][0]["message"],
        "code": "unknown_producer",
    }
    assert not out["written"]


def test_command_text_output_dry_run_and_skip_invalid(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv(BAD_REPORT).getvalue())
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_channel_import", str(bad), "--dry-run")
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "Dòng 3, cột Chủ thể (A)" in captured.err
    assert "sẽ tạo 2 hoạt động bán hàng mới" in captured.out
    assert "--dry-run" in captured.out and not ChannelActivity.objects.exists()
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_channel_import", str(bad), "--skip-invalid")
    assert exited.value.code == 1
    assert "tạo 2 hoạt động bán hàng mới" in capsys.readouterr().out
    assert ChannelActivity.objects.count() == 2
    good = tmp_path / "good.csv"
    good.write_bytes(csv([HEADER, ROW_TEA]).getvalue())
    call_command("ocop_channel_import", str(good))
    assert "1 không đổi" in capsys.readouterr().out


def test_command_on_a_non_report_exits_2_without_traceback(sample_xlsx, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_channel_import", str(sample_xlsx))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "không phải báo cáo bán hàng theo kênh" in err and "Traceback" not in err


def test_command_on_a_missing_file_names_it(tmp_path):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("ocop_channel_import", str(tmp_path / "missing.csv"))

"""The certificate import service: formats, quirks, errors, atomicity, idempotency, history."""

from __future__ import annotations

import codecs
import csv as csv_module
import datetime as dt
import io
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook
from oscar.apps.catalogue.models import Product
from oscar.apps.partner.models import Partner, StockRecord

from plugins.ocop.catalogue import SERVICE_CLASS_SLUG
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    Certificate,
    CertificateStatus,
    IssuingLevel,
    OcopProduct,
    Producer,
    ProducerType,
)

from .conftest import TODAY

pytestmark = pytest.mark.django_db

HEADER = ["TT", "Tên sản phẩm", "Chủ thể", "Địa chỉ", "Nhóm sản phẩm", "Số sao", "Quyết định"]


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


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: a letter it lacks is written as the letter without its
    tone (â, ê, ô, ơ, ư exist) followed by the tone as a combining mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += base.encode("cp1258") + "".join(c for c in parts if c in TONE_MARKS).encode(
                "cp1258"
            )
    return bytes(out)


def csv(rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> io.BytesIO:
    buffer = io.StringIO()
    csv_module.writer(buffer, delimiter=delimiter).writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1258":
        return io.BytesIO(encode_cp1258(text))
    return io.BytesIO(text.encode(encoding))


def run(stream, **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_certificates(stream, filename="test", **kwargs)


ROW_A = [
    1,
    "Cá kho làng Vũ Đại",
    "HTX Dịch vụ nông nghiệp Hòa Hậu",
    "xã Hòa Hậu, huyện Lý Nhân, tỉnh Hà Nam",
    "Thực phẩm",
    "4 sao",
    "1620/QĐ-UBND ngày 10/11/2024",
]
ROW_B = [
    2,
    "Mỳ gạo Phú Phúc",
    "Hộ kinh doanh Trần Văn Hùng",
    "xã Phú Phúc, huyện Lý Nhân, tỉnh Hà Nam",
    "Thực phẩm",
    "3 sao",
    "221/QĐ-UBND ngày 2/3/2024",
]


# Formats and encodings -------------------------------------------------------------------


def test_sample_xlsx_with_title_rows_merged_title_and_totals_row(sample_xlsx):
    with sample_xlsx.open("rb") as stream:
        result = run(stream)
    assert result.ok, result.errors
    assert (result.rows_read, result.created, result.skipped) == (12, 12, 0)
    assert Certificate.objects.count() == 12
    assert Producer.objects.count() == 12
    assert not Product.objects.filter(title__icontains="Tổng cộng").exists()


def test_same_list_in_windows_1258_csv_changes_nothing(sample_xlsx, sample_cp1258):
    with sample_xlsx.open("rb") as stream:
        run(stream)
    before = list(Certificate.objects.values_list("pk", "updated_at").order_by("pk"))
    with sample_cp1258.open("rb") as stream:
        result = run(stream, default_province="Hà Nam")
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 12)
    assert list(Certificate.objects.values_list("pk", "updated_at").order_by("pk")) == before
    assert Producer.objects.count() == 12


def test_windows_1258_text_is_nfc_normalised(sample_cp1258):
    raw = sample_cp1258.read_bytes()
    assert "Ly\u0301" in raw.decode("cp1258")  # tone marks really are combining characters
    with sample_cp1258.open("rb") as stream:
        run(stream)
    assert OcopProduct.objects.filter(name="Cá kho làng Vũ Đại").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_csv_encodings_give_the_same_catalogue(encoding):
    rows = [HEADER, ROW_A, ROW_B]
    result = run(csv(rows, encoding=encoding, delimiter=";" if encoding == "cp1258" else ","))
    assert result.ok, result.errors
    assert result.created == 2
    names = set(OcopProduct.objects.values_list("name", flat=True))
    assert names == {"Cá kho làng Vũ Đại", "Mỳ gạo Phú Phúc"}


def test_headers_without_diacritics_in_any_order_with_extra_columns():
    header = [
        "So sao",
        "Ghi chu them",
        "Chu the",
        "Nhom san pham",
        "Ten san pham",
        "Dia chi",
        "Quyet dinh",
        "Cot khong dung",
    ]
    row = ["★★★★", "x", ROW_A[2], "Thuc pham", ROW_A[1], ROW_A[3], ROW_A[6], "y"]
    result = run(csv([header, row]))
    assert result.ok, result.errors
    cert = Certificate.objects.get()
    assert (cert.stars, cert.decision_number, cert.decision_date) == (
        4,
        "1620/QĐ-UBND",
        dt.date(2024, 11, 10),
    )


def test_separate_date_and_year_columns_and_excel_dates():
    header = ["Tên sản phẩm", "Chủ thể", "Nhóm", "Hạng sao", "Số QĐ", "Ngày công nhận"]
    rows = [
        header,
        ["Trà A", "HTX Trà A", "Đồ uống", 3, "12/QĐ-UBND", dt.datetime(2024, 5, 6)],
        ["Trà B", "HTX Trà B", "Đồ uống", "3*", "13/QĐ-UBND", "07/05/2024"],
    ]
    result = run(xlsx(rows))
    assert result.ok, result.errors
    dates = set(Certificate.objects.values_list("decision_date", flat=True))
    assert dates == {dt.date(2024, 5, 6), dt.date(2024, 5, 7)}
    year_only = run(
        csv(
            [
                ["Tên sản phẩm", "Chủ thể", "Nhóm", "Số sao", "Năm công nhận"],
                ["Trà C", "HTX Trà C", "Đồ uống", "3 sao", "2023"],
            ]
        )
    )
    assert year_only.ok, year_only.errors
    cert = Certificate.objects.get(product__name="Trà C")
    assert cert.decision_date == dt.date(2023, 1, 1) and cert.decision_date_is_year_only
    assert cert.valid_until == dt.date(2026, 1, 1)


def test_merged_cells_hand_their_value_to_every_row_they_cover():
    rows = [
        ["DANH SÁCH SẢN PHẨM OCOP", None, None, None, None, None, None],
        HEADER,
        [
            1,
            "Gốm Quyết Thành",
            "HTX Gốm Quyết Thành",
            "xã Thanh Sơn, huyện Kim Bảng",
            "Thủ công mỹ nghệ",
            "3 sao",
            "1133/QĐ-UBND ngày 01/08/2024",
        ],
        [
            2,
            "Bình gốm men lam",
            None,
            None,
            "Thủ công mỹ nghệ",
            "3 sao",
            "1134/QĐ-UBND ngày 01/08/2024",
        ],
        [None] * 7,
    ]
    result = run(xlsx(rows, merges=("A1:G1", "C3:C4", "D3:D4")))
    assert result.ok, result.errors
    assert result.created == 2
    producer = Producer.objects.get()
    assert producer.products.count() == 2
    assert producer.legacy_district


def test_blank_lines_between_rows_are_ignored():
    result = run(csv([HEADER, [""] * 7, ROW_A, [""] * 7, [""] * 7, ROW_B]))
    assert result.ok and result.rows_read == 2 and result.created == 2


# Producers, products, Oscar -----------------------------------------------------------------


def test_producer_is_an_oscar_partner_with_type_and_both_admin_units():
    run(csv([HEADER, ROW_A]))
    producer = Producer.objects.select_related("partner").get()
    assert isinstance(producer.partner, Partner)
    assert producer.partner.name == producer.name
    assert producer.type == ProducerType.COOPERATIVE
    assert (producer.legacy_province, producer.legacy_district, producer.legacy_commune) == (
        "Tỉnh Hà Nam",
        "Huyện Lý Nhân",
        "Xã Hòa Hậu",
    )
    # After the 2025 reform Hà Nam is part of Ninh Bình; the commune was merged.
    assert producer.province == "Ninh Bình"
    assert producer.commune and producer.commune_code


def test_certified_product_is_an_oscar_product_with_star_attributes_and_group_category():
    run(csv([HEADER + ["Giá"], ROW_A + ["150.000"]]))
    product = Product.objects.get()
    assert product.product_class.slug == "ocop-goods"
    values = {v.attribute.code: v.value for v in product.attribute_values.all()}
    assert values["ocop_stars"] == 4
    assert values["ocop_decision_number"] == "1620/QĐ-UBND"
    assert values["ocop_valid_until"] == dt.date(2027, 11, 10)
    assert values["ocop_issuing_level"] == IssuingLevel.PROVINCE
    assert [c.name for c in product.categories.all()] == ["Thực phẩm"]
    record = StockRecord.objects.get(product=product)
    assert record.price == 150000 and record.price_currency == "VND"
    assert record.partner == product.ocop.producer.partner


def test_tourism_products_are_services_without_shipping():
    row = [
        1,
        "Homestay Thi Sơn",
        "HTX Du lịch Thi Sơn",
        "xã Thi Sơn, huyện Kim Bảng",
        "Dịch vụ du lịch nông thôn",
        "3 sao",
        "501/QĐ-UBND ngày 18/05/2024",
    ]
    run(csv([HEADER, row]))
    product = Product.objects.get()
    assert product.product_class.slug == SERVICE_CLASS_SLUG
    assert not product.product_class.requires_shipping


def test_legacy_one_and_two_star_ranks_are_kept_but_not_certified():
    row = [
        1,
        "Rượu nếp",
        "Hộ kinh doanh Lê Văn Ba",
        "xã Nhân Hậu, huyện Lý Nhân",
        "Đồ uống",
        "2 sao",
        "99/QĐ-UBND ngày 05/05/2022",
    ]
    result = run(csv([HEADER, row]))
    assert result.ok, result.errors
    cert = Certificate.objects.get()
    assert cert.stars == 2 and cert.is_legacy_rank
    assert not cert.is_certified(dt.date(2023, 1, 1))
    assert not Certificate.objects.certified_on(dt.date(2023, 1, 1)).exists()


# Status and history ---------------------------------------------------------------------------


def test_status_is_derived_from_dates():
    rows = [
        HEADER,
        [1, "SP hiệu lực", "HTX Một", "", "Thực phẩm", "3 sao", "1/QĐ-UBND ngày 01/06/2025"],
        [2, "SP sắp hết hạn", "HTX Hai", "", "Thực phẩm", "3 sao", "2/QĐ-UBND ngày 10/01/2024"],
        [3, "SP hết hạn", "HTX Ba", "", "Thực phẩm", "3 sao", "3/QĐ-UBND ngày 01/01/2023"],
    ]
    assert run(csv(rows)).ok
    status = {
        c.product.name: c.status(TODAY) for c in Certificate.objects.select_related("product")
    }
    assert status == {
        "SP hiệu lực": CertificateStatus.VALID,
        "SP sắp hết hạn": CertificateStatus.EXPIRING,
        "SP hết hạn": CertificateStatus.EXPIRED,
    }
    certified = set(Certificate.objects.certified_on(TODAY).values_list("product__name", flat=True))
    assert certified == {"SP hiệu lực", "SP sắp hết hạn"}


def test_upgrade_and_reevaluation_are_new_certificates_in_the_history():
    first = [
        HEADER,
        [1, "Trà xanh", "HTX Chè Liêm Sơn", "", "Đồ uống", "3 sao", "10/QĐ-UBND ngày 05/04/2021"],
        [2, "Bánh gai", "HTX Bánh", "", "Thực phẩm", "3 sao", "11/QĐ-UBND ngày 05/04/2021"],
    ]
    assert run(csv(first)).created == 2
    newer = [
        HEADER,
        [1, "Trà xanh", "HTX Chè Liêm Sơn", "", "Đồ uống", "4 sao", "20/QĐ-UBND ngày 05/06/2024"],
        [2, "Bánh gai", "HTX Bánh", "", "Thực phẩm", "3 sao", "21/QĐ-UBND ngày 05/06/2024"],
    ]
    result = run(csv(newer))
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    tea = OcopProduct.objects.get(name="Trà xanh")
    old, new = tea.certificates.order_by("decision_date")
    assert old.stars == 3 and old.status(TODAY) == CertificateStatus.UPGRADED
    assert new.stars == 4 and new.status(TODAY) == CertificateStatus.VALID
    assert tea.current_certificate == new
    assert tea.product.attribute_values.get(attribute__code="ocop_stars").value == 4
    cake_old = OcopProduct.objects.get(name="Bánh gai").certificates.order_by("decision_date")[0]
    assert cake_old.status(TODAY) == CertificateStatus.REEVALUATED
    # Importing the older list again does not roll the history back.
    assert run(csv(first)).unchanged == 2
    assert OcopProduct.objects.get(name="Trà xanh").current_certificate == new


def test_newer_list_updates_what_changed():
    header = HEADER + ["Điểm", "Mã số thuế"]
    assert run(csv([header, ROW_A + ["75", ""], ROW_B + ["55", ""]])).created == 2
    result = run(csv([header, ROW_A + ["78", "0700123456"], ROW_B + ["55", ""]]))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Certificate.objects.get(product__name=ROW_A[1]).score == 78
    assert Producer.objects.get(name=ROW_A[2]).tax_code == "0700123456"


def test_revocation_noted_in_the_list():
    header = HEADER + ["Ghi chú"]
    run(csv([header, ROW_A + [""]]))
    result = run(csv([header, ROW_A + ["Đã thu hồi giấy chứng nhận"]]))
    assert result.updated == 1
    cert = Certificate.objects.get()
    assert cert.status(TODAY) == CertificateStatus.REVOKED
    assert not cert.is_certified(TODAY)


# Bad input ------------------------------------------------------------------------------------


def bad_list() -> io.BytesIO:
    """Three title rows, a header on row 4, one good row, two bad rows (6 and 7)."""
    return xlsx(
        [
            ["UBND TỈNH HÀ NAM"],
            ["DANH SÁCH SẢN PHẨM OCOP"],
            [None],
            HEADER,
            ROW_A,
            [
                3,
                "Mật ong",
                "Hộ sản xuất Đinh Thị Mai",
                "xã Ba Sao, huyện Kim Bảng",
                "Thực phẩm",
                "bảy sao",
                "77/QĐ-UBND ngày 22/01/2025",
            ],
            [4, "", "Hộ X", "", "Điện tử", "3 sao", "78/QĐ-UBND ngày 31/02/2025"],
        ]
    )


def test_invalid_rows_are_reported_with_spreadsheet_row_column_value_and_reason():
    result = run(bad_list())
    assert not result.ok
    errors = {(e.row, e.column): e for e in result.errors}
    assert set(errors) == {
        (6, "Số sao (F)"),
        (7, "Tên sản phẩm (B)"),
        (7, "Nhóm sản phẩm (E)"),
        (7, "Quyết định (G)"),
    }
    star = errors[(6, "Số sao (F)")]
    assert star.value == "bảy sao" and "sao" in star.message and star.code == "invalid_stars"
    assert errors[(7, "Nhóm sản phẩm (E)")].value == "Điện tử"
    assert "không tồn tại" in errors[(7, "Quyết định (G)")].message
    assert result.skipped == 2 and result.rows_read == 3


def test_by_default_nothing_is_written_when_any_row_is_invalid():
    result = run(bad_list())
    assert not result.written
    assert not Certificate.objects.exists()
    assert not Producer.objects.exists()
    assert not Product.objects.exists()


def test_skip_invalid_writes_the_valid_rows_and_lists_the_rest():
    result = run(bad_list(), skip_invalid=True)
    assert result.written and result.created == 1 and result.skipped == 2
    assert [e.row for e in result.errors] == [6, 7, 7, 7]
    assert Certificate.objects.count() == 1


def test_dry_run_counts_but_writes_nothing():
    result = run(csv([HEADER, ROW_A, ROW_B]), dry_run=True)
    assert result.ok and result.created == 2 and not result.written
    assert not Certificate.objects.exists() and not Partner.objects.exists()


def test_future_decision_dates_and_mismatched_scores_are_errors():
    header = HEADER + ["Điểm"]
    rows = [header, ROW_A[:6] + ["5/QĐ-UBND ngày 01/01/2027", "75"], ROW_B + ["85"]]
    result = run(csv(rows))
    codes = sorted(e.code for e in result.errors)
    assert codes == ["date_in_future", "score_stars_mismatch"]


def test_the_same_decision_twice_with_different_stars_names_the_first_row():
    conflicting = ROW_A[:5] + ["5 sao", ROW_A[6]]
    result = run(csv([HEADER, ROW_A, ROW_B, conflicting]))
    assert [(e.row, e.code) for e in result.errors] == [(4, "conflicting_row")]
    assert "dòng 2" in result.errors[0].message
    duplicate = run(csv([HEADER, ROW_A, ROW_A]), dry_run=True)
    assert duplicate.ok and duplicate.created == 1 and duplicate.unchanged == 1


@pytest.mark.parametrize(
    "payload, fragment",
    [
        (b"", "trống"),
        (b"\x00\x01\x02binary\x00garbage" * 50, "không phải"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04broken zip", "Excel"),
        ("Chủ thể,Kênh,Ngày\nHTX A,Shopee,01/01/2025\n".encode(), "không phải danh sách"),
        ("Tên sản phẩm,Chủ thể,Số sao,Nhóm\nA,B,3,Thực phẩm\n".encode(), "Quyết định"),
    ],
)
def test_a_file_that_is_not_a_certificate_list_gets_one_clear_message(payload, fragment):
    result = run(io.BytesIO(payload))
    assert result.file_error and fragment in result.file_error
    assert not result.errors and not Certificate.objects.exists()


def test_queries_per_import_do_not_grow_with_the_rows():
    def rows(start: int, n: int) -> io.BytesIO:
        body = [
            [
                i,
                f"Sản phẩm {i}",
                f"HTX Số {i}",
                "xã Hòa Hậu, huyện Lý Nhân",
                "Thực phẩm",
                "3 sao",
                f"{i}/QĐ-UBND ngày 01/06/2025",
            ]
            for i in range(start, start + n)
        ]
        return csv([HEADER, *body])

    run(rows(1000, 1))  # catalogue structure (classes, attributes, categories) created once
    # Small enough that SQLite's bound-parameter limit does not split any bulk insert.
    with CaptureQueriesContext(connection) as small:
        run(rows(1, 3))
    with CaptureQueriesContext(connection) as large:
        run(rows(100, 8))
    assert len(large.captured_queries) == len(small.captured_queries)
    # Re-importing (the update path) costs the same for few rows as for many.
    with CaptureQueriesContext(connection) as small_again:
        run(rows(1, 3))
    with CaptureQueriesContext(connection) as large_again:
        run(rows(100, 8))
    assert len(large_again.captured_queries) == len(small_again.captured_queries)


# The command ----------------------------------------------------------------------------------


def test_command_json_output_and_exit_status(sample_xlsx, tmp_path, capsys):
    call_command("ocop_import", str(sample_xlsx), "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert {"rows_read", "created", "updated", "unchanged", "skipped", "errors"} <= set(out)
    assert (out["rows_read"], out["created"]) == (12, 12)

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bad_list().getvalue())
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_import", str(bad), "--format", "json")
    assert exited.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0] == {
        "row": 6,
        "column": "Số sao (F)",
        "value": "bảy sao",
        "message": out["errors"][0]["message"],
        "code": "invalid_stars",
    }
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_import", str(bad), "--skip-invalid")
    assert exited.value.code == 1
    assert "Dòng 6, cột Số sao (F)" in capsys.readouterr().err
    assert Certificate.objects.filter(product__name=ROW_A[1]).exists()


def test_command_on_a_non_list_exits_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "report.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Chủ thể,Kênh\nA,B\n".encode())
    with pytest.raises(SystemExit) as exited:
        call_command("ocop_import", str(path))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "không phải danh sách sản phẩm OCOP" in err and "Traceback" not in err


def test_search_key_folds_product_producer_and_place_names():
    run(csv([HEADER, ROW_A]))
    ocop = OcopProduct.objects.get()
    assert "ca kho lang vu dai" in ocop.search_key
    assert "htx dich vu nong nghiep hoa hau" in ocop.search_key
    assert "huyen ly nhan" in ocop.search_key and "ninh binh" in ocop.search_key


def test_a_product_regrouped_twice_in_one_list_takes_the_last_group():
    header = ["Tên sản phẩm", "Chủ thể", "Số sao", "Nhóm sản phẩm", "Quyết định"]
    assert run(
        csv([header, ["Miến dong", "HTX A", "3 sao", "Thực phẩm", "1/QĐ-UBND ngày 01/06/2024"]])
    ).ok
    result = run(
        csv(
            [
                header,
                ["Miến dong", "HTX A", "3 sao", "Đồ uống", "1/QĐ-UBND ngày 01/06/2024"],
                ["Miến dong", "HTX A", "4 sao", "Thực phẩm", "2/QĐ-UBND ngày 01/06/2025"],
            ]
        )
    )
    assert result.ok, result.errors
    product = OcopProduct.objects.get()
    assert product.group.code == 1
    assert [c.name for c in product.product.categories.all()] == ["Thực phẩm"]

"""The channel report as CSV and XLSX (xuất báo cáo), carrying the same numbers as its JSON.

Both formats are drawn from one list of tables, one per section: ``summary``, ``by_district``,
``by_commune``, ``by_group``, ``by_producer_type``, ``by_stars``, ``trend``, ``not_active``,
``targets``, ``expiring`` and ``sales``. In XLSX each table is a sheet of that name; in CSV the
tables follow one another, each under a row naming it (``[by_district]``) and closed by a blank
row. Column headers are Vietnamese with the JSON key in brackets, so a reader knows what each
column is and a program can map it back.

Values are the JSON's: counts and revenue (whole VND) as integers, shares as fractions 0–1
(XLSX shows them as percentages), booleans as ``true``/``false`` in CSV. Dates are ISO text in
CSV and date cells (dd/mm/yyyy) in XLSX. The sales table is long: one row per breakdown row
for the whole period (empty month), then one per month.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

#: Columns of the population breakdowns: (JSON key, header).
_BREAKDOWN = (
    ("key", "Mã (key)"),
    ("name", "Tên (name)"),
    ("total", "Số chủ thể OCOP (total)"),
    ("active", "Tham gia kênh hiện đại (active)"),
    ("share", "Tỷ lệ (share)"),
)
_UNIT_BREAKDOWN = (*_BREAKDOWN[:2], ("province", "Tỉnh (province)"), *_BREAKDOWN[2:])
_VERIFICATION = {"pending": "chờ xác minh", "rejected": "bị từ chối", "verified": "đã xác minh"}
_SALES_SECTIONS = (
    "by_channel",
    "by_group",
    "by_district",
    "by_commune",
    "by_stars",
    "by_producer",
    "top_products",
    "top_producers",
)
#: Columns shown as dates (ISO text in the JSON) and as percentages.
_DATE_COLUMNS = {"as_of", "window_start", "valid_until", "decision_date", "sales_start"}
_SHARE_COLUMNS = {"share", "share_active_modern", "target_share"}
_SUMMARY = (
    ("as_of", "Ngày báo cáo"),
    ("window_days", "Cửa sổ hoạt động (ngày)"),
    ("window_start", "Từ ngày"),
    ("district_code", "Lọc theo huyện (mã)"),
    ("group_code", "Lọc theo nhóm sản phẩm"),
    ("producer_type", "Lọc theo loại hình chủ thể"),
    ("producers_total", "Số chủ thể OCOP (có sản phẩm 3 sao trở lên còn hiệu lực)"),
    ("producers_active_modern", "Số chủ thể tham gia kênh bán hàng hiện đại"),
    ("share_active_modern", "Tỷ lệ tham gia kênh bán hàng hiện đại"),
    ("target_share", "Mục tiêu tỷ lệ"),
    ("meets_target", "Đạt mục tiêu"),
    ("not_active_count", "Số chủ thể chưa tham gia (danh sách cần liên hệ)"),
    ("expiring_count", "Số giấy chứng nhận hết hạn trong 90 ngày"),
    ("sales_orders", "Số đơn hàng trong kỳ"),
    ("sales_revenue", "Doanh thu trong kỳ (VNĐ)"),
    ("sales_start", "Kỳ doanh số từ ngày"),
)


@dataclass(frozen=True)
class Table:
    """One section of the report as rows of cells under a header."""

    name: str
    header: tuple[str, ...]
    rows: list[tuple]
    #: JSON key of each column, to format dates and shares.
    keys: tuple[str, ...]


def _table(name: str, columns: tuple[tuple[str, str], ...], rows: list[dict]) -> Table:
    keys = tuple(k for k, _label in columns)
    return Table(
        name,
        tuple(label for _k, label in columns),
        [tuple(row.get(k) for k in keys) for row in rows],
        keys,
    )


def _date_text(iso: str | None) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def products_text(products: list[dict]) -> str:
    """A producer's valid products in one cell: "Chè búp (4★, đến 31/12/2027); …"."""
    return "; ".join(
        f"{p['name']} ({p['stars']}★, đến {_date_text(p['valid_until'])})" for p in products
    )


def presences_text(presences: list[dict]) -> str:
    """Why each modern-channel presence does not count: "Shopee: chờ xác minh; …"."""
    parts = []
    for p in presences:
        state = _VERIFICATION.get(p["verification"], p["verification"])
        if p["verification"] == "verified" and p["last_activity"]:
            state = f"không có hoạt động trong kỳ (lần cuối {_date_text(p['last_activity'])})"
        elif p["verification"] == "verified":
            state = "chưa có hoạt động"
        parts.append(f"{p['channel']}: {state}")
    return "; ".join(parts)


def report_tables(report: dict) -> list[Table]:
    """The report's sections as tables, in sheet order."""
    sales = report["sales"]
    summary_values = {
        **{k: report.get(k) for k, _label in _SUMMARY},
        **{k: report["filters"].get(k) for k in ("district_code", "group_code", "producer_type")},
        "not_active_count": len(report["not_active"]),
        "expiring_count": len(report["expiring_certificates"]),
        "sales_orders": sales["total"]["orders"],
        "sales_revenue": sales["total"]["revenue"],
        "sales_start": sales["start"],
    }
    summary = Table(
        "summary",
        ("Mục (key)", "Nội dung", "Giá trị (value)"),
        [(k, label, summary_values[k]) for k, label in _SUMMARY],
        ("key", "label", "value"),
    )
    not_active = [
        {
            **p,
            "products": products_text(p["products"]),
            "channels": "; ".join(p["channels"]),
            "presences": presences_text(p["presences"]),
        }
        for p in report["not_active"]
    ]
    targets = [{"key": k, **t} for k, t in report["targets"].items()]
    return [
        summary,
        _table("by_district", _UNIT_BREAKDOWN, report["by_district"]),
        _table("by_commune", _UNIT_BREAKDOWN, report["by_commune"]),
        _table("by_group", _BREAKDOWN, report["by_group"]),
        _table("by_producer_type", _BREAKDOWN, report["by_producer_type"]),
        _table("by_stars", _BREAKDOWN, report["by_stars"]),
        _table(
            "trend",
            (
                ("month", "Tháng (month)"),
                ("as_of", "Tính đến ngày (as_of)"),
                ("total", "Số chủ thể OCOP (total)"),
                ("active", "Tham gia kênh hiện đại (active)"),
                ("share", "Tỷ lệ (share)"),
                ("snapshot", "Số liệu đã chốt (snapshot)"),
            ),
            report["trend"],
        ),
        _table(
            "not_active",
            (
                ("id", "Mã chủ thể (id)"),
                ("name", "Tên chủ thể (name)"),
                ("type_name", "Loại hình (type)"),
                ("address", "Địa chỉ (address)"),
                ("district", "Huyện 2024 (district)"),
                ("commune", "Xã/phường hiện nay (commune)"),
                ("phone", "Điện thoại (phone)"),
                ("email", "Email (email)"),
                ("products", "Sản phẩm còn hiệu lực (products)"),
                ("channels", "Kênh đã đăng ký (channels)"),
                ("presences", "Tình trạng từng kênh (presences)"),
            ),
            not_active,
        ),
        _table(
            "targets",
            (
                ("key", "Mã chỉ tiêu (key)"),
                ("label", "Chỉ tiêu (label)"),
                ("value", "Kết quả (value)"),
                ("target_min", "Mục tiêu từ (target_min)"),
                ("target_max", "Mục tiêu đến (target_max)"),
                ("target", "Mục tiêu (target)"),
                ("met", "Đạt (met)"),
            ),
            targets,
        ),
        _table(
            "expiring",
            (
                ("certificate_id", "Mã giấy chứng nhận (certificate_id)"),
                ("product", "Sản phẩm (product)"),
                ("producer", "Chủ thể (producer)"),
                ("phone", "Điện thoại (phone)"),
                ("district", "Huyện 2024 (district)"),
                ("stars", "Hạng sao (stars)"),
                ("decision_number", "Số quyết định (decision_number)"),
                ("decision_date", "Ngày quyết định (decision_date)"),
                ("valid_until", "Hiệu lực đến (valid_until)"),
                ("days_left", "Còn (ngày) (days_left)"),
            ),
            report["expiring_certificates"],
        ),
        Table(
            "sales",
            (
                "Phân theo (section)",
                "Hạng (rank)",
                "Mã (key)",
                "Tên (name)",
                "Tháng (month)",
                "Số đơn (orders)",
                "Doanh thu VNĐ (revenue)",
                "Số lần ghi nhận (activities)",
            ),
            list(_sales_rows(sales)),
            ("section", "rank", "key", "name", "month", "orders", "revenue", "activities"),
        ),
    ]


def _sales_rows(sales: dict) -> Iterator[tuple]:
    def figures(row: dict) -> tuple:
        return row["orders"], row["revenue"], row["activities"]

    yield ("total", None, None, "Tổng cộng", None, *figures(sales["total"]))
    for point in sales["by_month"]:
        yield ("by_month", None, point["month"], None, point["month"], *figures(point))
    for section in _SALES_SECTIONS:
        for row in sales[section]:
            yield (section, row.get("rank"), row["key"], row["name"], None, *figures(row))
            for point in row.get("months", ()):
                yield (section, None, row["key"], row["name"], point["month"], *figures(point))


# Rendering ------------------------------------------------------------------------------------


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def report_to_csv(report: dict) -> str:
    """The report as one CSV text (UTF-8 BOM first, so Excel reads the Vietnamese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for table in report_tables(report):
        writer.writerow([f"[{table.name}]"])
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([_csv_value(v) for v in row])
        writer.writerow([])
    return out.getvalue()


def report_to_xlsx(report: dict) -> bytes:
    """The report as an XLSX workbook, one sheet per table."""
    workbook = Workbook(write_only=True)
    for table in report_tables(report):
        sheet = workbook.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        header = []
        for index, title in enumerate(table.header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(len(title) + 4, 48)
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append(
                [_xlsx_cell(sheet, table, k, v, row) for k, v in zip(table.keys, row, strict=True)]
            )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, table: Table, key: str, value: object, row: tuple) -> object:
    """A cell: ISO dates become date cells, shares percentages, anything else as it is."""
    if value is None:
        return None
    if table.name == "summary" and key == "value":
        key = row[0]  # a summary value is formatted by the figure it holds
    elif table.name == "targets" and row[0] == "ranked_maintained" and key in ("value", "target"):
        key = "share"
    if key in _DATE_COLUMNS and isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=dt.date.fromisoformat(value))
        cell.number_format = "DD/MM/YYYY"
        return cell
    if key in _SHARE_COLUMNS:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.00%"
        return cell
    return value

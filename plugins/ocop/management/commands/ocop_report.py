"""``manage.py ocop_report``: the modern-channel participation report (báo cáo tham gia kênh bán
hàng hiện đại) as text, JSON, CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plugins.ocop.channels import participation
from plugins.ocop.channels.exports import report_to_csv, report_to_xlsx
from plugins.ocop.channels.report import build_channel_report
from plugins.ocop.models import ProducerType, local_today

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD or dd/mm/yyyy."""
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(
        f"Ngày “{text}” không hợp lệ; ghi YYYY-MM-DD hoặc dd/mm/yyyy "
        f"(--as-of must be YYYY-MM-DD or dd/mm/yyyy)."
    )


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + "%"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = (
        "Báo cáo tham gia kênh bán hàng hiện đại của chủ thể OCOP (the modern-channel "
        "participation report) as text, JSON, CSV or XLSX."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="Ngày báo cáo, YYYY-MM-DD hoặc dd/mm/yyyy (default: today)."
        )
        parser.add_argument(
            "--window-days",
            type=int,
            default=participation.DEFAULT_WINDOW_DAYS,
            help="Activity window in days (default %(default)s).",
        )
        parser.add_argument("--format", choices=["text", "json", "csv", "xlsx"], default="text")
        parser.add_argument("--output", help="Write to this file instead of standard output.")
        parser.add_argument("--district", default="", help="2024 district code.")
        parser.add_argument("--group", type=int, help="Product group code, 1–6.")
        parser.add_argument(
            "--type", dest="producer_type", default="", choices=["", *ProducerType.values]
        )
        parser.add_argument("--sales-months", type=int, default=12)

    def handle(self, *args, **opts):
        as_of = parse_date(opts["as_of"]) if opts["as_of"] else local_today()
        if opts["window_days"] < 1:
            raise CommandError("--window-days phải từ 1 trở lên (must be at least 1).")
        if opts["sales_months"] < 1:
            raise CommandError("--sales-months phải từ 1 trở lên (must be at least 1).")
        fmt, output = opts["format"], opts["output"]
        binary_out = None
        if fmt == "xlsx" and not output:
            # The stream under Django's OutputWrapper; text streams have their bytes in .buffer.
            binary_out = getattr(self.stdout._out, "buffer", None)
            if binary_out is None or self.stdout.isatty():
                raise CommandError(
                    "XLSX cần --output PATH (or redirect standard output to a file)."
                )
        try:
            report = build_channel_report(
                as_of,
                opts["window_days"],
                district_code=opts["district"].strip(),
                group_code=opts["group"],
                producer_type=opts["producer_type"],
                sales_months=opts["sales_months"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        if fmt == "xlsx":
            content: bytes | str = report_to_xlsx(report)
        elif fmt == "csv":
            content = report_to_csv(report)
        elif fmt == "json":
            content = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        else:
            content = self.text(report)
        if output:
            path = Path(output)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            self.stderr.write(f"Đã ghi báo cáo vào {path} (report written).")
        elif isinstance(content, bytes):
            self.stdout.flush()
            binary_out.write(content)
            binary_out.flush()
        else:
            self.stdout.write(content, ending="")

    def text(self, report: dict) -> str:
        """A readable Vietnamese summary."""
        as_of = dt.date.fromisoformat(report["as_of"])
        start = dt.date.fromisoformat(report["window_start"])
        met = "ĐẠT" if report["meets_target"] else "CHƯA ĐẠT"
        lines = [
            f"BÁO CÁO THAM GIA KÊNH BÁN HÀNG HIỆN ĐẠI – tính đến ngày {as_of:%d/%m/%Y}",
            f"(hoạt động từ {start:%d/%m/%Y}, cửa sổ {report['window_days']} ngày)",
        ]
        if report["filters"]:
            narrowed = ", ".join(f"{k}={v}" for k, v in report["filters"].items())
            lines.append(f"Phạm vi: {narrowed}")
        lines += [
            "",
            f"Chủ thể OCOP (có sản phẩm 3 sao trở lên còn hiệu lực): "
            f"{_number(report['producers_total'])}",
            f"Tham gia kênh bán hàng hiện đại: {_number(report['producers_active_modern'])} "
            f"({_percent(report['share_active_modern'])}) – mục tiêu ≥ "
            f"{_percent(report['target_share'])}: {met}",
            f"Chưa tham gia (danh sách cần liên hệ): {_number(len(report['not_active']))}",
            "",
            "Theo huyện (2024):",
        ]
        for row in report["by_district"]:
            lines.append(
                f"  {row['name']:<32} {row['active']:>6}/{row['total']:<6} "
                f"{_percent(row['share']):>7}"
            )
        lines += ["", "Theo nhóm sản phẩm:"]
        for row in report["by_group"]:
            lines.append(
                f"  {row['key']}. {row['name'][:40]:<40} {row['active']:>6}/{row['total']:<6} "
                f"{_percent(row['share']):>7}"
            )
        lines += ["", "Diễn biến 12 tháng (tỷ lệ tham gia):"]
        for point in report["trend"]:
            frozen = " (đã chốt)" if point["snapshot"] else ""
            lines.append(
                f"  {point['month']}: {point['active']}/{point['total']} "
                f"{_percent(point['share'])}{frozen}"
            )
        lines += ["", "Các chỉ tiêu khác của kế hoạch:"]
        for target in report["targets"].values():
            if "target" in target:
                value, goal = _percent(target["value"]), f"≥ {_percent(target['target'])}"
            else:
                value = _number(target["value"])
                goal = f"{_number(target['target_min'])}–{_number(target['target_max'])}"
            state = {True: "đạt", False: "chưa đạt", None: "chưa có số liệu"}[target["met"]]
            lines.append(f"  {target['label']}: {value} (mục tiêu {goal}) – {state}")
        sales = report["sales"]
        lines += [
            "",
            f"Giấy chứng nhận hết hạn trong 90 ngày: {len(report['expiring_certificates'])}",
            f"Doanh số từ {dt.date.fromisoformat(sales['start']):%d/%m/%Y}: "
            f"{_number(sales['total']['orders'])} đơn, "
            f"{_number(sales['total']['revenue'])} ₫",
        ]
        return "\n".join(lines) + "\n"

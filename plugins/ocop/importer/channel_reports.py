"""The channel sales-report import (báo cáo bán hàng theo kênh): platform and supermarket sales
reports in, dated channel activity out.

``import_channel_report`` is the one entry point; the ``ocop_channel_import`` command calls it
(and so will an upload page or a task). It follows the certificate import's rules: rows are
numbered as the spreadsheet shows them, every problem names its row, column, value and a
stable code, the whole import is one transaction, nothing is written when any row is invalid
unless ``skip_invalid``, ``dry_run`` writes nothing, and importing the same report again
changes nothing. A report row is one producer selling on one channel on one day; its activity
is keyed on that (producer, channel, day), so a corrected figure for the day is an update.

Producers and channels must already be known: producers come from the certificate lists,
channels from the channel registry. An unknown one is a row error that names it.

Rows are written in batches with a fixed number of queries per batch (producers, products,
existing activities and presences are preloaded; activities are bulk-written and the months
they fall in are recomputed in the monthly sales roll-up, ``channels.sales``). Presences go
through ``record_presence`` so their verification and audit rules live in one place; it is
called only for a producer/channel pair whose presence would change (new, not yet verified,
or new evidence), so a re-import costs no per-row queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import IO

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import parsing
from ..channels.registry import channel_key
from ..channels.sales import refresh_sales_months, sales_key
from ..channels.services import record_presence
from ..error_codes import ImportErrorCode
from ..models import (
    ActivitySource,
    Channel,
    ChannelActivity,
    ImportRun,
    OcopProduct,
    Presence,
    PresenceSource,
    Producer,
    Verification,
    local_today,
)
from ..text import fold, key
from .certificates import ImportResult, RowError
from .columns import Column, ColumnSpec, find_header, match_columns
from .reader import FileError, Row, read_rows

BATCH_SIZE = 500
#: How messages and the "not a report" error name this kind of file.
WHAT = "báo cáo bán hàng theo kênh"

_PRODUCER = (
    "chu the",
    "ten chu the",
    "chu the ocop",
    "ten chu the ocop",
    "chu the san xuat",
    "co so san xuat",
    "don vi san xuat",
    "nha cung cap",
    "ten nha cung cap",
    "producer",
    "producer name",
    "supplier",
    "seller",
)
_TAX_CODE = ("ma so thue", "mst", "ma so thue chu the", "tax code", "tax id")
_CHANNEL = (
    "kenh",
    "kenh ban",
    "kenh ban hang",
    "kenh phan phoi",
    "san",
    "san tmdt",
    "san thuong mai dien tu",
    "nen tang",
    "he thong",
    "he thong sieu thi",
    "channel",
    "sales channel",
    "platform",
    "marketplace",
)
_DATE = (
    "ngay",
    "ngay ban",
    "ngay ban hang",
    "ngay giao dich",
    "ngay bao cao",
    "ngay phat sinh",
    "date",
    "sale date",
    "day",
)
_ORDERS = (
    "so don",
    "so don hang",
    "don hang",
    "so luong don",
    "so luong don hang",
    "so don ban",
    "orders",
    "order count",
    "number of orders",
)
_REVENUE = (
    "doanh thu",
    "doanh so",
    "tong doanh thu",
    "doanh thu vnd",
    "thanh tien",
    "revenue",
    "revenue vnd",
    "sales",
    "gmv",
)
_URL = (
    "duong dan",
    "lien ket",
    "link",
    "url",
    "evidence url",
    "evidence",
    "minh chung",
    "duong dan minh chung",
    "link san pham",
    "listing url",
)
_PRODUCT = (
    "san pham",
    "ten san pham",
    "ten sp",
    "san pham ocop",
    "product",
    "product name",
)

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("producer", _PRODUCER, False, "Chủ thể"),
    ColumnSpec("tax_code", _TAX_CODE, False, "Mã số thuế"),
    ColumnSpec("channel", _CHANNEL, True, "Kênh"),
    ColumnSpec("date", _DATE, True, "Ngày"),
    ColumnSpec("orders", _ORDERS, False, "Số đơn"),
    ColumnSpec("revenue", _REVENUE, False, "Doanh thu (VNĐ)"),
    ColumnSpec("evidence_url", _URL, False, "Đường dẫn"),
    ColumnSpec("product", _PRODUCT, False, "Sản phẩm"),
)
#: What makes a row the header: a producer (by name or tax code), a channel, a date and at
#: least one sales figure. The header found, its columns are mapped with ``COLUMNS``.
_HEADER = (
    ColumnSpec("producer", _PRODUCER + _TAX_CODE, True, "Chủ thể (hoặc Mã số thuế)"),
    ColumnSpec("channel", _CHANNEL, True, "Kênh"),
    ColumnSpec("date", _DATE, True, "Ngày"),
    ColumnSpec("figures", _ORDERS + _REVENUE, True, "Số đơn hoặc Doanh thu"),
)
#: "Tổng cộng", "Tổng số", "Cộng", "Total" — but not "Công ty …" or "Tổng công ty …".
_TOTAL_LABEL = re.compile(r"^(?:tong cong|tong so|tong|cong|total|sum)\b(?!\s+(?:cong\s+)?ty\b)")
#: 10 digits, or 13 with the branch suffix ("0700123456-001"; the dash may be missing).
_TAX_CODE_FORM = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")
_ORDERS_FORM = re.compile(r"(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:\s*(?:don hang|don|orders?))?")
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_URL_MAX_LENGTH = ChannelActivity._meta.get_field("evidence_url").max_length


@dataclass
class SalesRow:
    """One valid report row, parsed; producer, channel and product are resolved later."""

    number: int
    producer: str
    tax_code: str
    channel: str
    date: dt.date
    orders: int | None
    revenue: Decimal | None
    evidence_url: str
    product: str
    columns: dict[str, Column]

    @property
    def producer_column(self) -> Column:
        if self.producer or "tax_code" not in self.columns:
            return self.columns["producer"]
        return self.columns["tax_code"]


ProgressCallback = Callable[[int], None]


def report_reference(producer_id: int, channel_id: int, day: dt.date) -> str:
    """The idempotency key of a report row's activity: one producer, one channel, one day."""
    return f"{producer_id}/{channel_id}/{day.isoformat()}"


def import_channel_report(
    stream: IO[bytes],
    *,
    filename: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    run: ImportRun | None = None,
    progress: ProgressCallback | None = None,
    user: AbstractBaseUser | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Import a channel sales report (CSV or XLSX, as a seekable binary stream).

    ``run`` (optional) is stored on the activities written; ``user`` is recorded as who wrote
    them; ``today`` (default: today in Asia/Ho_Chi_Minh) bounds the dates accepted.
    ``filename`` is accepted for symmetry with the certificate import and not stored.
    """
    today = today or local_today()
    result = ImportResult(dry_run=dry_run)
    try:
        rows = read_rows(stream)
        columns = _find_columns(rows)
        with transaction.atomic():
            writer = _Writer(run, result, user, _channels())
            for batch in _batches(_parsed_rows(rows, columns, result, today), BATCH_SIZE):
                writer.write(batch)
                if progress:
                    progress(result.rows_read)
            result.errors.sort(key=lambda e: e.row)
            result.skipped = len({e.row for e in result.errors})
            result.written = not dry_run and (skip_invalid or not result.errors)
            if not result.written:
                transaction.set_rollback(True)
    except FileError as exc:
        result.file_error = exc.message
    return result


def _find_columns(rows: Iterator[Row]) -> dict[str, Column]:
    try:
        header, _columns, _preamble = find_header(rows, _HEADER, WHAT)
    except FileError as exc:
        if exc.code == ImportErrorCode.NOT_A_CERTIFICATE_LIST:
            raise FileError(ImportErrorCode.NOT_A_SALES_REPORT, exc.message) from None
        raise
    return match_columns(header.cells, COLUMNS)


def _channels() -> dict[str, Channel]:
    """The channel registry by matching key: small, so loaded once per import."""
    return {c.match_key: c for c in Channel.objects.order_by("name")}


def _batches(items: Iterable[SalesRow], size: int) -> Iterator[list[SalesRow]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _cell(row: Row, column: Column | None) -> object:
    if column is None or column.index >= len(row.cells):
        return None
    return row.cells[column.index]


def _is_not_a_sale(row: Row, columns: dict[str, Column]) -> bool:
    """Blank rows, section titles merged across the table, and undated totals rows
    ("Tổng cộng", or figures alone). A dated row is always a sale, so a producer named
    "Tổng công ty …" is never mistaken for a total."""
    texts = [parsing.cell_text(c) for c in row.cells if parsing.cell_text(c)]
    if not texts:
        return True
    if len(texts) >= 3 and len(set(texts)) == 1:
        return True
    if parsing.cell_text(_cell(row, columns.get("date"))):
        return False
    if any(_TOTAL_LABEL.match(key(t)) for t in texts[:2]):
        return True
    named = ("producer", "tax_code", "channel")
    return all(not parsing.cell_text(_cell(row, columns.get(f))) for f in named)


def _parsed_rows(
    rows: Iterator[Row], columns: dict[str, Column], result: ImportResult, today: dt.date
) -> Iterator[SalesRow]:
    for row in rows:
        if _is_not_a_sale(row, columns):
            continue
        result.rows_read += 1
        parsed, errors = _parse_row(row, columns, today)
        result.errors.extend(errors)
        if parsed is not None:
            yield parsed


def _parse_row(
    row: Row, columns: dict[str, Column], today: dt.date
) -> tuple[SalesRow | None, list[RowError]]:
    errors: list[RowError] = []

    def value(name: str) -> object:
        return _cell(row, columns.get(name))

    def text(name: str) -> str:
        return parsing.cell_text(value(name))

    def fail(name: str, code: ImportErrorCode, message: str) -> None:
        errors.append(RowError(row.number, columns[name].label, text(name), message, code.value))

    producer, tax_code = text("producer"), ""
    if text("tax_code"):
        tax_code = _tax_code(value("tax_code"))
        if not tax_code:
            fail(
                "tax_code",
                ImportErrorCode.INVALID_TAX_CODE,
                f"Mã số thuế “{text('tax_code')}” phải có 10 chữ số, có thể thêm -XXX "
                f"(invalid tax code).",
            )
    if producer and (code := _tax_code(producer)):
        # The producer column holds a tax code rather than a name.
        producer, tax_code = "", tax_code or code
    if not producer and not tax_code and not errors:
        fail(
            "producer" if "producer" in columns else "tax_code",
            ImportErrorCode.REQUIRED,
            "Thiếu tên chủ thể hoặc mã số thuế (producer name or tax code is required).",
        )

    channel = text("channel")
    if not channel:
        fail("channel", ImportErrorCode.REQUIRED, "Thiếu tên kênh bán (channel is required).")

    day = None
    try:
        day = _parse_date(value("date"), today)
    except parsing.CellError as exc:
        fail("date", exc.code, exc.message)

    orders = revenue = None
    if "orders" in columns:
        try:
            orders = _parse_orders(value("orders"))
        except parsing.CellError as exc:
            fail("orders", exc.code, exc.message)
    if "revenue" in columns:
        try:
            revenue = _parse_revenue(value("revenue"))
        except parsing.CellError as exc:
            fail("revenue", exc.code, exc.message)
    if orders is None and revenue is None and not (text("orders") or text("revenue")):
        fail(
            "orders" if "orders" in columns else "revenue",
            ImportErrorCode.REQUIRED,
            "Thiếu số đơn và doanh thu; cần ít nhất một con số bán hàng "
            "(orders or revenue is required).",
        )

    evidence_url = text("evidence_url")
    if evidence_url and not _is_http_url(evidence_url):
        fail(
            "evidence_url",
            ImportErrorCode.INVALID_URL,
            f"Đường dẫn “{evidence_url}” không phải địa chỉ http(s) hợp lệ "
            f"(evidence URL must be an http:// or https:// link of at most "
            f"{_URL_MAX_LENGTH} characters).",
        )

    if errors:
        return None, errors
    return (
        SalesRow(
            number=row.number,
            producer=producer,
            tax_code=tax_code,
            channel=channel,
            date=day,
            orders=orders,
            revenue=revenue,
            evidence_url=evidence_url,
            product=text("product"),
            columns=columns,
        ),
        [],
    )


def _tax_code(value: object) -> str:
    """A tax code in its stored form ("0700123456" or "0700123456-001"), or "" if not one.
    A number cell lost its leading zero in Excel, so it gets it back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = str(int(value))
        text = "0" + digits if len(digits) in (9, 12) else digits
    else:
        text = re.sub(r"\s", "", parsing.cell_text(value))
    match = _TAX_CODE_FORM.match(text)
    if not match:
        return ""
    base, branch = match.groups()
    return f"{base}-{branch}" if branch else base


def _parse_date(value: object, today: dt.date) -> dt.date:
    text = parsing.cell_text(value)
    if not text:
        raise parsing.CellError(ImportErrorCode.REQUIRED, "Thiếu ngày bán (date is required).")
    parsed = parsing.find_date(value)
    if parsed is None:
        raise parsing.CellError(
            ImportErrorCode.INVALID_DATE,
            f"Không đọc được ngày “{text}”; ghi dd/mm/yyyy hoặc yyyy-mm-dd (not a date).",
        )
    if parsed.year_only:
        raise parsing.CellError(
            ImportErrorCode.INVALID_DATE,
            f"“{text}” chỉ có năm; báo cáo bán hàng cần ngày cụ thể dd/mm/yyyy "
            f"(a year alone is not a sales date).",
        )
    if parsed.date > today:
        raise parsing.CellError(
            ImportErrorCode.DATE_IN_FUTURE,
            f"Ngày bán “{text}” ở tương lai (sales date is in the future).",
        )
    return parsed.date


def _parse_orders(value: object) -> int | None:
    """A non-negative whole number of orders: 18, "18", "1.200", "18 đơn"; None when empty."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and number >= 0:
            return int(number)
    else:
        text = parsing.cell_text(value)
        if not text:
            return None
        if match := _ORDERS_FORM.fullmatch(fold(text)):
            return int(re.sub(r"\D", "", match.group(1)))
    raise parsing.CellError(
        ImportErrorCode.INVALID_ORDERS,
        f"Số đơn “{parsing.cell_text(value)}” phải là số nguyên không âm "
        f"(orders must be a whole number, 0 or more).",
    )


def _parse_revenue(value: object) -> Decimal | None:
    """Revenue in VND: "5.400.000", "8000000", "12.500.000 đ"; None when empty."""
    try:
        amount = parsing.parse_price(value)
    except parsing.CellError:
        raise parsing.CellError(
            ImportErrorCode.INVALID_REVENUE,
            f"Doanh thu “{parsing.cell_text(value)}” phải là số tiền VNĐ nguyên, không âm, "
            f"ví dụ 5.400.000 (revenue must be whole VND, e.g. 5.400.000).",
        ) from None
    return None if amount is None else amount.quantize(Decimal(1))


def _is_http_url(text: str) -> bool:
    if len(text) > _URL_MAX_LENGTH:
        return False
    try:
        _URL_VALIDATOR(text)
    except ValidationError:
        return False
    return True


class _Writer:
    """Resolves and writes batches of parsed rows with a fixed number of queries per batch."""

    def __init__(
        self,
        run: ImportRun | None,
        result: ImportResult,
        user: AbstractBaseUser | None,
        channels: dict[str, Channel],
    ):
        self.run = run
        self.result = result
        self.user = user if user is not None and user.is_authenticated else None
        self.channels = channels
        #: reference -> (first row giving it, its values): a report repeating a producer's
        #: day on a channel is caught across batches.
        self.seen: dict[str, tuple[int, tuple]] = {}

    def write(self, rows: list[SalesRow]) -> None:
        resolved = self._resolve(rows)
        activities = self._activities(resolved)
        self._presences(activities)

    def _error(
        self, row: SalesRow, column: Column, value: str, code: ImportErrorCode, message: str
    ) -> None:
        self.result.errors.append(RowError(row.number, column.label, value, message, code.value))

    # Producers, channels, products -------------------------------------------------------

    def _resolve(
        self, rows: list[SalesRow]
    ) -> list[tuple[SalesRow, Producer, Channel, OcopProduct | None]]:
        names = {key(r.producer) for r in rows if r.producer}
        tax_codes = {r.tax_code for r in rows if r.tax_code}
        by_key: dict[str, Producer] = {}
        by_tax: dict[str, Producer] = {}
        condition = Q(match_key__in=names)
        if tax_codes:
            condition |= Q(tax_code__in=tax_codes)
        for producer in Producer.objects.filter(condition).order_by("pk"):
            by_key.setdefault(producer.match_key, producer)
            by_tax.setdefault(producer.tax_code, producer)

        found: list[tuple[SalesRow, Producer, Channel]] = []
        for row in rows:
            producer = (by_tax.get(row.tax_code) if row.tax_code else None) or (
                by_key.get(key(row.producer)) if row.producer else None
            )
            channel = self.channels.get(channel_key(row.channel))
            if producer is None:
                named = " / ".join(p for p in (row.producer, row.tax_code) if p)
                self._error(
                    row,
                    row.producer_column,
                    row.producer or row.tax_code,
                    ImportErrorCode.UNKNOWN_PRODUCER,
                    f"Không tìm thấy chủ thể “{named}” trong danh sách chủ thể OCOP; hãy nhập "
                    f"danh sách chứng nhận có chủ thể này trước "
                    f"(unknown producer “{named}”; import its certificate list first).",
                )
            if channel is None:
                registry = ", ".join(c.name for c in self.channels.values())
                self._error(
                    row,
                    row.columns["channel"],
                    row.channel,
                    ImportErrorCode.UNKNOWN_CHANNEL,
                    f"Không tìm thấy kênh “{row.channel}”; kênh phải có trong danh mục kênh bán "
                    f"hàng ({registry}) (unknown channel “{row.channel}”; channels must be in "
                    f"the channel registry — add it there first).",
                )
            if producer is not None and channel is not None:
                found.append((row, producer, channel))

        wanted = {key(r.product) for r, _p, _c in found if r.product}
        products: dict[tuple[int, str], OcopProduct] = {}
        if wanted:
            products = {
                (o.producer_id, o.match_key): o
                for o in OcopProduct.objects.filter(
                    producer_id__in={p.pk for r, p, _c in found if r.product},
                    match_key__in=wanted,
                )
            }
        resolved = []
        for row, producer, channel in found:
            product = None
            if row.product:
                product = products.get((producer.pk, key(row.product)))
                if product is None:
                    self._error(
                        row,
                        row.columns["product"],
                        row.product,
                        ImportErrorCode.UNKNOWN_PRODUCT,
                        f"Chủ thể “{producer.name}” không có sản phẩm OCOP “{row.product}” "
                        f"(no such OCOP product of this producer).",
                    )
                    continue
            resolved.append((row, producer, channel, product))
        return resolved

    # Activities --------------------------------------------------------------------------

    def _activities(
        self, resolved: list[tuple[SalesRow, Producer, Channel, OcopProduct | None]]
    ) -> list[tuple[SalesRow, Producer, Channel]]:
        """Create or update each row's activity; returns the rows written or confirmed."""
        references = {report_reference(p.pk, c.pk, r.date): (r, p, c, o) for r, p, c, o in resolved}
        existing = {
            a.reference: a
            for a in ChannelActivity.objects.filter(
                source=ActivitySource.SALES_REPORT, reference__in=references.keys()
            )
        }
        new: list[ChannelActivity] = []
        dirty: list[ChannelActivity] = []
        done: list[tuple[SalesRow, Producer, Channel]] = []
        now = timezone.now()
        for row, producer, channel, product in resolved:
            reference = report_reference(producer.pk, channel.pk, row.date)
            given = (row.orders, row.revenue, product.pk if product else None, row.evidence_url)
            first = self.seen.get(reference)
            if first is not None:
                # The same producer, channel and day twice in one report: fine if identical.
                if first[1] == given:
                    self.result.unchanged += 1
                else:
                    self._conflict(row, first[0])
                continue
            self.seen[reference] = (row.number, given)
            done.append((row, producer, channel))
            # An empty cell never wipes what an earlier report said.
            values = {
                "orders": row.orders,
                "revenue": row.revenue,
                "product": product,
                "evidence_url": row.evidence_url,
            }
            values = {k: v for k, v in values.items() if v not in (None, "")}
            activity = existing.get(reference)
            if activity is None:
                new.append(
                    ChannelActivity(
                        producer=producer,
                        channel=channel,
                        date=row.date,
                        source=ActivitySource.SALES_REPORT,
                        reference=reference,
                        import_run=self.run,
                        source_row=row.number,
                        recorded_by=self.user,
                        **values,
                    )
                )
                self.result.created += 1
                continue
            diff = {k: v for k, v in values.items() if getattr(activity, k) != v}
            if not diff:
                self.result.unchanged += 1
                continue
            for name, value in diff.items():
                setattr(activity, name, value)
            activity.import_run, activity.source_row, activity.updated_at = (
                self.run,
                row.number,
                now,
            )
            dirty.append(activity)
            self.result.updated += 1
        ChannelActivity.objects.bulk_create(new)
        if dirty:
            ChannelActivity.objects.bulk_update(
                dirty,
                [
                    "orders",
                    "revenue",
                    "product",
                    "evidence_url",
                    "import_run",
                    "source_row",
                    "updated_at",
                ],
            )
        refresh_sales_months(sales_key(a.producer_id, a.channel_id, a.date) for a in new + dirty)
        return done

    def _conflict(self, row: SalesRow, first_row: int) -> None:
        self.result.errors.append(
            RowError(
                row.number,
                row.producer_column.label,
                row.producer or row.tax_code,
                f"Mâu thuẫn với dòng {first_row}: cùng chủ thể, kênh và ngày nhưng khác số liệu; "
                f"gộp thành một dòng (conflicts with row {first_row}: same producer, channel "
                f"and day with other figures).",
                ImportErrorCode.CONFLICTING_ROW.value,
            )
        )

    # Presences ---------------------------------------------------------------------------

    def _presences(self, rows: list[tuple[SalesRow, Producer, Channel]]) -> None:
        """A sales report verifies the producer's presence on the channel (as
        ``record_activity`` does); the last evidence URL of a pair in the batch is its
        listing."""
        pairs: dict[tuple[int, int], tuple[Producer, Channel, str]] = {}
        for row, producer, channel in rows:
            pair = (producer.pk, channel.pk)
            url = row.evidence_url or (pairs[pair][2] if pair in pairs else "")
            pairs[pair] = (producer, channel, url)
        if not pairs:
            return
        presences = {
            (p.producer_id, p.channel_id): p
            for p in Presence.objects.filter(
                producer_id__in={k[0] for k in pairs}, channel_id__in={k[1] for k in pairs}
            )
        }
        for pair, (producer, channel, url) in pairs.items():
            presence = presences.get(pair)
            if (
                presence is None
                or presence.verification != Verification.VERIFIED
                or (url and presence.listing_url != url)
            ):
                record_presence(
                    producer,
                    channel,
                    source=PresenceSource.IMPORTED,
                    user=self.user,
                    listing_url=url,
                )

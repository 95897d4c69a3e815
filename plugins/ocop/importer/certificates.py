"""The certificate import: a province's OCOP list in, producers, products and certificates out.

``import_certificates`` is the one entry point; the ``ocop_import`` command, the dashboard
upload page and the Celery task all call it. The whole import runs in one transaction: by
default nothing is written when any row is invalid, ``skip_invalid`` writes the valid rows,
``dry_run`` writes nothing. Importing the same list again (in any format or encoding) changes
nothing; a newer list updates what changed and adds re-evaluations and upgrades as new
certificates in each product's history.

Rows are processed in batches with a fixed number of queries per batch, so throughput does
not depend on what is already in the database and memory does not grow with the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import islice
from typing import IO

from django.db import connection, models, transaction
from django.utils import timezone
from oscar.apps.catalogue.models import Product, ProductAttributeValue, ProductCategory
from oscar.apps.partner.models import Partner, StockRecord

from .. import parsing
from ..admin_units import AdminUnits, province_named_in, resolve
from ..catalogue import ATTRIBUTE_FIELDS, CatalogueStructure, ensure_catalogue_structure
from ..error_codes import ImportErrorCode
from ..groups import group_code
from ..models import (
    VALIDITY_MONTHS,
    Certificate,
    ImportRun,
    OcopProduct,
    Producer,
    add_months,
    local_today,
)
from ..text import key, slugify
from .columns import Column, ColumnSpec, find_header
from .reader import FileError, Row, read_rows

BATCH_SIZE = 500

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "product",
        ("ten san pham", "ten sp", "san pham", "ten san pham ocop", "product", "product name"),
        True,
        "Tên sản phẩm",
    ),
    ColumnSpec(
        "producer",
        (
            "chu the",
            "ten chu the",
            "chu the san xuat",
            "chu the ocop",
            "ten chu the ocop",
            "co so san xuat",
            "don vi san xuat",
            "producer",
            "producer name",
        ),
        True,
        "Chủ thể",
    ),
    ColumnSpec(
        "stars",
        (
            "so sao",
            "phan hang",
            "hang sao",
            "xep hang",
            "ket qua phan hang",
            "phan hang sao",
            "hang",
            "sao",
            "stars",
            "star rank",
        ),
        True,
        "Số sao",
    ),
    ColumnSpec(
        "group",
        (
            "nhom san pham",
            "nhom",
            "nhom nganh",
            "nganh hang",
            "phan nhom",
            "bo san pham",
            "nhom san pham ocop",
            "product group",
            "group",
        ),
        True,
        "Nhóm sản phẩm",
    ),
    ColumnSpec(
        "decision",
        (
            "quyet dinh",
            "qd cong nhan",
            "quyet dinh cong nhan",
            "so quyet dinh",
            "so qd",
            "qd",
            "so qd cong nhan",
            "decision",
            "decision number",
        ),
        False,
        "Quyết định",
    ),
    ColumnSpec(
        "decision_date",
        ("ngay quyet dinh", "ngay cong nhan", "ngay qd", "ngay ky", "decision date"),
        False,
        "Ngày quyết định",
    ),
    ColumnSpec("year", ("nam cong nhan", "nam", "nam danh gia", "year"), False, "Năm công nhận"),
    ColumnSpec(
        "address",
        ("dia chi", "dia chi chu the", "dia chi san xuat", "dia chi tru so", "address"),
        False,
        "Địa chỉ",
    ),
    ColumnSpec(
        "commune", ("xa", "xa phuong", "xa phuong thi tran", "commune", "ward"), False, "Xã"
    ),
    ColumnSpec(
        "district",
        ("huyen", "huyen thi xa thanh pho", "huyen thanh pho", "huyen thi", "district"),
        False,
        "Huyện",
    ),
    ColumnSpec("province", ("tinh", "tinh thanh pho", "province"), False, "Tỉnh"),
    ColumnSpec(
        "producer_type",
        ("loai hinh", "loai hinh chu the", "loai hinh to chuc", "producer type", "type"),
        False,
        "Loại hình",
    ),
    ColumnSpec("tax_code", ("ma so thue", "mst", "tax code"), False, "Mã số thuế"),
    ColumnSpec("score", ("diem", "so diem", "tong diem", "diem danh gia", "score"), False, "Điểm"),
    ColumnSpec(
        "issuing_level",
        ("cap cong nhan", "cap danh gia", "cap", "issuing level", "level"),
        False,
        "Cấp công nhận",
    ),
    ColumnSpec("craft_village", ("lang nghe", "thuoc lang nghe", "craft village"), False),
    ColumnSpec("price", ("gia", "gia ban", "gia ban le", "don gia", "price"), False, "Giá"),
    ColumnSpec("phone", ("dien thoai", "so dien thoai", "sdt", "phone"), False, "Điện thoại"),
    ColumnSpec("email", ("email", "e mail", "thu dien tu"), False, "Email"),
    ColumnSpec(
        "description", ("mo ta", "cau chuyen san pham", "description", "story"), False, "Mô tả"
    ),
    ColumnSpec(
        "notes", ("ghi chu", "trang thai", "tinh trang", "notes", "status"), False, "Ghi chú"
    ),
)
_DATE_FIELDS = ("decision", "decision_date", "year")
_TOTAL_PREFIXES = ("tong cong", "tong so", "cong ", "tong ", "total")


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str
    code: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ImportResult:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    def as_dict(self) -> dict[str, object]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "dry_run": self.dry_run,
            "written": self.written,
            "file_error": self.file_error,
        }


@dataclass
class CertificateRow:
    """One valid row, parsed."""

    number: int
    product: str
    producer: str
    producer_type: str
    tax_code: str
    address: str
    units: AdminUnits
    craft_village: str
    phone: str
    email: str
    group_code: int
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    year_only: bool
    issuing_level: str
    revoked: bool
    price: Decimal | None
    description: str
    columns: dict[str, Column]

    # Cached: the writer looks the keys up several times per row, and folding is not cheap.
    @cached_property
    def producer_key(self) -> str:
        """Producers are matched by tax code when the list has one, else by folded name: the
        name is what every list carries, while addresses are written differently."""
        return key(self.producer)

    @cached_property
    def product_key(self) -> str:
        return key(self.product)


ProgressCallback = Callable[[int], None]


def import_certificates(
    stream: IO[bytes],
    *,
    filename: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    run: ImportRun | None = None,
    progress: ProgressCallback | None = None,
    today: dt.date | None = None,
    default_province: str = "",
) -> ImportResult:
    """Import an OCOP certificate list (CSV or XLSX, as a seekable binary stream).

    Addresses that name no province are placed in ``default_province``, or else in the
    province the list's letterhead names ("UBND TỈNH HÀ NAM")."""
    today = today or local_today()
    result = ImportResult(dry_run=dry_run)
    if run is None:
        run = ImportRun.objects.create(
            filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
        )
    try:
        rows = read_rows(stream)
        header, columns, preamble = find_header(rows, COLUMNS, "danh sách sản phẩm OCOP")
        province = default_province or province_named_in(
            [parsing.cell_text(c) for r in preamble for c in r.cells if c]
        )
        if not any(f in columns for f in _DATE_FIELDS):
            raise FileError(
                ImportErrorCode.NOT_A_CERTIFICATE_LIST,
                f"Dòng tiêu đề (dòng {header.number}) thiếu cột Quyết định, Ngày quyết định "
                f"hoặc Năm công nhận (the header has no decision or date column).",
            )
        with transaction.atomic():
            structure = ensure_catalogue_structure()
            writer = _Writer(structure, run, result, today)
            for batch in _batches(_parsed_rows(rows, columns, result, today, province), BATCH_SIZE):
                writer.write(batch)
                if progress:
                    progress(result.rows_read)
            result.skipped = len({e.row for e in result.errors})
            result.written = not dry_run and (skip_invalid or not result.errors)
            if not result.written:
                transaction.set_rollback(True)
    except FileError as exc:
        result.file_error = exc.message
    return result


def record_decision(
    ocop: OcopProduct,
    *,
    stars: int,
    score: int | None,
    decision_number: str,
    decision_date: dt.date,
    valid_until: dt.date | None = None,
    today: dt.date | None = None,
) -> tuple[Certificate, bool]:
    """Record one recognition decision on a product outside a list, by the rules a list import
    follows: a new decision is a new certificate that supersedes the older ones (an upgrade
    when it has more stars); the same decision (number and date) is corrected in place. The
    product's current certificate and its Oscar attributes follow. Returns the certificate and
    whether it is new. Used when staff approve a producer's change request."""
    today = today or local_today()
    values = {
        "stars": stars,
        "score": score,
        "decision_date_is_year_only": False,
        "issuing_level": parsing.infer_issuing_level(stars, decision_number),
        "valid_until": valid_until or add_months(decision_date, VALIDITY_MONTHS),
    }
    with transaction.atomic():
        structure = ensure_catalogue_structure()
        history = list(Certificate.objects.select_for_update().filter(product=ocop))
        certificate = next(
            (
                c
                for c in history
                if (c.decision_number, c.decision_date) == (decision_number, decision_date)
            ),
            None,
        )
        created = certificate is None
        if created:
            certificate = Certificate.objects.create(
                product=ocop,
                decision_number=decision_number,
                decision_date=decision_date,
                **values,
            )
            history.append(certificate)
        else:
            for name, value in values.items():
                setattr(certificate, name, value)
            certificate.save(update_fields=[*values, "updated_at"])
        writer = _Writer(structure, None, ImportResult(), today)
        writer._refresh_history({ocop.pk: history}, {ocop.pk: ocop})
    return certificate, created


def _batches(items: Iterable[CertificateRow], size: int) -> Iterator[list[CertificateRow]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _is_not_a_product(row: Row, columns: dict[str, Column]) -> bool:
    """Blank rows, totals rows ("Tổng cộng: 12 sản phẩm") and section titles merged across."""
    texts = [parsing.cell_text(c) for c in row.cells if parsing.cell_text(c)]
    if not texts:
        return True
    if key(texts[0]).startswith(_TOTAL_PREFIXES) or (
        len(texts) > 1 and key(texts[1]).startswith(_TOTAL_PREFIXES) and len(texts) <= 3
    ):
        return True
    if len(texts) >= 3 and len(set(texts)) == 1:
        return True
    needed = ("product", "producer", "stars")
    return all(not parsing.cell_text(_cell(row, columns[f])) for f in needed)


def _cell(row: Row, column: Column | None) -> object:
    if column is None or column.index >= len(row.cells):
        return None
    return row.cells[column.index]


def _parsed_rows(
    rows: Iterator[Row],
    columns: dict[str, Column],
    result: ImportResult,
    today: dt.date,
    province: str,
) -> Iterator[CertificateRow]:
    for row in rows:
        if _is_not_a_product(row, columns):
            continue
        result.rows_read += 1
        parsed, errors = _parse_row(row, columns, today, province)
        if errors:
            result.errors.extend(errors)
        else:
            if not parsed.units.resolved and parsed.address:
                column = columns.get("address") or columns.get("district") or columns["producer"]
                result.warnings.append(
                    RowError(
                        row.number,
                        column.label,
                        parsed.address,
                        "Không xác định được tỉnh/huyện/xã từ địa chỉ; đã nhập địa chỉ nguyên văn "
                        "(administrative units not recognised; address kept as written).",
                        ImportErrorCode.ADDRESS_NOT_RESOLVED.value,
                    )
                )
            yield parsed


def _parse_row(
    row: Row, columns: dict[str, Column], today: dt.date, province: str
) -> tuple[CertificateRow | None, list[RowError]]:
    errors: list[RowError] = []

    def value(name: str) -> object:
        return _cell(row, columns.get(name))

    def text(name: str) -> str:
        return parsing.cell_text(value(name))

    def fail(name: str, exc: parsing.CellError) -> None:
        column = columns[name]
        errors.append(RowError(row.number, column.label, text(name), exc.message, exc.code.value))

    def required(name: str, label: str) -> str:
        found = text(name)
        if not found:
            errors.append(
                RowError(
                    row.number,
                    columns[name].label,
                    "",
                    f"Thiếu {label} (required).",
                    ImportErrorCode.REQUIRED.value,
                )
            )
        return found

    product = required("product", "tên sản phẩm")
    producer = required("producer", "tên chủ thể")

    stars = 0
    try:
        stars = parsing.parse_stars(value("stars"))
    except parsing.CellError as exc:
        fail("stars", exc)

    group = 0
    group_text = required("group", "nhóm sản phẩm")
    if group_text:
        group = group_code(group_text) or 0
        if not group:
            errors.append(
                RowError(
                    row.number,
                    columns["group"].label,
                    group_text,
                    f"Nhóm sản phẩm “{group_text}” không thuộc 6 nhóm của Quyết định 148 "
                    f"(unknown product group).",
                    ImportErrorCode.INVALID_GROUP.value,
                )
            )

    score = None
    if "score" in columns:
        try:
            score = parsing.parse_score(value("score"))
            if score is not None and stars:
                parsing.check_score_matches_stars(score, stars)
        except parsing.CellError as exc:
            fail("score", exc)

    decision_number = parsing.find_decision_number(value("decision"))
    parsed_date = None
    date_field = next((f for f in ("decision_date", "decision", "year") if text(f)), None)
    if date_field is None:
        name = next(f for f in _DATE_FIELDS if f in columns)
        errors.append(
            RowError(
                row.number,
                columns[name].label,
                "",
                "Thiếu ngày quyết định công nhận (decision date is missing).",
                ImportErrorCode.REQUIRED.value,
            )
        )
    else:
        try:
            parsed_date = parsing.find_date(value(date_field))
            if parsed_date is None:
                raise parsing.CellError(
                    ImportErrorCode.INVALID_DATE,
                    f"Không đọc được ngày “{text(date_field)}”; ghi dd/mm/yyyy hoặc năm "
                    f"(not a date).",
                )
            parsing.check_decision_date(parsed_date, today, text(date_field))
        except parsing.CellError as exc:
            fail(date_field, exc)
            parsed_date = None

    producer_type = parsing.infer_producer_type(producer)
    if text("producer_type"):
        try:
            producer_type = parsing.parse_producer_type(value("producer_type"))
        except parsing.CellError as exc:
            fail("producer_type", exc)

    tax_code = ""
    try:
        tax_code = parsing.parse_tax_code(value("tax_code"))
    except parsing.CellError as exc:
        fail("tax_code", exc)

    issuing_level = None
    try:
        issuing_level = parsing.parse_issuing_level(value("issuing_level"))
    except parsing.CellError as exc:
        fail("issuing_level", exc)

    price = None
    try:
        price = parsing.parse_price(value("price"))
    except parsing.CellError as exc:
        fail("price", exc)

    if errors:
        return None, errors

    address_parts = [text("address")]
    for part in ("commune", "district", "province"):
        piece = text(part)
        if piece and key(piece) not in key(", ".join(address_parts)):
            address_parts.append(piece)
    address = ", ".join(p for p in address_parts if p)
    return (
        CertificateRow(
            number=row.number,
            product=product,
            producer=producer,
            producer_type=producer_type,
            tax_code=tax_code,
            address=address,
            units=resolve(address, province),
            craft_village=text("craft_village"),
            phone=text("phone"),
            email=text("email"),
            group_code=group,
            stars=stars,
            score=score,
            decision_number=decision_number,
            decision_date=parsed_date.date,
            year_only=parsed_date.year_only,
            issuing_level=issuing_level or parsing.infer_issuing_level(stars, decision_number),
            revoked=parsing.is_revocation(value("notes")),
            price=price,
            description=text("description"),
            columns=columns,
        ),
        [],
    )


_PRODUCER_FIELDS = (
    "type",
    "tax_code",
    "address",
    "craft_village",
    "phone",
    "email",
    "legacy_province",
    "legacy_province_code",
    "legacy_district",
    "legacy_district_code",
    "legacy_commune",
    "legacy_commune_code",
    "province",
    "province_code",
    "commune",
    "commune_code",
)
_CERTIFICATE_FIELDS = (
    "stars",
    "score",
    "decision_date_is_year_only",
    "issuing_level",
    "valid_until",
    "revoked_on",
)


def _producer_values(row: CertificateRow) -> dict[str, object]:
    values = {
        "type": row.producer_type,
        "tax_code": row.tax_code,
        "address": row.address,
        "craft_village": row.craft_village,
        "phone": row.phone,
        "email": row.email,
        **{f: getattr(row.units, f) for f in _PRODUCER_FIELDS[6:]},
    }
    # An empty cell never wipes what an earlier list said.
    return {k: v for k, v in values.items() if v}


class _Writer:
    """Writes batches of parsed rows with a fixed number of queries per batch."""

    def __init__(
        self,
        structure: CatalogueStructure,
        run: ImportRun | None,
        result: ImportResult,
        today: dt.date,
    ):
        self.structure = structure
        self.run = run
        self.result = result
        self.today = today
        self.group_by_code = {g.code: g for g, _c in structure.groups.values()}
        self.category_by_group = {g.id: c for g, c in structure.groups.values()}
        #: (product id, decision number, decision date) -> the row that first listed it. One
        #: small entry per certificate, so a list repeating a decision is caught across batches.
        self.seen: dict[tuple[int, str, dt.date], int] = {}

    def write(self, rows: list[CertificateRow]) -> None:
        changed_rows: set[int] = set()
        producers = self._producers(rows, changed_rows)
        products = self._products(rows, producers, changed_rows)
        self._certificates(rows, producers, products, changed_rows)

    # Producers -----------------------------------------------------------------------------

    def _producers(self, rows: list[CertificateRow], changed: set[int]) -> dict[str, Producer]:
        keys = {r.producer_key for r in rows}
        tax_codes = {r.tax_code for r in rows if r.tax_code}
        found = Producer.objects.filter(match_key__in=keys)
        by_key = {p.match_key: p for p in found}
        if tax_codes:
            by_tax = {p.tax_code: p for p in Producer.objects.filter(tax_code__in=tax_codes)}
        else:
            by_tax = {}
        new: dict[str, Producer] = {}
        dirty: dict[int, Producer] = {}
        result: dict[str, Producer] = {}
        for row in rows:
            producer = by_tax.get(row.tax_code) if row.tax_code else None
            producer = producer or by_key.get(row.producer_key) or new.get(row.producer_key)
            values = _producer_values(row)
            if producer is None:
                producer = Producer(name=row.producer, match_key=row.producer_key, **values)
                producer.type = row.producer_type
                new[row.producer_key] = producer
            elif producer.pk:
                diff = {k: v for k, v in values.items() if getattr(producer, k) != v}
                if diff:
                    for name, val in diff.items():
                        setattr(producer, name, val)
                    dirty[producer.pk] = producer
                    changed.add(row.number)
            result[row.producer_key] = producer
        if new:
            partners = Partner.objects.bulk_create(
                [Partner(name=p.name[:128], code=_partner_code(p.match_key)) for p in new.values()]
            )
            for producer, partner in zip(new.values(), partners, strict=True):
                producer.partner = partner
            Producer.objects.bulk_create(new.values())
        if dirty:
            Producer.objects.bulk_update(dirty.values(), [*_PRODUCER_FIELDS, "updated_at"])
        return result

    # Products ------------------------------------------------------------------------------

    def _products(
        self, rows: list[CertificateRow], producers: dict[str, Producer], changed: set[int]
    ) -> dict[tuple[int, str], OcopProduct]:
        producer_ids = {producers[r.producer_key].pk for r in rows}
        existing = {
            (p.producer_id, p.match_key): p
            for p in OcopProduct.objects.filter(
                producer_id__in=producer_ids, match_key__in={r.product_key for r in rows}
            ).select_related("product")
        }
        new: dict[tuple[int, str], tuple[CertificateRow, OcopProduct]] = {}
        regrouped: dict[int, OcopProduct] = {}
        rekeyed: dict[int, OcopProduct] = {}
        producer_search: dict[int, str] = {}
        for row in rows:
            producer = producers[row.producer_key]
            product_key = (producer.pk, row.product_key)
            group = self.group_by_code[row.group_code]
            ocop = existing.get(product_key)
            if producer.pk not in producer_search:
                producer_search[producer.pk] = producer_search_key(producer)
            search = f"{key(row.product)} | {producer_search[producer.pk]}"
            if ocop is None and product_key not in new:
                new[product_key] = (
                    row,
                    OcopProduct(
                        producer=producer,
                        group=group,
                        name=row.product,
                        match_key=row.product_key,
                        search_key=search,
                    ),
                )
            elif ocop is not None:
                if ocop.group_id != group.id:
                    ocop.group = group
                    regrouped[ocop.pk] = ocop
                    changed.add(row.number)
                if ocop.search_key != search:
                    ocop.search_key = search
                    rekeyed[ocop.pk] = ocop
        if new:
            oscar_products = Product.objects.bulk_create(
                [
                    Product(
                        structure=Product.STANDALONE,
                        title=row.product[:255],
                        slug=slugify(row.product)[:128] or "ocop",
                        product_class=self.structure.product_class_for(ocop.group_id),
                        description=row.description,
                        is_public=True,
                    )
                    for row, ocop in new.values()
                ]
            )
            for (_row, ocop), product in zip(new.values(), oscar_products, strict=True):
                ocop.product = product
            OcopProduct.objects.bulk_create([ocop for _row, ocop in new.values()])
            ProductCategory.objects.bulk_create(
                [
                    ProductCategory(
                        product=ocop.product, category=self.category_by_group[ocop.group_id]
                    )
                    for _row, ocop in new.values()
                ]
            )
            existing.update({k: ocop for k, (_row, ocop) in new.items()})
        if rekeyed:
            OcopProduct.objects.bulk_update(rekeyed.values(), ["search_key"])
        if regrouped:
            regrouped_products = list(regrouped.values())
            OcopProduct.objects.bulk_update(regrouped_products, ["group"])
            ProductCategory.objects.filter(
                product_id__in=[o.product_id for o in regrouped_products]
            ).delete()
            ProductCategory.objects.bulk_create(
                [
                    ProductCategory(
                        product_id=o.product_id, category=self.category_by_group[o.group_id]
                    )
                    for o in regrouped_products
                ]
            )
        self._stock(rows, producers, existing, changed)
        return existing

    def _stock(
        self,
        rows: list[CertificateRow],
        producers: dict[str, Producer],
        products: dict[tuple[int, str], OcopProduct],
        changed: set[int],
    ) -> None:
        priced = [r for r in rows if r.price is not None]
        if not priced:
            return
        # Oscar product id -> the row pricing it (the last one wins within a batch).
        wanted: dict[int, CertificateRow] = {}
        for row in priced:
            producer = producers[row.producer_key]
            wanted[products[(producer.pk, row.product_key)].product_id] = row
        records = {
            (s.partner_id, s.product_id): s
            for s in StockRecord.objects.filter(product_id__in=wanted.keys())
        }
        new, dirty = [], []
        for product_id, row in wanted.items():
            partner_id = producers[row.producer_key].partner_id
            record = records.get((partner_id, product_id))
            if record is None:
                new.append(
                    StockRecord(
                        partner_id=partner_id,
                        product_id=product_id,
                        partner_sku=f"OCOP-{product_id}",
                        price_currency="VND",
                        price=row.price,
                    )
                )
            elif record.price != row.price:
                record.price = row.price
                dirty.append(record)
                changed.add(row.number)
        StockRecord.objects.bulk_create(new)
        StockRecord.objects.bulk_update(dirty, ["price"])

    # Certificates --------------------------------------------------------------------------

    def _certificates(
        self,
        rows: list[CertificateRow],
        producers: dict[str, Producer],
        products: dict[tuple[int, str], OcopProduct],
        changed: set[int],
    ) -> None:
        ocop_by_row = {
            r.number: products[(producers[r.producer_key].pk, r.product_key)] for r in rows
        }
        product_ids = {o.pk for o in ocop_by_row.values()}
        history: dict[int, list[Certificate]] = {pid: [] for pid in product_ids}
        for cert in Certificate.objects.filter(product_id__in=product_ids):
            history[cert.product_id].append(cert)
        by_key = {
            (c.product_id, c.decision_number, c.decision_date): c
            for certs in history.values()
            for c in certs
        }
        new: list[Certificate] = []
        dirty: list[Certificate] = []
        now = timezone.now()
        for row in rows:
            ocop = ocop_by_row[row.number]
            values = {
                "stars": row.stars,
                "score": row.score,
                "decision_date_is_year_only": row.year_only,
                "issuing_level": row.issuing_level,
                "valid_until": add_months(row.decision_date, VALIDITY_MONTHS),
            }
            cert_key = (ocop.pk, row.decision_number, row.decision_date)
            cert = by_key.get(cert_key)
            if cert is not None and row.revoked and cert.revoked_on is None:
                values["revoked_on"] = self.today
            diff = {k: v for k, v in values.items() if cert and getattr(cert, k) != v}
            first_row = self.seen.get(cert_key)
            if first_row is not None:
                # The same decision listed twice in one file: fine if identical.
                if diff:
                    self._conflict(row, first_row, diff)
                else:
                    self.result.unchanged += 1
                continue
            self.seen[cert_key] = row.number
            if cert is None:
                cert = Certificate(
                    product=ocop,
                    decision_number=row.decision_number,
                    decision_date=row.decision_date,
                    revoked_on=self.today if row.revoked else None,
                    import_run=self.run,
                    source_row=row.number,
                    **values,
                )
                by_key[cert_key] = cert
                history[ocop.pk].append(cert)
                new.append(cert)
                self.result.created += 1
            elif diff:
                for name, val in diff.items():
                    setattr(cert, name, val)
                cert.import_run, cert.source_row, cert.updated_at = self.run, row.number, now
                dirty.append(cert)
                self.result.updated += 1
            elif row.number in changed:
                self.result.updated += 1
            else:
                self.result.unchanged += 1
        Certificate.objects.bulk_create(new)
        if dirty:
            Certificate.objects.bulk_update(
                dirty, [*_CERTIFICATE_FIELDS, "import_run", "source_row", "updated_at"]
            )
        self._refresh_history(history, {o.pk: o for o in ocop_by_row.values()})

    def _conflict(self, row: CertificateRow, first_row: int, diff: dict[str, object]) -> None:
        column = row.columns["stars"] if "stars" in diff else row.columns["product"]
        self.result.errors.append(
            RowError(
                row.number,
                column.label,
                row.product,
                f"Mâu thuẫn với dòng {first_row}: cùng sản phẩm và quyết định nhưng khác "
                f"{', '.join(sorted(diff))} (conflicts with row {first_row}).",
                ImportErrorCode.CONFLICTING_ROW.value,
            )
        )

    def _refresh_history(
        self, history: dict[int, list[Certificate]], products: dict[int, OcopProduct]
    ) -> None:
        """Mark superseded certificates and point each product at its latest decision."""
        dirty_certs = []
        dirty_products = []
        current_by_product: dict[int, Certificate] = {}
        for product_id, certs in history.items():
            certs.sort(key=lambda c: (c.decision_date, c.pk or 0))
            for older, newer in zip(certs, certs[1:] + [None], strict=True):
                superseded_on = newer.decision_date if newer else None
                upgrade = bool(newer and newer.stars > older.stars)
                if (older.superseded_on, older.superseded_by_upgrade) != (superseded_on, upgrade):
                    older.superseded_on, older.superseded_by_upgrade = superseded_on, upgrade
                    dirty_certs.append(older)
            current = certs[-1]
            current_by_product[product_id] = current
            ocop = products[product_id]
            if ocop.current_certificate_id != current.pk:
                ocop.current_certificate = current
                dirty_products.append(ocop)
        Certificate.objects.bulk_update(dirty_certs, ["superseded_on", "superseded_by_upgrade"])
        _bulk_update_column(dirty_products, "current_certificate")
        self._sync_attributes({products[pid]: cert for pid, cert in current_by_product.items()})

    def _sync_attributes(self, current: dict[OcopProduct, Certificate]) -> None:
        """Copy each product's current certificate onto its Oscar product attributes."""
        product_ids = [o.product_id for o in current]
        existing = {
            (v.product_id, v.attribute_id): v
            for v in ProductAttributeValue.objects.filter(
                product_id__in=product_ids, attribute__code__in=ATTRIBUTE_FIELDS.keys()
            )
        }
        new, dirty = [], []
        for ocop, cert in current.items():
            class_id = self.structure.product_class_for(ocop.group_id).id
            wanted = {
                "ocop_stars": cert.stars,
                "ocop_score": cert.score,
                "ocop_decision_number": cert.decision_number,
                "ocop_decision_date": cert.decision_date,
                "ocop_valid_until": cert.valid_until,
                "ocop_issuing_level": cert.issuing_level,
            }
            for code, val in wanted.items():
                attribute = self.structure.attributes[(class_id, code)]
                field_name = ATTRIBUTE_FIELDS[code]
                stored = existing.get((ocop.product_id, attribute.id))
                if val in (None, ""):
                    continue
                if stored is None:
                    new.append(
                        ProductAttributeValue(
                            product_id=ocop.product_id, attribute=attribute, **{field_name: val}
                        )
                    )
                elif getattr(stored, field_name) != val:
                    setattr(stored, field_name, val)
                    dirty.append(stored)
        ProductAttributeValue.objects.bulk_create(new)
        for field_name in set(ATTRIBUTE_FIELDS.values()):
            batch = [v for v in dirty if getattr(v, field_name) is not None]
            if batch:
                ProductAttributeValue.objects.bulk_update(batch, [field_name])


def _bulk_update_column(objs: list[models.Model], field_name: str) -> None:
    """``bulk_update(objs, [field_name])`` for one column, written out directly: the same
    ``UPDATE … SET column = CASE pk WHEN … THEN … END WHERE pk IN (…)`` per chunk of the
    backend's parameter limit. bulk_update builds and resolves a ``When`` expression per row,
    which costs several times what the database needs for a batch of new products."""
    if not objs:
        return
    meta = objs[0]._meta
    pk, field = meta.pk, meta.get_field(field_name)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_update", fields=[field])
    quote = connection.ops.quote_name
    size = connection.ops.bulk_batch_size([pk, pk, field], objs)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params: list[object] = []
            for obj in chunk:
                value = field.get_db_prep_save(getattr(obj, field.attname), connection)
                params += [obj.pk, value]
            params += [obj.pk for obj in chunk]
            value_sql = f"CASE {quote(pk.column)} {' '.join(['WHEN %s THEN %s'] * len(chunk))} END"
            if connection.features.requires_casted_case_in_updates:
                value_sql = f"CAST({value_sql} AS {field.cast_db_type(connection)})"
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {quote(field.column)} = {value_sql} "
                f"WHERE {quote(pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                params,
            )


def search_key(product_name: str, producer: Producer) -> str:
    """What storefront search matches for a product: its name, its producer's, its places
    (2024 and current) and craft village, folded ("Bánh đa" -> "banh da")."""
    return f"{key(product_name)} | {producer_search_key(producer)}"


def producer_search_key(producer: Producer) -> str:
    """The producer's part of ``search_key``: its name, craft village and places, folded."""
    parts = (
        producer.name,
        producer.craft_village,
        producer.legacy_commune,
        producer.legacy_district,
        producer.legacy_province,
        producer.commune,
        producer.province,
    )
    return " | ".join(key(p) for p in parts if p)


def _partner_code(match_key: str) -> str:
    """A stable, unique Oscar partner code for a producer (set here so no slug query runs)."""
    digest = hashlib.sha1(match_key.encode()).hexdigest()[:10]
    return f"{slugify(match_key)[:110]}-{digest}"

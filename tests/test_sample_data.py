"""The illustrative Hà Nam list (plugins.ocop.sample_data) and the ``ocop_demo`` command."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.sites.models import Site
from django.core.management import call_command
from openpyxl import load_workbook

from plugins.ocop import parsing
from plugins.ocop.importer.certificates import import_certificates
from plugins.ocop.models import (
    VALIDITY_MONTHS,
    Certificate,
    CertificateStatus,
    ImportRun,
    OcopProduct,
    Producer,
    ProductGroup,
    add_months,
)
from plugins.ocop.roles import DEPARTMENT_STAFF
from plugins.ocop.sample_data import (
    HEADER,
    LETTERHEAD,
    SAMPLE_LABEL,
    build_sample_rows,
    hanam_districts,
    write_sample_xlsx,
)

from .conftest import TODAY

#: Hà Nam's six 2024 district-level units (codes of the 63-province structure).
HA_NAM_DISTRICT_CODES = {"347", "349", "350", "351", "352", "353"}


def _import(path, today=TODAY):
    with path.open("rb") as stream:
        return import_certificates(stream, filename=path.name, today=today)


@pytest.fixture
def sample_path(tmp_path):
    return write_sample_xlsx(tmp_path / "danh-sach-ocop-ha-nam-mau.xlsx", TODAY)


# The generated rows ----------------------------------------------------------------------------


def test_rows_are_deterministic_for_a_day():
    assert build_sample_rows(TODAY) == build_sample_rows(TODAY)
    assert build_sample_rows(TODAY) != build_sample_rows(TODAY + dt.timedelta(days=400))


@pytest.mark.parametrize("today", [TODAY, dt.date(2025, 7, 1), dt.date(2030, 2, 28)])
def test_decision_dates_are_past_and_not_before_2019(today):
    for row in build_sample_rows(today):
        day = parsing.find_date(row["Quyết định"]).date
        assert dt.date(2019, 1, 1) <= day <= today, row


def test_rows_look_like_a_provincial_list():
    rows = build_sample_rows(TODAY)
    assert 110 <= len(rows) <= 130
    assert all(set(row) == set(HEADER) for row in rows)
    assert "Loại hình" not in HEADER  # types are inferred from the name prefixes
    for row in rows:
        stars = parsing.parse_stars(row["Số sao"])
        parsing.check_score_matches_stars(row["Điểm"], stars)
        assert isinstance(row["Giá (đồng)"], int) and row["Giá (đồng)"] > 0
        assert parsing.find_decision_number(row["Quyết định"])
        if stars == 5:
            assert "QĐ-BNN-VPĐP" in row["Quyết định"]
        assert row["Mô tả"].endswith(".")
    spellings = {row["Số sao"] for row in rows}
    assert {"4 sao", "4*", "★★★★", "hạng 3 sao"} <= spellings
    groups = {row["Nhóm sản phẩm"] for row in rows}
    assert {
        "Vải và may mặc",
        "Lưu niệm - nội thất - trang trí",
        "Dịch vụ du lịch nông thôn",
    } <= groups
    prefixes = (
        "HTX",
        "Công ty TNHH",
        "Công ty CP",
        "DNTN",
        "Tổ hợp tác",
        "Hộ kinh doanh",
        "Hộ sản",
    )
    for prefix in prefixes:
        assert any(row["Chủ thể"].startswith(prefix) for row in rows), prefix
    assert any(row["Mã số thuế"] for row in rows) and not all(row["Mã số thuế"] for row in rows)


def test_addresses_name_real_communes_from_the_library():
    districts = hanam_districts()
    assert [d.code for d in districts.values()] == sorted(HA_NAM_DISTRICT_CODES)
    written = {f"{c.type.lower()} {c.short}" for d in districts.values() for c in d.communes}
    for row in build_sample_rows(TODAY):
        parts = [p.strip() for p in row["Địa chỉ"].split(",")]
        assert any(p in written for p in parts), row["Địa chỉ"]


def test_workbook_is_labelled_as_illustrative(sample_path):
    sheet = load_workbook(sample_path, read_only=True).active
    top = [row[0] for row in sheet.iter_rows(min_row=1, max_row=8, values_only=True)]
    assert top[0] == LETTERHEAD
    assert SAMPLE_LABEL in top


# Imported --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sample_imports_with_every_state_on_today(sample_path):
    result = _import(sample_path)

    rows = build_sample_rows(TODAY)
    assert result.ok and result.written, result.errors[:3]
    assert result.warnings == []  # every address resolved
    assert result.rows_read == result.created == len(rows)

    assert 100 <= OcopProduct.objects.count() <= 130
    assert 60 <= Producer.objects.count() <= 80
    assert (
        set(OcopProduct.objects.values_list("group__code", flat=True))
        == set(ProductGroup.objects.values_list("code", flat=True))
        == {1, 2, 3, 4, 5, 6}
    )

    producers = list(Producer.objects.all())
    assert all(p.legacy_province == "Tỉnh Hà Nam" for p in producers)
    assert {p.legacy_district_code for p in producers} == HA_NAM_DISTRICT_CODES
    assert {p.legacy_district for p in producers} == {d.name for d in hanam_districts().values()}
    assert all(p.legacy_district and p.legacy_commune for p in producers)
    assert all(p.province_code for p in producers)  # converted to the 2025 structure too
    villages = {p.craft_village for p in producers if p.craft_village}
    assert {"Làng trống Đọi Tam", "Làng dệt Nha Xá", "Làng gốm Quyết Thành"} <= villages
    assert len(villages) >= 5
    types = Counter(p.type for p in producers)
    assert set(types) == {"cooperative", "cooperative_group", "enterprise", "household"}

    certificates = list(Certificate.objects.all())
    states = Counter(c.status(TODAY) for c in certificates)
    for state in (
        CertificateStatus.VALID,
        CertificateStatus.EXPIRING,
        CertificateStatus.EXPIRED,
        CertificateStatus.UPGRADED,
        CertificateStatus.REEVALUATED,
    ):
        assert states[state] > 0, state
    for cert in certificates:
        assert cert.valid_until == add_months(cert.decision_date, VALIDITY_MONTHS)

    products = OcopProduct.objects.select_related("current_certificate")
    certified = [p for p in products if p.current_certificate.is_certified(TODAY)]
    assert len(certified) > 0.7 * len(products)

    five_star = Producer.objects.filter(products__certificates__stars=5).distinct()
    assert 3 <= five_star.count() <= 4
    for producer in five_star:
        assert producer.products.filter(current_certificate__stars=4).exists()
    assert all(
        c.issuing_level == "central" and "BNN" in c.decision_number
        for c in certificates
        if c.stars == 5
    )


@pytest.mark.django_db
def test_importing_the_sample_twice_changes_nothing(sample_path):
    first = _import(sample_path)
    assert first.written and first.created > 0

    second = _import(sample_path)

    assert second.written
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created


# The demo command ------------------------------------------------------------------------------


def _run_demo(**kwargs) -> str:
    out = io.StringIO()
    call_command("ocop_demo", stdout=out, **kwargs)
    return out.getvalue()


def _password(output: str, email: str) -> str:
    match = re.search(rf"email: {re.escape(email)}\s+mật khẩu: (\S+)", output)
    assert match, output
    return match.group(1)


@pytest.mark.django_db
def test_ocop_demo_sets_up_a_usable_demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path

    output = _run_demo(today=TODAY)

    assert (tmp_path / "sample" / "danh-sach-ocop-ha-nam-mau.xlsx").is_file()
    assert "http://127.0.0.1:8000/dashboard/" in output
    admin_password = _password(output, "admin@ocop.local")
    assert (tmp_path / "admin_password").read_text().strip() == admin_password
    admin = authenticate(username="admin@ocop.local", password=admin_password)
    assert admin is not None and admin.is_superuser and admin.username == "admin"

    staff_password = _password(output, "so-cong-thuong@ocop.local")
    staff = authenticate(username="so-cong-thuong@ocop.local", password=staff_password)
    assert staff is not None and staff.is_staff and not staff.is_superuser
    assert staff.groups.filter(name=DEPARTMENT_STAFF).exists()
    assert staff.has_perm("ocop.run_certificate_import")

    site = Site.objects.get(pk=1)
    assert (site.domain, site.name) == ("127.0.0.1:8000", "OCOP Market")
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.DONE and run.result["created"] == len(
        build_sample_rows(TODAY)
    )
    assert f"created={run.result['created']} " in output


@pytest.mark.django_db
def test_ocop_demo_is_idempotent(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = _run_demo(today=TODAY)
    counts = (
        get_user_model().objects.count(),
        Producer.objects.count(),
        OcopProduct.objects.count(),
        Certificate.objects.count(),
    )

    second = _run_demo(today="2026-11-29")

    assert "created=0 updated=0 " in second
    assert _password(second, "admin@ocop.local") == _password(first, "admin@ocop.local")
    assert _password(second, "so-cong-thuong@ocop.local") == _password(
        first, "so-cong-thuong@ocop.local"
    )
    assert counts == (
        get_user_model().objects.count(),
        Producer.objects.count(),
        OcopProduct.objects.count(),
        Certificate.objects.count(),
    )
    assert ImportRun.objects.latest("created_at").result["created"] == 0


@pytest.mark.django_db
def test_ocop_demo_restores_the_saved_admin_password(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    password = _password(_run_demo(today=TODAY), "admin@ocop.local")
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-someone")
    admin.save()

    _run_demo(today=TODAY)

    assert authenticate(username="admin@ocop.local", password=password) is not None


@pytest.mark.django_db
def test_ocop_demo_on_a_later_day_imports_the_same_list(settings, tmp_path, monkeypatch):
    """Decision dates are relative to the day the list is built for; that day is kept, so
    ``make run`` on later days does not add a shifted copy of every decision."""
    from plugins.ocop.management.commands import ocop_demo

    settings.DATA_DIR = tmp_path
    _run_demo(today=TODAY)
    certificates = Certificate.objects.count()

    monkeypatch.setattr(ocop_demo, "local_today", lambda: TODAY + dt.timedelta(days=45))
    later = _run_demo()

    assert "created=0 updated=0 " in later
    assert Certificate.objects.count() == certificates
    assert (tmp_path / "sample" / "sample_day").read_text().strip() == TODAY.isoformat()

    monkeypatch.setattr(ocop_demo, "local_today", lambda: TODAY - dt.timedelta(days=10))
    earlier = _run_demo()  # the saved day is in the future: the list is built for today

    assert "created=0 " not in earlier
    assert (tmp_path / "sample" / "sample_day").read_text().strip() == (
        TODAY - dt.timedelta(days=10)
    ).isoformat()

"""Throughput and memory benchmark of the certificate import (a script, not a test).

Generates a national-scale OCOP certificate list (20,000 rows by default) across the 63
pre-2025 provinces, with real legacy province/district/commune names read from the
``vietnamadminunits`` data set, writes it as a UTF-8 CSV (streamed, row by row) and imports it
into a fresh SQLite database and a fresh PostgreSQL database, each import in its own child
process. It reports the import's rows per second (migrations excluded) and the child's peak
RSS; a list a quarter the size is imported into another fresh SQLite database to show that
memory does not grow with the file, and the 20k list is imported a second time on PostgreSQL
(the idempotent re-run, which must create nothing). The importer's own CPU time is printed
too: unlike wall-clock time it barely moves when other processes load the machine.

    python bench/import_throughput.py [--rows 20000] [--skip-postgres] [--skip-sqlite]

The last line printed is one JSON object with the figures. PostgreSQL is skipped (its figures
are null) when the server at ``--postgres`` cannot be reached.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"

TARGET_POSTGRES_ROWS_PER_S = 2000
#: Peak RSS of the full list may exceed that of the quarter list by this much and still count
#: as "not growing with the file" (a few MB of per-certificate bookkeeping is expected).
MEMORY_GROWTH_TOLERANCE = 0.15
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"

HEADER = (
    "TT",
    "Tên sản phẩm",
    "Chủ thể",
    "Địa chỉ",
    "Nhóm sản phẩm",
    "Số sao",
    "Điểm",
    "Quyết định",
    "Giá",
)
TITLE = "DANH SÁCH SẢN PHẨM OCOP ĐƯỢC CÔNG NHẬN TOÀN QUỐC (DỮ LIỆU MÔ PHỎNG ĐỂ ĐO HIỆU NĂNG)"

#: Group names as lists write them (Decision 148's six groups).
GROUP_NAMES = {
    1: "Thực phẩm",
    2: "Đồ uống",
    3: "Dược liệu và sản phẩm từ dược liệu",
    4: "Thủ công mỹ nghệ",
    5: "Sinh vật cảnh",
    6: "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
}
#: (group, product stem): the product is named "<stem> <commune>"; food is the commonest group.
PRODUCT_STEMS: tuple[tuple[int, str], ...] = (
    (1, "Gạo thơm"),
    (1, "Mật ong rừng"),
    (1, "Nước mắm"),
    (1, "Bánh đa"),
    (1, "Miến dong"),
    (1, "Tương bần"),
    (1, "Giò lụa"),
    (1, "Cá kho làng"),
    (1, "Chuối sấy"),
    (1, "Bưởi da xanh"),
    (1, "Nhãn lồng"),
    (1, "Hạt điều rang muối"),
    (1, "Tiêu đen"),
    (1, "Mứt gừng"),
    (2, "Chè búp"),
    (2, "Trà xanh"),
    (2, "Rượu nếp cái hoa vàng"),
    (2, "Cà phê rang xay"),
    (2, "Nước cốt chanh leo"),
    (2, "Rượu ngô men lá"),
    (3, "Tinh dầu sả chanh"),
    (3, "Cao actiso"),
    (3, "Trà giảo cổ lam"),
    (3, "Tinh bột nghệ"),
    (3, "Đông trùng hạ thảo"),
    (4, "Gốm"),
    (4, "Mây tre đan"),
    (4, "Chiếu cói"),
    (4, "Tranh thêu tay"),
    (4, "Thổ cẩm"),
    (5, "Bonsai"),
    (5, "Lan rừng"),
    (5, "Đào thế"),
    (6, "Điểm du lịch sinh thái"),
    (6, "Homestay cộng đồng"),
)
PRODUCER_PREFIXES = (
    "HTX Nông sản",
    "HTX Dịch vụ nông nghiệp",
    "Công ty TNHH Đặc sản",
    "Hộ kinh doanh",
    "Tổ hợp tác",
    "Cơ sở sản xuất",
)
STARS_WEIGHTS = {3: 0.55, 4: 0.40, 5: 0.05}
SCORE_BANDS = {3: (50, 69), 4: (70, 89), 5: (90, 100)}
DECISIONS_PER_PROVINCE = 12
FIRST_DECISION_DAY = dt.date(2021, 1, 1)
LAST_DECISION_DAY = dt.date(2025, 12, 31)


# Data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commune:
    province: str
    district: str
    ward: str
    ward_short: str


def _with_lower_type(name: str, unit_type: str) -> str:
    """ "Xã Nhân Hậu" -> "xã Nhân Hậu": lists write the unit type in lower case."""
    if unit_type and name.startswith(unit_type + " "):
        return unit_type.lower() + name[len(unit_type) :]
    return name


def legacy_communes() -> dict[str, list[Commune]]:
    """Every pre-2025 commune, by province, from the data ``vietnamadminunits`` ships."""
    import vietnamadminunits

    dataset = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    by_province: dict[str, list[Commune]] = defaultdict(list)
    with sqlite3.connect(f"file:{dataset}?mode=ro", uri=True) as db:
        query = (
            "SELECT province, district, ward, wardShort, districtType, wardType "
            "FROM admin_units_legacy WHERE ward IS NOT NULL AND district IS NOT NULL "
            "ORDER BY provinceCode, districtCode, wardCode"
        )
        for province, district, ward, ward_short, district_type, ward_type in db.execute(query):
            province_type = "Thành phố" if province.startswith("Thành phố ") else "Tỉnh"
            by_province[province].append(
                Commune(
                    province=_with_lower_type(province, province_type),
                    district=_with_lower_type(district, district_type),
                    ward=_with_lower_type(ward, ward_type),
                    ward_short=ward_short,
                )
            )
    db.close()
    return dict(by_province)


def _stars_text(stars: int, rng: random.Random) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{stars} sao"
    if style == 1:
        return f"{stars}*"
    if style == 2:
        return "★" * stars
    if style == 3:
        return f"{stars} SAO"
    return str(stars)


def _price_text(group: int, rng: random.Random) -> str:
    if group == 6 or rng.random() < 0.1:
        return ""
    amount = rng.randrange(20, 900) * 1000
    style = rng.randrange(3)
    if style == 0:
        return f"{amount:,}".replace(",", ".")
    if style == 1:
        return str(amount)
    return f"{amount:,} đ".replace(",", ".")


def _quotas(total: int, provinces: list[str], rng: random.Random) -> dict[str, int]:
    """Rows per province: uneven like real lists, summing to ``total`` (every province gets
    rows unless the list is tiny)."""
    weights = [rng.uniform(0.4, 1.6) for _ in provinces]
    scale = total / sum(weights)
    quotas = {p: int(w * scale) for p, w in zip(provinces, weights, strict=True)}
    for index in range(total - sum(quotas.values())):
        quotas[provinces[index % len(provinces)]] += 1
    return quotas


def certificate_rows(total: int, seed: int, stats: dict[str, int]) -> Iterator[list[str]]:
    """The data rows of the list (TT first), province by province, generated one at a time."""
    rng = random.Random(seed)
    communes = legacy_communes()
    provinces = sorted(communes)
    days = (LAST_DECISION_DAY - FIRST_DECISION_DAY).days
    number = 0
    producer_count = 0
    used = 0
    for province, quota in _quotas(total, provinces, rng).items():
        used += quota > 0
        decisions = [
            (rng.randrange(100, 4000), FIRST_DECISION_DAY + dt.timedelta(rng.randrange(days + 1)))
            for _ in range(DECISIONS_PER_PROVINCE)
        ]
        written = 0
        while written < quota:
            commune = rng.choice(communes[province])
            producer_count += 1
            prefix = rng.choice(PRODUCER_PREFIXES)
            producer = f"{prefix} {commune.ward_short} {producer_count}"
            address = f"{commune.ward}, {commune.district}, {commune.province}"
            count = min(rng.choice((1, 1, 2, 2, 3, 4)), quota - written)
            for group, stem in rng.sample(PRODUCT_STEMS, count):
                number += 1
                written += 1
                stars = rng.choices(list(STARS_WEIGHTS), weights=list(STARS_WEIGHTS.values()))[0]
                decision_number, decision_date = rng.choice(decisions)
                yield [
                    str(number),
                    f"{stem} {commune.ward_short}",
                    producer,
                    address,
                    GROUP_NAMES[group],
                    _stars_text(stars, rng),
                    str(rng.randint(*SCORE_BANDS[stars])),
                    f"{decision_number}/QĐ-UBND ngày {decision_date:%d/%m/%Y}",
                    _price_text(group, rng),
                ]
    stats["producers"] = producer_count
    stats["provinces"] = used


def write_list(path: Path, rows: int, seed: int) -> dict[str, int]:
    """Write the list as a UTF-8 CSV, streamed; returns counts of what it holds."""
    stats: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([TITLE])
        writer.writerow([])
        writer.writerow(HEADER)
        for row in certificate_rows(rows, seed, stats):
            writer.writerow(row)
    stats["rows"] = rows
    return stats


# Child processes -----------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def run_import_child(path: str) -> None:
    """In the child: set Django up, import the list, print one JSON line with the figures."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop_market.settings")
    import django

    django.setup()
    from plugins.ocop.importer.certificates import import_certificates

    rss_before = _status_kb("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    with open(path, "rb") as stream:
        result = import_certificates(stream, filename=Path(path).name)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    figures = {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "rss_before_kb": rss_before,
        "vmhwm_kb": _status_kb("VmHWM"),
        "rows_read": result.rows_read,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "errors": len(result.errors),
        "first_errors": [e.as_dict() for e in result.errors[:3]],
        "warnings": len(result.warnings),
        "written": result.written,
        "file_error": result.file_error,
    }
    print(json.dumps(figures, ensure_ascii=False), flush=True)


def _child_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["OCOP_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "ocop_market.settings"
    env["DEBUG"] = "0"  # DEBUG keeps every query in memory
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def migrate(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(MANAGE), "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.perf_counter() - started


@dataclass
class Measurement:
    rows: int
    seconds: float
    process_seconds: float
    peak_rss_mb: float
    rss_before_mb: float
    figures: dict

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def measure_import(path: Path, rows: int, env: dict[str, str]) -> Measurement:
    """Import ``path`` in a child process of its own; its peak RSS comes from wait4()."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--run-import", str(path)],
            cwd=ROOT,
            env=env,
            stdout=out,
        )
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        except BaseException:  # interrupted: do not leave the import running
            child.kill()
            child.wait()
            raise
        child.returncode = os.waitstatus_to_exitcode(status)
        process_seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode()
    if child.returncode != 0:
        raise RuntimeError(f"the import child failed (exit {child.returncode}):\n{output}")
    figures = json.loads(output.strip().splitlines()[-1])
    # ru_maxrss is in kilobytes on Linux; VmHWM is the same high-water mark, read in the child.
    peak_kb = max(usage.ru_maxrss, figures["vmhwm_kb"])
    return Measurement(
        rows=rows,
        seconds=figures["seconds"],
        process_seconds=process_seconds,
        peak_rss_mb=peak_kb / 1024,
        rss_before_mb=figures["rss_before_kb"] / 1024,
        figures=figures,
    )


def check(measurement: Measurement, *, created: int, label: str) -> list[str]:
    """What is wrong with an import's outcome (nothing, when it is what the list implies)."""
    f = measurement.figures
    problems = []
    if f["file_error"]:
        problems.append(f"{label}: file error: {f['file_error']}")
    if f["errors"]:
        problems.append(f"{label}: {f['errors']} row errors, e.g. {f['first_errors']}")
    if f["rows_read"] != measurement.rows:
        problems.append(f"{label}: read {f['rows_read']} rows, expected {measurement.rows}")
    if f["created"] != created:
        problems.append(f"{label}: created {f['created']}, expected {created}")
    if not f["written"]:
        problems.append(f"{label}: nothing was written")
    return problems


def report(label: str, m: Measurement) -> None:
    f = m.figures
    print(
        f"  {label}: {m.rows:,} rows in {m.seconds:.2f} s = {m.rows_per_s:,.0f} rows/s "
        f"(importer CPU {f['cpu_seconds']:.2f} s, database server time excluded; "
        f"child process {m.process_seconds:.2f} s with Django start-up)"
    )
    print(
        f"    created {f['created']:,}, updated {f['updated']:,}, unchanged {f['unchanged']:,}, "
        f"errors {f['errors']:,}, address warnings {f['warnings']:,}"
    )
    print(
        f"    peak RSS {m.peak_rss_mb:.1f} MB (RSS after Django start-up {m.rss_before_mb:.1f} MB, "
        f"import added {m.peak_rss_mb - m.rss_before_mb:.1f} MB)"
    )


# PostgreSQL ----------------------------------------------------------------------------------


def postgres_admin(server: str):
    """An autocommit connection to the server's ``postgres`` database, or None if unreachable."""
    try:
        import psycopg
    except ImportError:
        return None, "psycopg is not installed"
    try:
        return psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3), ""
    except psycopg.Error as exc:
        return None, str(exc).strip().splitlines()[0]


def drop_database(admin, name: str) -> None:
    import psycopg

    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.errors.SyntaxError:  # PostgreSQL < 13
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


# Main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows in the list (20000)")
    parser.add_argument("--skip-postgres", action="store_true", help="do not run on PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true", help="do not run on SQLite")
    parser.add_argument("--seed", type=int, default=2025, help="random seed of the list")
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help=f"PostgreSQL server ({DEFAULT_POSTGRES})"
    )
    parser.add_argument("--run-import", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_import:
        run_import_child(args.run_import)
        return 0
    if args.rows < 4:
        parser.error("--rows must be at least 4")

    rows, small_rows = args.rows, args.rows // 4
    out = {
        "rows": rows,
        "rows_small": small_rows,
        "sqlite_rows_per_s": None,
        "sqlite_peak_rss_mb": None,
        "sqlite_rows_per_s_5k": None,
        "sqlite_peak_rss_mb_5k": None,
        "postgres_rows_per_s": None,
        "postgres_peak_rss_mb": None,
        "postgres_rerun_rows_per_s": None,
        "postgres_rerun_created": None,
        "sqlite_import_cpu_s": None,
        "postgres_import_cpu_s": None,
        "load_avg_1m": [round(os.getloadavg()[0], 2), None],
        "target_postgres_rows_per_s": TARGET_POSTGRES_ROWS_PER_S,
        "memory_flat": None,
        "meets_target": None,
    }
    problems: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="ocop-bench-"))
    try:
        print(f"OCOP certificate import benchmark (work dir {work})")
        print(
            f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
            f"(wall-clock figures drop when other processes compete for the CPUs)"
        )
        big = work / f"danh-sach-ocop-{rows}.csv"
        small = work / f"danh-sach-ocop-{small_rows}.csv"
        for path, count, seed in ((big, rows, args.seed), (small, small_rows, args.seed + 1)):
            started = time.perf_counter()
            stats = write_list(path, count, seed)
            print(
                f"Generated {count:,} rows ({stats['producers']:,} producers, "
                f"{stats['provinces']} provinces): {path.stat().st_size / 2**20:.1f} MB in "
                f"{time.perf_counter() - started:.1f} s"
            )

        if args.skip_sqlite:
            print("SQLite: skipped (--skip-sqlite)")
        else:
            print("SQLite:")
            env = _child_env(work / "sqlite-data", None)
            print(f"  migrate: {migrate(env):.1f} s (not counted)")
            m = measure_import(big, rows, env)
            report("import", m)
            problems += check(m, created=rows, label="SQLite import")
            out["sqlite_rows_per_s"] = round(m.rows_per_s, 1)
            out["sqlite_peak_rss_mb"] = round(m.peak_rss_mb, 1)
            out["sqlite_import_cpu_s"] = round(m.figures["cpu_seconds"], 2)

            env_small = _child_env(work / "sqlite-data-small", None)
            print(f"  migrate (fresh database for the quarter list): {migrate(env_small):.1f} s")
            m_small = measure_import(small, small_rows, env_small)
            report("import of the quarter list", m_small)
            problems += check(m_small, created=small_rows, label="SQLite quarter import")
            out["sqlite_rows_per_s_5k"] = round(m_small.rows_per_s, 1)
            out["sqlite_peak_rss_mb_5k"] = round(m_small.peak_rss_mb, 1)
            growth = m.peak_rss_mb / m_small.peak_rss_mb - 1
            out["memory_flat"] = growth <= MEMORY_GROWTH_TOLERANCE
            print(
                f"  peak RSS {m_small.peak_rss_mb:.1f} MB for {small_rows:,} rows vs "
                f"{m.peak_rss_mb:.1f} MB for {rows:,} rows: {growth:+.1%} for 4x the rows "
                f"({'flat' if out['memory_flat'] else 'GROWS'}; tolerance "
                f"{MEMORY_GROWTH_TOLERANCE:.0%})"
            )

        admin, why = (
            (None, "--skip-postgres") if args.skip_postgres else postgres_admin(args.postgres)
        )
        if admin is None:
            print(f"PostgreSQL: skipped ({why}); its figures are null")
        else:
            name = f"ocop_bench_{os.getpid()}"
            print(f"PostgreSQL (database {name}):")
            try:
                drop_database(admin, name)
                admin.execute(f'CREATE DATABASE "{name}"')
                env = _child_env(work / "postgres-data", f"{args.postgres}/{name}")
                print(f"  migrate: {migrate(env):.1f} s (not counted)")
                m = measure_import(big, rows, env)
                report("import", m)
                problems += check(m, created=rows, label="PostgreSQL import")
                out["postgres_rows_per_s"] = round(m.rows_per_s, 1)
                out["postgres_peak_rss_mb"] = round(m.peak_rss_mb, 1)
                out["postgres_import_cpu_s"] = round(m.figures["cpu_seconds"], 2)
                rerun = measure_import(big, rows, env)
                report("re-import of the same list", rerun)
                problems += check(rerun, created=0, label="PostgreSQL re-import")
                out["postgres_rerun_rows_per_s"] = round(rerun.rows_per_s, 1)
                out["postgres_rerun_created"] = rerun.figures["created"]
            finally:
                drop_database(admin, name)
                admin.close()
                print(f"  dropped database {name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if out["postgres_rows_per_s"] is not None:
        fast = out["postgres_rows_per_s"] >= TARGET_POSTGRES_ROWS_PER_S
        print(
            f"Target: >= {TARGET_POSTGRES_ROWS_PER_S:,} rows/s on PostgreSQL: "
            f"{out['postgres_rows_per_s']:,.0f} rows/s ({'met' if fast else 'MISSED'})"
        )
        if problems or out["memory_flat"] is False:
            out["meets_target"] = False
        elif out["memory_flat"]:  # None when SQLite was skipped: memory not assessed
            out["meets_target"] = fast
    out["load_avg_1m"][1] = round(os.getloadavg()[0], 2)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(json.dumps(out))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Timing of the channel report on national-scale data (a script, not a test).

Creates a fresh PostgreSQL database ``ocop_bench_report_<pid>``, migrates it, and fills it in a
child process configured for that database (DATABASE_URL):

* 10,000 producers and 20,000 products across the 63 pre-2025 provinces, with real legacy
  communes from the ``vietnamadminunits`` data set, loaded the way lists get in: a generated
  certificate list (first certificates from the last 70 months, re-evaluations and upgrades of
  most certificates that came due) imported with ``import_certificates``;
* channel presences (modern and traditional; verified, pending, rejected) and 1,000,000
  ``ChannelActivity`` rows over the last two years, bulk-loaded with psycopg ``COPY``; COPY
  goes around the services that keep the monthly sales roll-up, so it is then built with
  ``rebuild_sales_rollup`` (timed on its own), as ``manage.py ocop_rebuild_sales`` would.

It then times ``build_channel_report`` (one warm-up, then ``--runs`` runs; min and median),
first with no snapshot (all eleven past trend months computed live, the worst case), then with
the eleven past months snapshotted as the monthly task would have done. ``--explain`` prints
EXPLAIN ANALYZE of the slowest queries. The database is dropped at the end (unless ``--keep``).
``--reuse NAME`` times a database kept by an earlier run instead of building one (it is
migrated first and its snapshots are deleted, so both timings start as above; it is kept).

    python bench/report_scale.py [--producers 10000] [--products 20000]
        [--activities 1000000] [--runs 7] [--explain] [--keep | --reuse NAME]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_throughput import (  # noqa: E402  (a sibling script, not a package)
    GROUP_NAMES,
    PRODUCER_PREFIXES,
    PRODUCT_STEMS,
    SCORE_BANDS,
    STARS_WEIGHTS,
    drop_database,
    legacy_communes,
    postgres_admin,
)

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
TARGET_MS = 500
#: Months back over which first certificates are spread.
FIRST_DECISION_MONTHS = 70
#: Days back over which channel activity is spread.
ACTIVITY_DAYS = 730


# The certificate list -------------------------------------------------------------------------


def write_list(path: Path, producers: int, products: int, as_of: dt.date, seed: int) -> dict:
    """A certificate list of ``producers`` producers holding ``products`` products in all, with
    re-evaluation rows for most certificates that came due; returns what it holds."""
    from plugins.ocop.models import VALIDITY_MONTHS, add_months

    rng = random.Random(seed)
    communes = legacy_communes()
    provinces = sorted(communes)
    counts = [rng.choice((1, 2, 2, 3)) for _ in range(producers)]
    index = 0
    while sum(counts) != products:
        step = 1 if sum(counts) < products else -1
        if 1 <= counts[index] + step <= 4:
            counts[index] += step
        index = (index + 1) % producers
    rows = reevaluations = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["DANH SÁCH SẢN PHẨM OCOP (DỮ LIỆU MÔ PHỎNG ĐỂ ĐO HIỆU NĂNG BÁO CÁO)"])
        writer.writerow(
            [
                "Tên sản phẩm",
                "Chủ thể",
                "Địa chỉ",
                "Nhóm sản phẩm",
                "Số sao",
                "Điểm",
                "Quyết định",
                "Làng nghề",
                "Điện thoại",
            ]
        )
        for number, count in enumerate(counts, start=1):
            province = rng.choice(provinces)
            commune = rng.choice(communes[province])
            producer = f"{rng.choice(PRODUCER_PREFIXES)} {commune.ward_short} {number}"
            address = f"{commune.ward}, {commune.district}, {commune.province}"
            village = f"Làng nghề {commune.ward_short}" if rng.random() < 0.03 else ""
            phone = f"09{rng.randrange(10**8):08d}"
            for group, stem in rng.sample(PRODUCT_STEMS, count):
                stars = rng.choices(list(STARS_WEIGHTS), weights=list(STARS_WEIGHTS.values()))[0]
                first = as_of - dt.timedelta(days=rng.randrange(FIRST_DECISION_MONTHS * 30))
                decisions = [(first, stars)]
                due = add_months(first, VALIDITY_MONTHS)
                if due <= as_of and rng.random() < 0.8:
                    late = rng.random() < 0.2
                    again = due + dt.timedelta(
                        days=rng.randrange(5, 90) if late else -rng.randrange(0, 60)
                    )
                    upgraded = min(5, stars + 1) if rng.random() < 0.25 else stars
                    if again <= as_of:
                        decisions.append((again, upgraded))
                for day, rank in decisions:
                    writer.writerow(
                        [
                            f"{stem} {commune.ward_short}",
                            producer,
                            address,
                            GROUP_NAMES[group],
                            f"{rank} sao",
                            rng.randint(*SCORE_BANDS[rank]),
                            f"{rng.randrange(100, 4000)}/QĐ-UBND ngày {day:%d/%m/%Y}",
                            village,
                            phone,
                        ]
                    )
                    rows += 1
                reevaluations += len(decisions) - 1
    return {"rows": rows, "reevaluations": reevaluations}


# Channel data ---------------------------------------------------------------------------------


def load_channels(activities: int, as_of: dt.date, seed: int) -> dict:
    """Presences and ``activities`` activity rows for the producers in the database, by COPY."""
    from django.db import connection
    from django.utils import timezone

    from plugins.ocop.models import Channel, OcopProduct, Producer

    rng = random.Random(seed)
    channels = list(Channel.objects.values("id", "is_modern", "slug"))
    modern = [c["id"] for c in channels if c["is_modern"]]
    traditional = [c["id"] for c in channels if not c["is_modern"]]
    popular = {
        c["id"]: 4 if c["slug"] in ("shopee", "ocop-market", "postmart") else 1 for c in channels
    }
    products: dict[int, list[int]] = {}
    for producer_id, product_id in OcopProduct.objects.values_list("producer_id", "pk"):
        products.setdefault(producer_id, []).append(product_id)
    now = timezone.now()
    presences = []  # (producer, channel, verification, end of activity, weight)
    for producer_id in Producer.objects.values_list("pk", flat=True):
        count = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
        chosen = set()
        while len(chosen) < count:
            chosen.add(rng.choices(modern, weights=[popular[c] for c in modern])[0])
        if rng.random() < 0.3:
            chosen.add(rng.choice(traditional))
        for channel_id in sorted(chosen):
            verification = rng.choices(("verified", "pending", "rejected"), weights=(80, 12, 8))[0]
            lapsed = rng.random() < 0.3
            end = as_of - dt.timedelta(days=rng.randrange(100, 500)) if lapsed else as_of
            presences.append((producer_id, channel_id, verification, end, rng.uniform(0.2, 3)))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = (
            "producer_id, channel_id, listing_url, contract_number, evidence_file, note, "
            "source, verification, recorded_at, verified_at"
        )
        with raw.copy(f"COPY ocop_presence ({columns}) FROM STDIN") as copy:
            for producer_id, channel_id, verification, _end, _weight in presences:
                verified = verification == "verified"
                copy.write_row(
                    (
                        producer_id,
                        channel_id,
                        "",
                        "",
                        "",
                        "",
                        "imported" if verified else "declared",
                        verification,
                        now,
                        now if verified else None,
                    )
                )
        columns = (
            "producer_id, channel_id, product_id, date, orders, revenue, source, reference, "
            "evidence_url, created_at, updated_at"
        )
        weights = [p[4] for p in presences]
        rows = []
        for number, pick in enumerate(rng.choices(range(len(presences)), weights, k=activities)):
            producer_id, channel_id, _verification, end, _weight = presences[pick]
            day = end - dt.timedelta(days=rng.randrange(ACTIVITY_DAYS - (as_of - end).days))
            owned = products.get(producer_id)
            orders = rng.randint(1, 20)
            rows.append(
                (
                    producer_id,
                    channel_id,
                    rng.choice(owned) if owned and rng.random() < 0.9 else None,
                    day,
                    orders,
                    orders * rng.randrange(50, 500) * 1000,
                    "sales_report",
                    f"bench-{number}",
                    "",
                    now,
                    now,
                )
            )
        # Activity arrives roughly in date order (reports are imported as months pass), so the
        # table is loaded in that order.
        rows.sort(key=lambda row: row[3])
        with raw.copy(f"COPY ocop_channelactivity ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    # What autovacuum does in a running database: statistics, and the visibility map that lets
    # index-only scans skip the table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"presences": len(presences), "activities": activities}


# Timing ---------------------------------------------------------------------------------------


def time_report(as_of: dt.date, runs: int) -> dict:
    """One warm-up (its queries kept for --explain, its size summarised), then ``runs`` timed
    runs; no report is kept while the timed runs go, as a server would not keep one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plugins.ocop.channels.report import build_channel_report

    with CaptureQueriesContext(connection) as captured:
        report = build_channel_report(as_of)
    summary = {
        "population": report["producers_total"],
        "active": report["producers_active_modern"],
        "share": report["share_active_modern"],
        "not_active": len(report["not_active"]),
        "expiring": len(report["expiring_certificates"]),
        "sales_activities": report["sales"]["total"]["activities"],
        "json_mb": len(json.dumps(report, ensure_ascii=False)) / 2**20,
    }
    del report
    gc.collect()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        build_channel_report(as_of)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "median": statistics.median(timings),
        "min": min(timings),
        "runs": timings,
        "queries": [q["sql"] for q in captured.captured_queries],
        "summary": summary,
    }


def section_times(as_of: dt.date, runs: int) -> dict[str, float]:
    """Median milliseconds spent in each section of the report (its private functions timed
    in place), to see where the time goes."""
    from plugins.ocop.channels import report as module

    names = (
        "_population",
        "_certified",
        "_population_counts",
        "_by_group",
        "_trend",
        "_not_active",
        "_targets",
        "_expiring",
        "_sales",
    )
    spent: dict[str, list[float]] = {name: [] for name in names}
    originals = {name: getattr(module, name) for name in names}

    def timed(name):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            result = originals[name](*args, **kwargs)
            spent[name].append((time.perf_counter() - started) * 1000)
            return result

        return wrapper

    for name in names:
        setattr(module, name, timed(name))
    try:
        for _ in range(runs):
            module.build_channel_report(as_of)
    finally:
        for name, function in originals.items():
            setattr(module, name, function)
    return {name.lstrip("_"): round(statistics.median(t), 1) for name, t in spent.items()}


def explain(queries: list[str], top: int = 5) -> None:
    """EXPLAIN ANALYZE each query; print the plans of the ``top`` slowest."""
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [r[0] for r in cursor.fetchall()]
            ms = float(lines[-1].split(":")[1].split()[0])
            plans.append((ms, sql, lines))
    print(f"  EXPLAIN ANALYZE execution times (ms): {[round(p[0], 1) for p in plans]}")
    for ms, sql, lines in sorted(plans, reverse=True)[:top]:
        print(f"\n  --- {ms:.1f} ms: {sql[:300]}…")
        for line in lines:
            print("    " + line)


def build_data(args: argparse.Namespace, as_of: dt.date) -> tuple[int, float]:
    """Import the generated list, load channel data and build the roll-ups; returns the sales
    roll-up's rows and the seconds its build took."""
    from django.db import connection

    from plugins.ocop.channels.sales import rebuild_sales_rollup
    from plugins.ocop.importer.certificates import import_certificates

    with tempfile.TemporaryDirectory(prefix="ocop-bench-report-") as work:
        path = Path(work) / "danh-sach.csv"
        started = time.perf_counter()
        listed = write_list(path, args.producers, args.products, as_of, args.seed)
        print(
            f"  generated a list of {listed['rows']:,} rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        with path.open("rb") as stream:
            result = import_certificates(stream, filename=path.name)
        if not result.ok or not result.written:
            raise SystemExit(f"import failed: {result.file_error or result.errors[:3]}")
        print(
            f"  imported {result.created:,} certificates ({listed['reevaluations']:,} "
            f"re-evaluations/upgrades) in {time.perf_counter() - started:.1f} s"
        )
    started = time.perf_counter()
    loaded = load_channels(args.activities, as_of, args.seed)
    print(
        f"  COPY {loaded['presences']:,} presences and {loaded['activities']:,} activities "
        f"(+ VACUUM ANALYZE) in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    rollup_rows = rebuild_sales_rollup()
    rollup_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ocop_channelsalesmonth, ocop_producerchannelmonth")
    print(
        f"  built the monthly roll-ups: {rollup_rows:,} sales rows in {rollup_s:.1f} s "
        f"(+ VACUUM ANALYZE {time.perf_counter() - started - rollup_s:.1f} s)"
    )
    return rollup_rows, rollup_s


def run_child(args: argparse.Namespace) -> None:
    """In the child (DATABASE_URL names the bench database): load, time, print one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop_market.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from plugins.ocop.channels.report import months_ending, snapshot_month
    from plugins.ocop.models import ReportSnapshot

    as_of = timezone.localdate()
    out: dict = {}
    if args.reused:
        ReportSnapshot.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ocop_channelsalesmonth")
            rollup_rows, rollup_s = cursor.fetchone()[0], None
        print(f"  reusing the data; the sales roll-up holds {rollup_rows:,} rows")
    else:
        rollup_rows, rollup_s = build_data(args, as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM ocop_producer), (SELECT count(*) FROM ocop_ocopproduct),"
            " (SELECT count(*) FROM ocop_certificate), (SELECT count(*) FROM ocop_channelactivity)"
        )
        producers, products, certificates, activities = cursor.fetchone()
    out.update(
        producers=producers,
        products=products,
        certificates=certificates,
        activities=activities,
        rollup_rows=rollup_rows,
        rollup_build_s=None if rollup_s is None else round(rollup_s, 1),
    )

    load_before = os.getloadavg()
    print(f"  load average before timing: {' '.join(f'{x:.2f}' for x in load_before)}")
    cold = time_report(as_of, args.runs)
    report = cold["summary"]
    print(
        f"  report as of {as_of}: population {report['population']:,}, active "
        f"{report['active']:,} ({report['share']:.1%}), not active {report['not_active']:,}, "
        f"expiring {report['expiring']:,}, sales rows in the window "
        f"{report['sales_activities']:,}, JSON {report['json_mb']:.1f} MB"
    )
    print(
        f"  no snapshots (11 past trend months live), {len(cold['queries'])} queries: "
        f"median {cold['median']:.0f} ms, min {cold['min']:.0f} ms "
        f"(runs: {', '.join(f'{t:.0f}' for t in cold['runs'])})"
    )
    if args.explain:
        explain(cold["queries"])

    started = time.perf_counter()
    for month in months_ending(as_of, 12)[:-1]:
        snapshot_month(month)
    print(f"  snapshotted the 11 past months in {time.perf_counter() - started:.1f} s")
    warm = time_report(as_of, args.runs)
    print(
        f"  with snapshots (no live trend month), {len(warm['queries'])} queries: "
        f"median {warm['median']:.0f} ms, min {warm['min']:.0f} ms "
        f"(runs: {', '.join(f'{t:.0f}' for t in warm['runs'])})"
    )
    sections = section_times(as_of, args.runs)
    print(
        "  time per section with snapshots (median ms): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in sections.items())
    )
    load_after = os.getloadavg()
    print(f"  load average after timing: {' '.join(f'{x:.2f}' for x in load_after)}")
    out.update(
        queries=len(cold["queries"]),
        queries_with_snapshots=len(warm["queries"]),
        report_ms_median=round(cold["median"], 1),
        report_ms_min=round(cold["min"], 1),
        report_ms_median_with_snapshots=round(warm["median"], 1),
        report_ms_min_with_snapshots=round(warm["min"], 1),
        sections_ms_with_snapshots=sections,
        load_average=[round(load_before[0], 2), round(load_after[0], 2)],
    )
    print(json.dumps(out), flush=True)


# Main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--producers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs after a warm-up (7)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse", metavar="NAME", help="time the database NAME kept by an earlier run (--keep)"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reused", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return 0
    if not args.producers <= args.products <= 4 * args.producers:
        parser.error("--products must be between --producers and 4 x --producers")

    admin, why = postgres_admin(args.postgres)
    if admin is None:
        print(f"PostgreSQL is not reachable ({why})")
        return 2
    name = args.reuse or f"ocop_bench_report_{os.getpid()}"
    keep = args.keep or bool(args.reuse)
    started = time.perf_counter()
    print(f"Channel report benchmark (database {name})")
    try:
        if not args.reuse:
            drop_database(admin, name)
            admin.execute(f'CREATE DATABASE "{name}"')
        with tempfile.TemporaryDirectory(prefix="ocop-bench-report-data-") as data_dir:
            env = dict(os.environ)
            env.update(
                DATABASE_URL=f"{args.postgres}/{name}",
                OCOP_DATA_DIR=data_dir,
                DJANGO_SETTINGS_MODULE="ocop_market.settings",
                DEBUG="0",
                PYTHONUNBUFFERED="1",
            )
            env.pop("CELERY_BROKER_URL", None)
            migrate_started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(MANAGE), "migrate", "--no-input", "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            print(f"  migrate: {time.perf_counter() - migrate_started:.1f} s")
            child_args = [
                "--child",
                f"--producers={args.producers}",
                f"--products={args.products}",
                f"--activities={args.activities}",
                f"--runs={args.runs}",
                f"--seed={args.seed}",
                *(["--explain"] if args.explain else []),
                *(["--reused"] if args.reuse else []),
            ]
            last = ""
            with subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), *child_args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            ) as child:
                for line in child.stdout:
                    if last:
                        print(last, flush=True)
                    last = line.rstrip("\n")
            if child.returncode != 0:
                print(last)
                print(f"the bench child failed (exit {child.returncode})")
                return 1
            figures = json.loads(last)
    finally:
        if keep:
            print(f"  kept database {name}")
        else:
            drop_database(admin, name)
            print(f"  dropped database {name}")
        admin.close()
    figures["target_ms"] = TARGET_MS
    figures["meets_target"] = figures["report_ms_median"] <= TARGET_MS
    figures["meets_target_with_snapshots"] = figures["report_ms_median_with_snapshots"] <= TARGET_MS
    print(f"  total bench time {time.perf_counter() - started:.0f} s")
    print(
        f"Target: report <= {TARGET_MS} ms: median {figures['report_ms_median']:.0f} ms "
        f"({'met' if figures['meets_target'] else 'MISSED'}); with the past months "
        f"snapshotted {figures['report_ms_median_with_snapshots']:.0f} ms "
        f"({'met' if figures['meets_target_with_snapshots'] else 'MISSED'})"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

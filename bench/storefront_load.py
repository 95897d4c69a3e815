"""Load benchmark of the storefront catalogue page against Oscar's stock catalogue page.

Loads a synthetic catalogue of 10,000 OCOP products (``plugins.ocop.storefront.synthetic``)
into a fresh database (a SQLite file in a temporary ``OCOP_DATA_DIR`` by default; a PostgreSQL
database created and dropped by the script with ``--postgres``) and builds a Whoosh index of
it (``OCOP_HAYSTACK_WHOOSH_PATH``, ``manage.py rebuild_index``; timed apart, not compared):
Oscar's stock ``CatalogueView`` is a haystack search, and the project's default engine has no
index, so without it the stock page would list nothing. Then it serves the project with
gunicorn on a loopback port and drives it with wrk:

1. our catalogue page ``/catalogue/`` with its listing cache (the default), and Oscar's stock
   ``CatalogueView`` on the same data, exposed at ``/stock-catalogue/`` for this run only
   (``OCOP_EXPOSE_STOCK_CATALOGUE=1``), both served by the same gunicorn;
2. our page again, served by a second gunicorn with the listing cache off
   (``OCOP_STOREFRONT_CACHE_SECONDS=0``).

Before measuring it checks that both pages list the catalogue: page 1 links to at least 12
products and the total shown is the number of products loaded; it exits with status 1 and says
why otherwise. Each phase is warmed up, then measured for ``--duration`` seconds.

    python bench/storefront_load.py [--postgres [URL]] [--products 10000] [--duration 15]

It prints requests/s and p95 latency of the three phases and the ratios ours/stock
(requests/s), cached and uncached, ending with one JSON line. Target: ratio >= 1.0. Needs the
``bench`` extra (``pip install -e ".[bench]"``: Whoosh) and wrk from Debian (``apt-get install
wrk``). Not a test: figures depend on the machine (and on what else it runs: the JSON line
records the load average).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.0
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
OURS, STOCK = "/catalogue/", "/stock-catalogue/"
#: Page 1 of each page must link to at least this many products (both show 12 per page).
MIN_LISTED = 12
#: A link to a product page, ``/catalogue/<slug>_<pk>/`` (category links have a slash more).
PRODUCT_LINK = re.compile(r'href="/catalogue/[\w%-]*_(\d+)/"')
#: The total each page shows: ours in ``data-ocop-count``, Oscar's in its first ``<strong>``
#: ("<strong>10000</strong> results - showing <strong>1</strong> to <strong>12</strong>").
TOTALS = {
    OURS: re.compile(r'data-ocop-count="(\d+)"'),
    STOCK: re.compile(r"<strong>(\d+)</strong>"),
}
#: wrk prints the 95th percentile (in microseconds) through this script.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("REQUESTS %d\\n", summary.requests))
  io.write(string.format("NON2XX %d\\n", summary.errors.status))
end
"""


class BenchError(Exception):
    """The benchmark cannot measure a fair comparison (the message says why)."""


@dataclass
class Phase:
    path: str
    rps: float
    p95_ms: float
    requests: int
    errors: int


@dataclass
class Listed:
    products: int
    total: int | None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument(
        "--duration", type=int, default=15, help="seconds per measured phase (15-20 advised)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        default=None,
        help=f"use a fresh PostgreSQL database on this server (default {DEFAULT_POSTGRES})",
    )
    args = parser.parse_args()
    if args.products < MIN_LISTED:
        parser.error(f"--products must be at least {MIN_LISTED}")

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    if importlib.util.find_spec("whoosh") is None:
        print('Whoosh is not installed: pip install -e ".[bench]"', file=sys.stderr)
        return 2

    data_dir = Path(tempfile.mkdtemp(prefix="ocop-storefront-bench-"))
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(data_dir),
        "OCOP_HAYSTACK_WHOOSH_PATH": str(data_dir / "whoosh"),
        "OCOP_EXPOSE_STOCK_CATALOGUE": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        # Haystack's Whoosh backend warns on every stock request that it has no query facets.
        "PYTHONWARNINGS": "ignore",
        "DJANGO_SETTINGS_MODULE": "ocop_market.settings",
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("OCOP_STOREFRONT_CACHE_SECONDS", None)
    database = None
    if args.postgres:
        database = f"ocop_storefront_bench_{os.getpid()}"
        _postgres(args.postgres, f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = f"{args.postgres}/{database}"
    else:
        env.pop("DATABASE_URL", None)
    engine = "postgresql" if database else "sqlite"
    script = data_dir / "p95.lua"
    script.write_text(WRK_SCRIPT)
    phases: dict[str, Phase] = {}
    try:
        started = time.monotonic()
        _run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env)
        _run([sys.executable, "-c", _LOAD.format(products=args.products)], env)
        loaded_s = time.monotonic() - started
        print(f"{engine}: {args.products} products loaded in {loaded_s:.1f} s")
        started = time.monotonic()
        # One batch: Whoosh merges its segments at every commit, ten batches take ~4x longer.
        _run(
            [
                sys.executable,
                "manage.py",
                "rebuild_index",
                "--noinput",
                "-v0",
                "--batch-size",
                str(args.products),
            ],
            env,
        )
        indexed_s = time.monotonic() - started
        print(f"{engine}: Whoosh index of Oscar's stock catalogue built in {indexed_s:.1f} s")

        with _gunicorn(env, args) as base:
            listed = {path: _listed(base + path) for path in (OURS, STOCK)}
            for path, found in listed.items():
                print(f"{path:18} page 1 links to {found.products} products of {found.total}")
            check(listed, args.products)
            for name, path in (("ours", OURS), ("stock", STOCK)):
                phases[name] = _measure(wrk, base + path, script, args, name)
        with _gunicorn({**env, "OCOP_STOREFRONT_CACHE_SECONDS": "0"}, args) as base:
            check({OURS: _listed(base + OURS)}, args.products)
            phases["ours_nocache"] = _measure(wrk, base + OURS, script, args, "ours_nocache")
    except BenchError as error:
        print(f"storefront benchmark: {error}", file=sys.stderr)
        return 1
    finally:
        if database:
            _postgres(args.postgres, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)

    ours, nocache, stock = phases["ours"], phases["ours_nocache"], phases["stock"]
    ratio = ours.rps / stock.rps if stock.rps else None
    ratio_nocache = nocache.rps / stock.rps if stock.rps else None
    print(f"ratio ours/stock (requests/s), cached:   {_fmt(ratio)} (target >= {TARGET_RATIO})")
    print(f"ratio ours/stock (requests/s), uncached: {_fmt(ratio_nocache)}")
    result = {
        "products": args.products,
        "database": engine,
        "duration_s": args.duration,
        "ours_rps": round(ours.rps, 1),
        "ours_p95_ms": round(ours.p95_ms, 1),
        "ours_nocache_rps": round(nocache.rps, 1),
        "ours_nocache_p95_ms": round(nocache.p95_ms, 1),
        "stock_rps": round(stock.rps, 1),
        "stock_p95_ms": round(stock.p95_ms, 1),
        "ours_listed_products": listed[OURS].products,
        "stock_listed_products": listed[STOCK].products,
        "stock_total_products": listed[STOCK].total,
        "ratio": _round(ratio),
        "ratio_nocache": _round(ratio_nocache),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio is not None and ratio >= TARGET_RATIO,
        "load_s": round(loaded_s, 1),
        "index_s": round(indexed_s, 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))
    return 0


#: Run in a child process with the benchmark's environment.
_LOAD = """
import django
django.setup()
from plugins.ocop.models import local_today
from plugins.ocop.storefront.synthetic import build_synthetic_catalogue
build_synthetic_catalogue({products}, today=local_today())
"""


def _run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def _postgres(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(statement)


class _gunicorn:
    """``with _gunicorn(env, args) as base_url:`` the project served on a free loopback port,
    stopped on leaving."""

    def __init__(self, env: dict[str, str], args):
        self.env, self.args = env, args

    def __enter__(self) -> str:
        port = _free_port()
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ocop_market.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base + OURS, self.server)
        except BaseException:
            self.__exit__()
            raise
        return base

    def __exit__(self, *exc) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise BenchError(f"{url} did not answer within {timeout:.0f} s")


def _listed(url: str) -> Listed:
    """How many distinct products page 1 of ``url`` links to, and the total it shows."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            html = response.read().decode()
    except OSError as error:
        raise BenchError(f"{url}: {error}") from error
    return listed_in(html, "/" + url.split("/", 3)[3])


def listed_in(html: str, path: str) -> Listed:
    """How many distinct products the page ``path`` (``OURS`` or ``STOCK``) links to in
    ``html``, and the total of products it shows."""
    total = TOTALS[path].search(html)
    return Listed(len(set(PRODUCT_LINK.findall(html))), int(total.group(1)) if total else None)


def check(listed: dict[str, Listed], products: int) -> None:
    """Both pages must list the catalogue: a comparison against an empty page means nothing."""
    for path, found in listed.items():
        if found.products < MIN_LISTED:
            raise BenchError(
                f"{path} page 1 links to {found.products} products, fewer than {MIN_LISTED}: "
                "not a same-data comparison (for the stock page: is the Whoosh index built?)"
            )
        if found.total != products:
            raise BenchError(
                f"{path} shows a total of {found.total} products, not the {products} loaded"
            )


def _measure(wrk: str, url: str, script: Path, args, name: str) -> Phase:
    _wrk(wrk, url, script, args, seconds=3)  # warm-up: caches, connections, index readers
    phase = _wrk(wrk, url, script, args, seconds=args.duration)
    path = "/" + url.split("/", 3)[3]
    print(
        f"{name:13} {path:18} {phase.rps:8.1f} req/s   p95 {phase.p95_ms:7.1f} ms   "
        f"({phase.requests} requests, {phase.errors} non-2xx)"
    )
    if phase.errors:
        raise BenchError(f"{url} answered {phase.errors} requests with an error status")
    return phase


def _wrk(wrk: str, url: str, script: Path, args, *, seconds: int) -> Phase:
    output = subprocess.run(
        [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p95_us = int(re.search(r"P95_US (\d+)", output).group(1))
    requests = int(re.search(r"REQUESTS (\d+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Phase(
        path=url,
        rps=rps,
        p95_ms=p95_us / 1000,
        requests=requests,
        errors=int(non_2xx.group(1)) if non_2xx else 0,
    )


def _round(ratio: float | None) -> float | None:
    return round(ratio, 2) if ratio is not None else None


def _fmt(ratio: float | None) -> str:
    return f"{ratio:.2f}" if ratio is not None else "n/a"


if __name__ == "__main__":
    sys.exit(main())

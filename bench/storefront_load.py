"""Load benchmark of the storefront catalogue page against Oscar's stock catalogue page.

Loads a synthetic catalogue of 10,000 OCOP products (``plugins.ocop.storefront.synthetic``)
into a fresh database (a SQLite file in a temporary ``OCOP_DATA_DIR`` by default; a PostgreSQL
database created and dropped by the script with ``--postgres``), serves the project with
gunicorn on a loopback port and drives it with wrk, first our catalogue page ``/catalogue/``,
then Oscar's stock ``CatalogueView`` on the same data, exposed at ``/stock-catalogue/`` for this
run only (``OCOP_EXPOSE_STOCK_CATALOGUE=1``). Each phase is warmed up, then measured for
``--duration`` seconds.

    python bench/storefront_load.py [--postgres [URL]] [--products 10000] [--duration 15]
                                    [--no-cache]

It prints requests/s and p95 latency of both pages and the ratio ours/stock (requests/s),
ending with one JSON line. Target: ratio >= 1.0. wrk comes from Debian (``apt-get install
wrk``). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
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
#: wrk prints the 95th percentile (in microseconds) through this script.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("REQUESTS %d\\n", summary.requests))
  io.write(string.format("NON2XX %d\\n", summary.errors.status))
end
"""


@dataclass
class Phase:
    path: str
    rps: float
    p95_ms: float
    requests: int
    errors: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured phase")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="measure our page with its listing cache off (OCOP_STOREFRONT_CACHE_SECONDS=0)",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        default=None,
        help=f"use a fresh PostgreSQL database on this server (default {DEFAULT_POSTGRES})",
    )
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    data_dir = Path(tempfile.mkdtemp(prefix="ocop-storefront-bench-"))
    env = {
        **os.environ,
        "OCOP_DATA_DIR": str(data_dir),
        "OCOP_EXPOSE_STOCK_CATALOGUE": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "ocop_market.settings",
    }
    env.pop("CELERY_BROKER_URL", None)
    if args.no_cache:
        env["OCOP_STOREFRONT_CACHE_SECONDS"] = "0"
    database = None
    if args.postgres:
        database = f"ocop_storefront_bench_{os.getpid()}"
        _postgres(args.postgres, f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = f"{args.postgres}/{database}"
    else:
        env.pop("DATABASE_URL", None)
    engine = "postgresql" if database else "sqlite"
    server = None
    try:
        started = time.monotonic()
        _run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env)
        _run([sys.executable, "-c", _LOAD.format(products=args.products)], env)
        print(f"{engine}: {args.products} products loaded in {time.monotonic() - started:.1f} s")

        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ocop_market.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + OURS, server)
        ours_cards = _count(base + OURS, "data-ocop-product=")
        stock_cards = _count(base + STOCK, "product_pod")
        print(f"our page lists {ours_cards} products; Oscar's stock page lists {stock_cards}")

        script = data_dir / "p95.lua"
        script.write_text(WRK_SCRIPT)
        phases = {}
        for name, path in (("ours", OURS), ("stock", STOCK)):
            _wrk(wrk, base + path, script, args, seconds=3)  # warm-up: caches, connections
            phases[name] = _wrk(wrk, base + path, script, args, seconds=args.duration)
            phase = phases[name]
            print(
                f"{name:5} {path:18} {phase.rps:8.1f} req/s   p95 {phase.p95_ms:7.1f} ms   "
                f"({phase.requests} requests, {phase.errors} non-2xx)"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if database:
            _postgres(args.postgres, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)

    ours, stock = phases["ours"], phases["stock"]
    ratio = ours.rps / stock.rps if stock.rps else None
    print(f"ratio ours/stock (requests/s): {ratio:.2f} (target >= {TARGET_RATIO})")
    result = {
        "products": args.products,
        "database": engine,
        "listing_cache": not args.no_cache,
        "ours_rps": round(ours.rps, 1),
        "ours_p95_ms": round(ours.p95_ms, 1),
        "stock_rps": round(stock.rps, 1),
        "stock_p95_ms": round(stock.p95_ms, 1),
        "ratio": round(ratio, 2) if ratio is not None else None,
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio is not None and ratio >= TARGET_RATIO,
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def _count(url: str, marker: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        return response.read().decode().count(marker)


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


if __name__ == "__main__":
    sys.exit(main())

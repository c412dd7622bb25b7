"""Benchmark: the real-time status services under load, against a bare endpoint of the same
server, on a million transactions.

    .venv/bin/python bench/api.py                 # SQLite, 1,000,000 transactions
    .venv/bin/python bench/api.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
                                                  # and PostgreSQL (database bench_api,
                                                  # created and dropped)
    .venv/bin/python bench/api.py --transactions 2000 --seconds 1

The data (bench/api_data.py) is bench/reconcile.py's merchant: 10 shops, 20,000 remittances
and their 1,000,000 captured transactions, one production API key per shop. The server
(bench/api_server.py) is `pointage serve` itself, in a process of its own, with three routes
the benchmark adds to the application before it is served, each answering a constant JSON.
The in-process scheduler is off. The load generator (bench/api_load.py) runs in another
process, on keep-alive connections to 127.0.0.1, each request for a transaction drawn at
random (every shop's) and authenticated with its shop's key:

  - bare: GET /bench/bare, an `async def` route first in the route table (the floor of any
    route of this server: the target's baseline);
  - bare, in a worker thread: GET /bench/bare-sync, the same as a plain `def` route, which
    FastAPI runs in a worker thread, first in the table too;
  - bare, last route: GET /bench/bare-last, the same as `bare`, matched after every route
    of the application (what finding a route costs);
  - V4 Transaction/Get: POST /api-payment/V4/Transaction/Get, HTTP Basic (shop id, key);
  - /v1 transaction: GET /v1/transactions/{uuid}, Bearer key.

Each endpoint is measured in a closed loop (`--connections` connections, as fast as the
server answers, `--seconds` each: throughput and latency) and in an open loop (`--rate`
requests per second for `--seconds`, latency from each request's intended send time).
Targets, on SQLite and on PostgreSQL: each service's throughput at least half the bare
endpoint's, and its p99 latency under 25 ms at 200 requests/s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from api_data import Built, build
from api_load import Sample, run
from sqlalchemy import create_engine, make_url, text

BENCH = Path(__file__).resolve().parent
PG_DATABASE = "bench_api"
ENDPOINTS = {
    "bare": "bare endpoint (constant JSON)",
    "bare-sync": "bare endpoint, in a worker thread",
    "bare-last": "bare endpoint, last route of the table",
    "v4": "V4 Transaction/Get (Basic)",
    "v1": "GET /v1/transactions/{uuid} (Bearer)",
}
THROUGHPUT_TARGET = 0.5  # of the bare endpoint's
P99_TARGET_MS = 25.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def served(url: str, secret_key: str, log: Path) -> Iterator[tuple[int, int]]:
    """The server in a process of its own; (port, pid) once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "POINTAGE_DATABASE_URL": url,
        "POINTAGE_SECRET_KEY": secret_key,
        "POINTAGE_SCHEDULER_ENABLED": "false",
    }
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - this interpreter, this script
            [sys.executable, str(BENCH / "api_server.py"), str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        _wait_ready(server, port, log)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=2),
        ):
            return
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within 120 s:\n{log.read_text()[-3000:]}")


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + str(conn.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


def cached_build(args: argparse.Namespace, url: str) -> tuple[Built, str]:
    """The data and the server's secret key: built, or on SQLite with `--cache`, taken from
    the database file a previous run with the same arguments left there."""
    secret_key = secrets.token_urlsafe(32)
    if args.cache is None or not url.startswith("sqlite"):
        return build(url, args.transactions, secret_key, args.sample), secret_key
    stem = args.cache / f"api-{args.transactions}-{args.sample}"
    database, facts = stem.with_suffix(".db"), stem.with_suffix(".json")
    if not (database.exists() and facts.exists()):
        args.cache.mkdir(parents=True, exist_ok=True)
        for stale in (database, facts):
            stale.unlink(missing_ok=True)
        built = build(f"sqlite:///{database}", args.transactions, secret_key, args.sample)
        saved = {"secret_key": secret_key, **asdict(built)}
        facts.write_text(json.dumps(saved))
    saved = json.loads(facts.read_text())
    shutil.copyfile(database, make_url(url).database or "")
    samples = [Sample(**sample) for sample in saved.pop("samples")]
    secret_key = saved.pop("secret_key")
    return Built(samples=samples, **saved), secret_key


def measure(
    args: argparse.Namespace, url: str, workdir: Path, pool: ProcessPoolExecutor
) -> list[dict[str, Any]]:
    built, secret_key = cached_build(args, url)
    name = database_version(url)
    print(
        f"{name}: {built.transactions:,} transactions of {built.shops} shop(s), "
        f"{len(built.samples):,} of them asked for at random; data built in {built.seconds:.1f} s"
        + (f" (kept in {args.cache})" if args.cache and url.startswith("sqlite") else "")
    )
    results = []
    log = workdir / f"server-{name.split()[0]}.log"
    with served(url, secret_key, log) as (port, pid):
        print(f"  load average (1 min) when the measures start: {os.getloadavg()[0]:.2f}")
        for mode in ("closed", "open"):
            for endpoint in args.endpoints:
                results.append(_measure(args, pool, mode, endpoint, port, pid, built))
    report(name, args, results)
    return results


def _measure(
    args: argparse.Namespace,
    pool: ProcessPoolExecutor,
    mode: str,
    endpoint: str,
    port: int,
    pid: int,
    built: Built,
) -> dict[str, Any]:
    result: dict[str, Any] = pool.submit(
        run,
        mode,
        endpoint,
        port,
        built.samples,
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        rate=args.rate,
        server_pid=pid,
    ).result()
    return result


def _row(result: dict[str, Any], bare: dict[str, Any]) -> str:
    ratio = result["throughput"] / bare["throughput"] if bare["throughput"] else float("nan")
    per_request = result["server_cpu"] / result["throughput"] * 1e6 if result["throughput"] else 0
    return (
        f"  {ENDPOINTS[result['endpoint']]:<38} {result['throughput']:8,.0f} "
        f"{result['p50_ms']:8.2f} {result['p99_ms']:8.2f} {result['max_ms']:8.1f} "
        f"{result['errors']:>6} {ratio:7.2f}x {result['server_cpu']:7.0%} "
        f"{per_request:7.0f} {result['generator_cpu']:7.0%} {result['load_average']:5.2f}"
    )


def report(name: str, args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    heads = (
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "ratio",
        "server",
        "µs/req",
        "loadgen",
    )
    header = f"  {'':<38} " + " ".join(
        f"{h:>{w}}" for h, w in zip(heads, (8, 8, 8, 8, 6, 8, 8, 7, 8), strict=True)
    )
    by = {(r["mode"], r["endpoint"]): r for r in results}
    titles = {
        "closed": f"closed loop, {args.connections} connections, {args.seconds:g} s each",
        "open": f"open loop, {args.rate:g} requests/s for {args.seconds:g} s each, latency "
        "from the intended send time",
    }
    for mode, title in titles.items():
        print(f"  {title} (ratio: of the bare endpoint's throughput; server and loadgen: CPU "
              "used, of one core; µs/req: the server's CPU time per answer; last: load "
              "average)")  # fmt: skip
        print(header + "   load")
        for endpoint in args.endpoints:
            print(_row(by[(mode, endpoint)], by[(mode, "bare")]))
    for result in results:
        if result["errors"]:
            print(f"  {result['mode']} {result['endpoint']}: {result['errors']} errors, the "
                  f"first: {result['first_error']}")  # fmt: skip
    _targets(name, by)


def _targets(name: str, by: dict[tuple[str, str], dict[str, Any]]) -> None:
    bare = by[("closed", "bare")]["throughput"]
    for endpoint in [e for e in ("v4", "v1") if ("closed", e) in by]:
        closed, opened = by[("closed", endpoint)], by[("open", endpoint)]
        ratio = closed["throughput"] / bare if bare else 0.0
        clean = closed["errors"] == 0 and opened["errors"] == 0
        verdicts = [
            f"throughput {ratio:.2f}x the bare endpoint's (>= {THROUGHPUT_TARGET}x): "
            + ("met" if ratio >= THROUGHPUT_TARGET and clean else "NOT met"),
            f"p99 at the fixed rate {opened['p99_ms']:.1f} ms (< {P99_TARGET_MS:g} ms): "
            + ("met" if opened["p99_ms"] < P99_TARGET_MS and clean else "NOT met"),
        ]
        print(f"  target {name}, {ENDPOINTS[endpoint]}: " + "; ".join(verdicts))


@contextlib.contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """A fresh database of our own on the server of `admin_url`, dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    try:
        with admin.connect() as conn:
            conn.execute(drop)
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
        yield make_url(admin_url).set(database=PG_DATABASE).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="of each measure")
    parser.add_argument("--warmup", type=float, default=None, help="before each (default 2 s)")
    parser.add_argument("--connections", type=int, default=32, help="of the closed loop")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s of the open loop")
    parser.add_argument("--sample", type=int, default=20_000, help="transactions asked for")
    parser.add_argument("--pg", metavar="ADMIN_URL", help="also run on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="keep the SQLite data built in DIR (e.g. bench/out) and start from a copy of it "
        "in the next runs with the same --transactions and --sample",
    )
    parser.add_argument(
        "--endpoints",
        type=lambda value: value.split(","),
        default=list(ENDPOINTS),
        help=f"which to measure, comma-separated (default all: {','.join(ENDPOINTS)}); "
        "bare is always measured, as every ratio's baseline",
    )
    args = parser.parse_args()
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"--endpoints: unknown {', '.join(sorted(unknown))}")
    args.endpoints = [e for e in ENDPOINTS if e in args.endpoints or e == "bare"]
    if args.warmup is None:
        args.warmup = min(2.0, args.seconds / 2)
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool,
        tempfile.TemporaryDirectory() as folder,
    ):
        workdir = Path(folder)
        if not args.no_sqlite:
            measure(args, f"sqlite:///{workdir / 'api.db'}", workdir, pool)
        if args.pg:
            with pg_database(args.pg) as url:
                measure(args, url, workdir, pool)


if __name__ == "__main__":
    main()

"""Benchmark: the real-time status services under load, against a bare endpoint of the same
server, on a million transactions.

    .venv/bin/python bench/api.py                 # SQLite, 1,000,000 transactions
    .venv/bin/python bench/api.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
                                                  # and PostgreSQL (database bench_api,
                                                  # created and dropped)
    .venv/bin/python bench/api.py --transactions 2000 --seconds 1

The data (bench/api_data.py) is bench/reconcile.py's merchant: 10 shops, 20,000 remittances
and their 1,000,000 captured transactions, one production API key per shop. The server
(bench/api_server.py) is `pointage serve` itself, in a process of its own, with two routes
the benchmark adds to the application before it is served: GET /bench/bare, a constant JSON,
and the same from a route run in a worker thread. The in-process scheduler is off. The load
generator (bench/api_load.py) runs in another process, on keep-alive connections to
127.0.0.1, each request for a transaction drawn at random (every shop's) and authenticated
with its shop's key:

  - bare: GET /bench/bare, an `async def` route (the target's baseline);
  - bare, in a worker thread: GET /bench/bare-sync, the same as a plain `def` route, which
    FastAPI runs in a worker thread as it runs every route that uses the database;
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
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from api_data import Built, build
from api_load import run
from sqlalchemy import create_engine, make_url, text

BENCH = Path(__file__).resolve().parent
PG_DATABASE = "bench_api"
ENDPOINTS = {
    "bare": "bare endpoint (constant JSON)",
    "bare-sync": "bare endpoint, in a worker thread",
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
def served(
    url: str, secret_key: str, log: Path, *, gc_freeze: bool = False
) -> Iterator[tuple[int, int]]:
    """The server in a process of its own; (port, pid) once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "POINTAGE_DATABASE_URL": url,
        "POINTAGE_SECRET_KEY": secret_key,
        "POINTAGE_SCHEDULER_ENABLED": "false",
        "BENCH_GC_FREEZE": "1" if gc_freeze else "0",
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


def measure(
    args: argparse.Namespace, url: str, workdir: Path, pool: ProcessPoolExecutor
) -> list[dict[str, Any]]:
    secret_key = secrets.token_urlsafe(32)
    built = build(url, args.transactions, secret_key, args.sample)
    name = database_version(url)
    print(
        f"{name}: {built.transactions:,} transactions of {built.shops} shop(s), "
        f"{len(built.samples):,} of them asked for at random; data built in {built.seconds:.1f} s"
        + ("; server with gc.freeze()" if args.gc_freeze else "")
    )
    results = []
    log = workdir / f"server-{name.split()[0]}.log"
    with served(url, secret_key, log, gc_freeze=args.gc_freeze) as (port, pid):
        print(f"  load average (1 min) when the measures start: {os.getloadavg()[0]:.2f}")
        for mode in ("closed", "open"):
            for endpoint in ENDPOINTS:
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
    return (
        f"  {ENDPOINTS[result['endpoint']]:<38} {result['throughput']:8,.0f} "
        f"{result['p50_ms']:8.2f} {result['p99_ms']:8.2f} {result['max_ms']:8.1f} "
        f"{result['errors']:>6} {ratio:7.2f}x {result['server_cpu']:7.0%} "
        f"{result['generator_cpu']:7.0%} {result['load_average']:5.2f}"
    )


def report(name: str, args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    heads = ("req/s", "p50 ms", "p99 ms", "max ms", "errors", "ratio", "server", "loadgen")
    header = f"  {'':<38} " + " ".join(
        f"{h:>{w}}" for h, w in zip(heads, (8, 8, 8, 8, 6, 8, 8, 8), strict=True)
    )
    by = {(r["mode"], r["endpoint"]): r for r in results}
    titles = {
        "closed": f"closed loop, {args.connections} connections, {args.seconds:g} s each",
        "open": f"open loop, {args.rate:g} requests/s for {args.seconds:g} s each, latency "
        "from the intended send time",
    }
    for mode, title in titles.items():
        print(f"  {title} (ratio: of the bare endpoint's throughput; server and loadgen: CPU "
              "used, of one core; last: load average)")  # fmt: skip
        print(header + "   load")
        for endpoint in ENDPOINTS:
            print(_row(by[(mode, endpoint)], by[(mode, "bare")]))
    for result in results:
        if result["errors"]:
            print(f"  {result['mode']} {result['endpoint']}: {result['errors']} errors, the "
                  f"first: {result['first_error']}")  # fmt: skip
    _targets(name, by)


def _targets(name: str, by: dict[tuple[str, str], dict[str, Any]]) -> None:
    bare = by[("closed", "bare")]["throughput"]
    for endpoint in ("v4", "v1"):
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
        "--gc-freeze",
        action="store_true",
        help="freeze the server's start-up objects out of the garbage collector (gc.freeze)",
    )
    args = parser.parse_args()
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

"""Benchmark: the back office's transaction list and dashboard rendered by the server on a
million transactions, against the bare minimum for the same page.

    .venv/bin/python bench/backoffice.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/backoffice.py --database sqlite --runs 30
    .venv/bin/python bench/backoffice.py --database sqlite --profile "list: card last 4"
    .venv/bin/python bench/backoffice.py --database sqlite --transactions 2000 --runs 2

The data (bench/backoffice_data.py, built once and kept under bench/out/) is bench/api.py's:
10 shops, 20,000 remittances and their 1,000,000 captured transactions (100,000 a shop), and
a user of the back office given every shop. The application is `pointage.web.app.create_app`
itself, in this process, driven by an in-process HTTP client: the user signs in through the
sign-in form, and each page is asked for with the session's cookie, as a browser does. The
dashboard's "today" is the shop's last day of transactions (its clock set to it), so that
its month to date has figures. The time of a page is taken on the server side: from the
moment the application gets the request to the moment it sends the answer's last byte.

The baseline of each page, in the same run: the very SQL statements the page ran (caught
while it was answered), each through a DBAPI connection of its own (sqlite3, psycopg),
their rows fetched, and a constant Jinja2 template rendering every row in a table.

Targets: a filtered page of the transaction list under 300 ms and the dashboard under 500 ms
(p95 of the runs), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import re
import secrets
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
import jinja2
from backoffice_data import (
    EMAIL,
    PASSWORD,
    Facts,
    facts,
    postgresql_database,
    sqlite_database,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, make_url

import pointage.dashboard.views as dashboard_views
from pointage.settings import Settings
from pointage.web.app import create_app

LIST_TARGET_MS = 300.0
DASHBOARD_TARGET_MS = 500.0
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_OLDER = re.compile(r'after=([0-9a-f]{32})"')
_NEWER = re.compile(r'before=([0-9a-f]{32})"')
READS = ("SELECT", "WITH")
BASELINE = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><html lang=en><title>page</title><main>{% for rows in results %}"
    "<table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}"
    "</tr>{% endfor %}</table>{% endfor %}</main></html>"
)


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    path: str
    target_ms: float


def pages(f: Facts, older: str, newer_of_month: str | None) -> list[Page]:
    """The pages measured: the list unfiltered and with each filter, pages 2 by the cursor
    (older) and back (newer), and the dashboard."""
    month = {"from": f.month_first.isoformat(), "to": f.month_last.isoformat()}

    def listing(name: str, **query: str) -> Page:
        return Page(f"list: {name}", "/transactions?" + urlencode(query), LIST_TARGET_MS)

    def board(name: str, **query: str) -> Page:
        return Page(f"dashboard: {name}", "/dashboard?" + urlencode(query), DASHBOARD_TARGET_MS)

    year_first = f.last_day - timedelta(days=365)
    out = [
        listing("no filter"),
        listing(f"a month ({f.month_first:%Y-%m})", **month),
        listing("status PAID (every one)", status="PAID"),
        listing("status UNPAID (none)", status="UNPAID"),
        listing("reconciliation pending (every one)", reconciliation="pending"),
        listing("reconciliation anomaly (none)", reconciliation="anomaly"),
        listing("order id", order_id=f.order_id),
        listing("amount 20.00 to 20.50", amount_min="20.00", amount_max="20.50"),
        listing("card last 4", card=f.card_last4),
        listing("remittance number", remittance=str(f.remittance_number)),
        listing("month + pending + amount", **month, reconciliation="pending", amount_min="100"),
        listing("page 2 (older)", after=older),
        listing("a month, page 2", **month, after=newer_of_month or older),
        listing("page 1 again (newer)", before=older),
        *[
            listing(f"sorted by {key} {direction}", sort=key, dir=direction)
            for key, direction in sorts()
        ],
        board("month to date"),
        board("a month", **month),
        board("366 days (the longest)", **{"from": f"{year_first}", "to": f"{f.last_day}"}),
    ]
    if newer_of_month is None:
        out.remove(next(p for p in out if p.name == "list: a month, page 2"))
    return out


def sorts() -> list[tuple[str, str]]:
    """Each order the list offers other than its default, in the direction of a first click
    on its column's header (and the default order the other way)."""
    try:
        from pointage.payment.views_sort import SORT_COLUMNS, Sort
    except ImportError:  # a list with one order
        return []
    default = Sort()
    flipped = "asc" if default.descending else "desc"
    others = [(c.key, c.first_direction) for c in SORT_COLUMNS.values() if c.key != default.key]
    return [(default.key, flipped), *others]


class Timed:
    """The application, timed from the request's arrival to its answer's last byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seconds = 0.0
        self.profiler: cProfile.Profile | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.profiler is not None:
            self.profiler.enable()
            try:
                await self.app(scope, receive, send)
            finally:
                self.profiler.disable()
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.seconds = time.perf_counter() - started

        await self.app(scope, receive, timed_send)


class Statements:
    """The SQL statements an engine sends while `catching` is set."""

    def __init__(self, engine: Engine) -> None:
        self.catching = False
        self.caught: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.catching:
            self.caught.append((statement, params))


def sign_in(client: TestClient) -> None:
    page = client.get("/sign-in")
    token = _TOKEN.search(page.text)
    assert token, "no CSRF token on the sign-in page"
    answer = client.post(
        "/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    if answer.status_code != 303:
        raise SystemExit(f"signing in failed: HTTP {answer.status_code}")


def dbapi_connection(url: str) -> Any:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database or "", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn
    import psycopg

    return psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
        password=parsed.password, autocommit=True,
    )  # fmt: skip


def baseline(conn: Any, statements: list[tuple[str, Any]]) -> Callable[[], str]:
    """The bare minimum of a page: its SQL through the DBAPI, every row in a table."""
    reads = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith(READS)]

    def run() -> str:
        cursor = conn.cursor()
        results = []
        for sql, params in reads:
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
        cursor.close()
        return BASELINE.render(results=results)

    return run


def timings(call: Callable[[], float], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    return [call() for _ in range(runs)]


def summary(ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95, ordered[-1]


def measure(args: argparse.Namespace, url: str, label: str) -> list[str]:
    settings = Settings(
        database_url=url,
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        scheduler_enabled=False,
        log_level="WARNING",
    )
    known = facts(url)
    dashboard_views.shop_today = lambda _zone: known.last_day  # the data's "today"
    app = create_app(settings)
    timed = Timed(app)
    statements = Statements(app.state.engine)
    misses: list[str] = []
    with TestClient(timed, follow_redirects=False) as client:
        sign_in(client)
        first = client.get("/transactions").text
        older = _OLDER.search(first)
        assert older, "no older page: too few transactions"
        month = {"from": known.month_first.isoformat(), "to": known.month_last.isoformat()}
        month_page = client.get("/transactions?" + urlencode({**month})).text
        month_older = _OLDER.search(month_page)
        chosen = pages(known, older.group(1), month_older.group(1) if month_older else None)
        if args.profile:
            return profile(client, timed, chosen, args)
        conn = dbapi_connection(url)
        print(
            f"{label}: shop {known.shop_id}, {known.transactions:,} transactions; today "
            f"{known.last_day}; {args.runs} runs after {args.warmup} warm-up; load average "
            f"{_load():.2f}\n"
            f"  {'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'base p50':>9} "
            f"{'ratio':>7} {'SQL':>4}  target"
        )
        for page in chosen:
            misses += _measure_page(client, timed, statements, conn, page, args, label)
        conn.close()
    return misses


def _measure_page(
    client: TestClient,
    timed: Timed,
    statements: Statements,
    conn: Any,
    page: Page,
    args: argparse.Namespace,
    label: str,
) -> list[str]:
    statements.caught, statements.catching = [], True
    answer = client.get(page.path)
    statements.catching = False
    if answer.status_code != 200:
        raise SystemExit(f"{page.name}: HTTP {answer.status_code}\n{answer.text[:2000]}")

    def project() -> float:
        client.get(page.path)
        return timed.seconds * 1000

    bare = baseline(conn, statements.caught)

    def base() -> float:
        started = time.perf_counter()
        bare()
        return (time.perf_counter() - started) * 1000

    gc.collect()
    ours = summary(timings(project, args.runs, args.warmup))
    floor = summary(timings(base, args.runs, args.warmup))
    ratio = ours[0] / floor[0] if floor[0] else float("nan")
    met = ours[1] < page.target_ms
    print(
        f"  {page.name:<44} {ours[0]:8.1f} {ours[1]:8.1f} {ours[2]:8.1f} {floor[0]:9.1f} "
        f"{ratio:6.2f}x {len(statements.caught):4}  "
        f"{'PASS' if met else 'MISS'} (< {page.target_ms:g} ms)"
    )
    return [] if met else [f"{label}: {page.name}"]


async def _inline(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
    return func(*args)


def profile(
    client: TestClient, timed: Timed, chosen: list[Page], args: argparse.Namespace
) -> list[str]:
    """cProfile over the runs of the pages whose name contains --profile, the application's
    worker-thread work run on its event loop's thread so that one profiler sees it all."""
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    for page in (p for p in chosen if args.profile in p.name):
        client.get(page.path)
        profiler = timed.profiler = cProfile.Profile()
        for _ in range(args.runs):
            client.get(page.path)
        timed.profiler = None
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.lines)
        print(f"== {page.name}, {args.runs} runs\n{out.getvalue()}")
    return []


def _load() -> float:
    try:
        with open("/proc/loadavg") as handle:
            return float(handle.read().split()[0])
    except OSError:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg", default=PG_ADMIN, metavar="ADMIN_URL", help="server to use")
    parser.add_argument("--runs", type=int, default=20, help="measured, of each page")
    parser.add_argument("--warmup", type=int, default=3, help="runs before, of each page")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile the pages so named")
    parser.add_argument("--sort", default="cumulative", help="of the profile (pstats key)")
    parser.add_argument("--lines", type=int, default=40, help="of the profile")
    parser.add_argument("--build-only", action="store_true", help="build or reuse, no measure")
    args = parser.parse_args()
    misses: list[str] = []
    if args.database in ("sqlite", "both"):
        url, built = sqlite_database(args.transactions, rebuild=args.rebuild)
        _built("SQLite", built)
        misses += [] if args.build_only else measure(args, url, f"SQLite {sqlite3.sqlite_version}")
    if args.database in ("postgresql", "both"):
        url, built = postgresql_database(args.pg, args.transactions, rebuild=args.rebuild)
        _built("PostgreSQL", built)
        misses += [] if args.build_only else measure(args, url, _pg_version(url))
    if not args.profile:
        print("targets: " + ("all met" if not misses else "MISSED by " + "; ".join(misses)))
    sys.stdout.flush()


def _pg_version(url: str) -> str:
    conn = dbapi_connection(url)
    try:
        return "PostgreSQL " + str(conn.execute("SHOW server_version").fetchone()[0])
    finally:
        conn.close()


def _built(name: str, seconds: float | None) -> None:
    if seconds is None:
        print(f"{name}: the database of bench/out/ reused")
    else:
        print(f"{name}: database built in {seconds:.0f} s")


if __name__ == "__main__":
    main()

"""Benchmark: the transaction journal as CSV and the reconciliation export as XLSX on a
million transactions, against pandas writing the same rows, in one run.

    .venv/bin/python bench/reports.py        # 1,000,000 transactions, 20,000 remittances,
                                             # 25,000 bank lines
    .venv/bin/python bench/reports.py --transactions 3000 --remittances 240 --entries 300

The data is bench/reconcile.py's (bench/reconcile_data.py, one seed), written into a fresh
migrated SQLite database by bench/reconcile_store.py and reconciled by a real run, so that
the export has matches, evidence, bank entries and every status to show. Then, each in a
process of its own started before the data was built (so that its peak RSS is its own):

  (a) JT as CSV: `pointage.report.journals.jt.produce` and
      `pointage.formats.journals.csv_writer.write_csv`, from the database to the files, for
      every shop over the whole period (the data's ten shops: a million lines in all).
      Target: under 10 s.
  (b) the reconciliation export as XLSX: `pointage.report.export.export_reconciliation`,
      every shop, from the database to the workbook with its summary. Targets: under 90 s,
      peak RSS under 300 MB.
  (c) pandas on the same rows: the journal's rows and the export's lines loaded into
      DataFrames (timed apart), then `DataFrame.to_csv` and `DataFrame.to_excel`, whose
      default engine for .xlsx is openpyxl (the one used here).
  (d) XlsxWriter in its constant-memory mode writing the export's lines, cell by cell with
      their formats, from the database: the library the export would otherwise use.

Each is timed by the wall clock (the targets) and by its process's CPU time; the machine's
load average when it started is printed with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from reconcile_data import generate
from reconcile_store import write
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.formats.journals.model import ColumnType, JournalDocument
from pointage.payment.models import Transaction
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.run import run_reconciliation
from pointage.shop.models import Shop

JT_TARGET_SECONDS = 10.0
EXPORT_TARGET_SECONDS = 90.0
EXPORT_TARGET_RSS_MIB = 300.0
SEED = 2026
GENERATED_AT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
CONTENDERS = ("jt", "export", "pandas_csv", "pandas_excel", "xlsxwriter")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `action` in this (fresh) process: its figures, wall and CPU seconds, peak RSS, and
    the machine's load average (1 minute) when it started."""
    load_average = os.getloadavg()[0]
    before = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    figures = action()
    figures.update(
        seconds=time.perf_counter() - started,
        cpu=time.process_time() - cpu,
        rss_peak_mib=peak_rss_mib(),
        rss_before_mib=before,
        load_average=load_average,
    )
    return figures


def _factory(url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(url))


def _journals(session: Session) -> Iterator[tuple[Shop, JournalDocument]]:
    """The transaction journal of every shop over the data's whole period."""
    from pointage.report.journals.jt import produce

    first, last = session.execute(
        select(func.min(Transaction.transaction_date), func.max(Transaction.transaction_date))
    ).one()
    for shop in session.scalars(select(Shop).order_by(Shop.id)):
        yield shop, produce(session, shop, first, last, generated_at=GENERATED_AT)


# -- (a) JT as CSV, (c) pandas to_csv -----------------------------------------------------------


def jt_csv(url: str, out: str) -> dict[str, Any]:
    from pointage.formats.journals.csv_writer import write_csv

    def run() -> dict[str, Any]:
        rows = size = 0
        with unit_of_work(_factory(url)) as session:
            for shop, document in _journals(session):
                path = Path(out) / f"JT_{shop.shop_id}.csv"
                rows += write_csv(document, path)
                size += path.stat().st_size
        return {"rows": rows, "bytes": size}

    return measured(run)


def pandas_csv(url: str, out: str) -> dict[str, Any]:
    import pandas as pd

    def run() -> dict[str, Any]:
        rows = size = 0
        load = write_seconds = 0.0
        with unit_of_work(_factory(url)) as session:
            for shop, document in _journals(session):
                started = time.perf_counter()
                names = [column.name for column in document.layout.columns]
                frame = pd.DataFrame.from_records(list(document.rows), columns=names)
                load += time.perf_counter() - started
                path = Path(out) / f"pandas_{shop.shop_id}.csv"
                started = time.perf_counter()
                frame.to_csv(path, sep=";", index=False)
                write_seconds += time.perf_counter() - started
                rows += len(frame)
                size += path.stat().st_size
        return {"rows": rows, "bytes": size, "load": load, "write": write_seconds}

    return measured(run)


# -- (b) the export, (c) pandas to_excel, (d) XlsxWriter -----------------------------------------


def export_xlsx(url: str, out: str, today: date) -> dict[str, Any]:
    from pointage.report.export import ExportFilters, export_reconciliation

    def run() -> dict[str, Any]:
        path = Path(out) / "reconciliation.xlsx"
        result = export_reconciliation(_factory(url), ExportFilters(), path, today=today)
        return {"rows": result.rows, "bytes": path.stat().st_size}

    return measured(run)


def pandas_excel(url: str, out: str) -> dict[str, Any]:
    import pandas as pd

    from pointage.core.money import exponent
    from pointage.report.export import ExportFilters, reconciliation_lines
    from pointage.report.export.layout import COLUMNS

    def run() -> dict[str, Any]:
        started = time.perf_counter()
        lines = list(reconciliation_lines(_factory(url), ExportFilters()))
        frame = pd.DataFrame.from_records(lines, columns=[c.name for c in COLUMNS])
        del lines
        # The same values as the export's cells: amounts in major units.
        for column in COLUMNS:
            if column.type is ColumnType.AMOUNT:
                scale = frame[column.currency_column].map(
                    lambda code: 10 ** exponent(code) if isinstance(code, str) else 1
                )
                frame[column.name] = frame[column.name] / scale
        frame.columns = [c.title for c in COLUMNS]
        load = time.perf_counter() - started
        path = Path(out) / "pandas.xlsx"
        started = time.perf_counter()
        frame.to_excel(path, index=False, sheet_name="Transactions", engine="openpyxl")
        write_seconds = time.perf_counter() - started
        return {"rows": len(frame), "bytes": path.stat().st_size, "load": load,
                "write": write_seconds}  # fmt: skip

    return measured(run)


def xlsxwriter_xlsx(url: str, out: str) -> dict[str, Any]:
    import xlsxwriter

    from pointage.core.money import exponent
    from pointage.report.export import ExportFilters, reconciliation_lines
    from pointage.report.export.layout import COLUMNS

    def run() -> dict[str, Any]:
        path = Path(out) / "xlsxwriter.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet("Transactions")
        bold = book.add_format({"bold": True})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        money: dict[str, Any] = {}
        currency_at = {
            n: [c.name for c in COLUMNS].index(c.currency_column)
            for n, c in enumerate(COLUMNS)
            if c.currency_column
        }
        for n, column in enumerate(COLUMNS):
            sheet.write_string(0, n, column.title, bold)
            sheet.set_column(n, n, column.width or 10)
        sheet.freeze_panes(1, 0)
        rows = 0
        for rows, line in enumerate(reconciliation_lines(_factory(url), ExportFilters()), 1):
            for n, (column, value) in enumerate(zip(COLUMNS, line, strict=True)):
                if value is None:
                    continue
                if column.type is ColumnType.AMOUNT:
                    code = str(line[currency_at[n]])
                    if code not in money:
                        digits = "." + "0" * exponent(code) if exponent(code) else ""
                        money[code] = book.add_format({"num_format": f'#,##0{digits} "{code}"'})
                    sheet.write_number(rows, n, value / 10 ** exponent(code), money[code])
                elif column.type is ColumnType.DATE:
                    sheet.write_datetime(rows, n, value, day)
                elif column.type is ColumnType.INTEGER:
                    sheet.write_number(rows, n, value)
                else:
                    sheet.write_string(rows, n, value)
        sheet.autofilter(0, 0, rows, len(COLUMNS) - 1)
        book.close()
        return {"rows": rows, "bytes": path.stat().st_size}

    return measured(run)


# -- the run ------------------------------------------------------------------------------------


def build(args: argparse.Namespace, url: str) -> date:
    """The data, written and reconciled; returns the day it was reconciled as of."""
    started = time.perf_counter()
    data = generate(SEED, args.transactions, args.remittances, args.entries)
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        stored = write(session, data)
    written = time.perf_counter()
    with unit_of_work(make_session_factory(engine)) as session:
        report = run_reconciliation(
            session,
            merchant_id=stored.merchant_id,
            trigger=RunTrigger.CLI,
            actor="bench",
            today=data.last_day,
        )
    engine.dispose()
    print(
        f"{args.transactions:,} transactions of {data.shops} shops in "
        f"{len(data.remittances):,} remittances, {len(data.lines):,} bank lines, "
        f"from {data.first_day} to {data.last_day}"
    )
    print(
        f"  built and written to SQLite in {written - started:.1f} s, reconciled in "
        f"{time.perf_counter() - written:.1f} s: {report.matched:,} matches, remittances "
        f"{dict(report.remittance_statuses)}"
    )
    return data.last_day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--remittances", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=25_000, help="bank lines at least")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=CONTENDERS[1:],
        help="leave the export or a baseline out (repeatable)",
    )
    args = parser.parse_args()
    # Every measuring process is started now, while this one is small: Linux keeps a
    # process's peak RSS across fork and exec, so one started later would inherit the
    # generator's peak as its own.
    pools = {
        name: ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        for name in CONTENDERS
    }
    try:
        for pool in pools.values():
            pool.submit(peak_rss_mib).result()
        with tempfile.TemporaryDirectory() as workdir:
            url = f"sqlite:///{Path(workdir) / 'reports.db'}"
            today = build(args, url)
            measure(args, url, today, workdir, pools)
    finally:
        for pool in pools.values():
            pool.shutdown()


def measure(
    args: argparse.Namespace,
    url: str,
    today: date,
    workdir: str,
    pools: dict[str, ProcessPoolExecutor],
) -> None:
    calls: dict[str, tuple[Callable[..., dict[str, Any]], tuple[Any, ...]]] = {
        "jt": (jt_csv, ()),
        "export": (export_xlsx, (today,)),
        "pandas_csv": (pandas_csv, ()),
        "pandas_excel": (pandas_excel, ()),
        "xlsxwriter": (xlsxwriter_xlsx, ()),
    }
    figures: dict[str, dict[str, Any]] = {}
    for name, (function, extra) in calls.items():
        if name not in args.skip:
            Path(workdir, name).mkdir()
            out = f"{workdir}/{name}"
            figures[name] = pools[name].submit(function, url, out, *extra).result()
    report(figures)


def _line(label: str, figures: dict[str, Any], extra: str = "") -> str:
    return (
        f"  {label:<36} {figures['seconds']:8.2f} s {figures['cpu']:8.2f} s "
        f"{figures['rows']:>10,} {figures['bytes'] / 2**20:8.1f} MiB "
        f"{figures['rss_peak_mib']:7.0f} MiB {figures['load_average']:6.1f}{extra}"
    )


LABELS = {
    "jt": "(a) JT as CSV, every shop",
    "export": "(b) reconciliation export as XLSX",
    "pandas_csv": "(c) pandas to_csv",
    "pandas_excel": "(c) pandas to_excel (openpyxl)",
    "xlsxwriter": "(d) XlsxWriter constant_memory",
}


def report(figures: dict[str, dict[str, Any]]) -> None:
    print(
        f"  {'':<36} {'time':>10} {'cpu':>10} {'rows':>10} {'file':>12} {'peak RSS':>11} "
        f"{'load':>6}"
    )
    for name, measured_figures in figures.items():
        extra = ""
        if "load" in measured_figures:  # pandas: its loading and writing apart
            extra = (
                f"   (loading the rows: {measured_figures['load']:.2f} s, "
                f"writing: {measured_figures['write']:.2f} s)"
            )
        print(_line(LABELS[name], measured_figures, extra))
    ratios(figures)
    targets(figures)


def ratios(figures: dict[str, dict[str, Any]]) -> None:
    jt, export = figures["jt"], figures.get("export")
    if (pandas := figures.get("pandas_csv")) is not None:
        print(
            f"  ratio JT / pandas to_csv: {jt['seconds'] / pandas['write']:.2f}x the "
            f"writing alone, {jt['seconds'] / (pandas['load'] + pandas['write']):.2f}x "
            "loading and writing"
        )
    if export is None:
        return
    if (pandas := figures.get("pandas_excel")) is not None:
        both = pandas["load"] + pandas["write"]
        print(
            f"  ratio export / pandas to_excel: {export['seconds'] / pandas['write']:.2f}x "
            f"the writing alone, {export['seconds'] / both:.2f}x loading and writing"
        )
    if (xlsxwriter := figures.get("xlsxwriter")) is not None:
        print(
            "  ratio export / XlsxWriter constant_memory: "
            f"{export['seconds'] / xlsxwriter['seconds']:.2f}x"
        )
    print(
        f"  export memory: peak RSS {export['rss_peak_mib']:.0f} MiB "
        f"({export['rss_before_mib']:.0f} MiB before it started)"
    )


def targets(figures: dict[str, dict[str, Any]]) -> None:
    jt, export = figures["jt"], figures.get("export")
    checked = [("JT as CSV", jt["seconds"], JT_TARGET_SECONDS, "s")]
    if export is not None:
        checked += [
            ("export as XLSX", export["seconds"], EXPORT_TARGET_SECONDS, "s"),
            ("export peak RSS", export["rss_peak_mib"], EXPORT_TARGET_RSS_MIB, "MiB"),
        ]
    for name, value, target, unit in checked:
        verdict = "met" if value < target else f"NOT met (+{value - target:.1f} {unit})"
        print(f"  target {name} < {target:.0f} {unit}: {verdict}")


if __name__ == "__main__":
    main()

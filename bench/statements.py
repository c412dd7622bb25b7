"""Benchmark: reading and importing bank statements, each against a baseline in the same run.

    .venv/bin/python bench/statements.py                      # full size
    .venv/bin/python bench/statements.py --movements 20000 --compare 2000 --camt-compare 500

1. CFONB 120 parse: a file of N movements (default 1,000,000), each with one 05 complement,
   written by `formats.statements.cfonb120.write`, read by `formats.statements.parse` (what
   the CLI and the import call: parsing and balance checks). Baseline: the floor of any CFONB
   reader in Python: decode, split into lines, slice the amount zone of each movement.
   Target: under 5 s.
2. CFONB 120 import: the same file imported by `statement.service.import_statement_file` into
   a fresh migrated SQLite database (hash, parse, checks, account lookup, de-duplication keys,
   insert, commit, in one transaction). Baseline: a bare DBAPI executemany of the very rows
   the import inserted, into the same table of a copy of the same fresh database, one commit.
   Target: under 30 s.
3. Side by side on the same movements: our MT940 parser against the mt-940 library, our
   camt.053 parser against pycamt, our OFX parser against ofxparse. Each contender gets the
   bytes and returns its transactions; the best of three runs is kept. The three pairs read
   the same 20,000 movements (20 statements); pycamt looks the account up again for every
   entry, so its time grows with the square of a statement's length: --camt-compare gives
   the camt pair a size of its own.
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import shutil
import sqlite3
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import mt940
from ofxparse import OfxParser
from pycamt.parser import Camt053Parser

from pointage.core.money import format_amount
from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.demo.setup import french_iban
from pointage.formats.statements import cfonb120, parse
from pointage.formats.statements.camt_write import write_camt053
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    Statement,
    StatementFormat,
)
from pointage.shop import service as shops
from pointage.statement import service as statements

BANK, BRANCH, NUMBER = "30004", "00828", "00010123456"
IBAN = french_iban(BANK, BRANCH, NUMBER)
FIRST_DAY = date(2026, 1, 5)
LABELS = (
    "REMISE CB {n:06d} 7012345",
    "PRLV SEPA URSSAF {n}",
    "VIR SEPA CLIENT {n}",
    "COMMISSIONS CB {n}",
    "IMPAYE CB {n:06d}",
)


def movements(count: int, *, per_day: int, camt: bool = False) -> list[Statement]:
    """`count` movements on one account, `per_day` a day, one statement a day that adds up.
    CFONB names its references and complements its own way; camt has elements for others."""
    rnd = random.Random(2026)
    account = AccountId(
        IBAN if camt else None,
        None if camt else BANK,
        None if camt else BRANCH,
        None if camt else NUMBER,
        "EUR",
    )
    result: list[Statement] = []
    balance, day = 1_000_000, FIRST_DAY
    for start in range(0, count, per_day):
        entries = []
        for n in range(start, min(count, start + per_day)):
            amount = rnd.randrange(100, 5_000_000) * (1 if rnd.random() < 0.7 else -1)
            if camt:
                references = {"AcctSvcrRef": f"B{n:012d}"}
                detail = EntryDetail(
                    0,
                    text=f"REF CLIENT {n}",
                    amount_minor=amount,
                    references={"EndToEndId": f"E2E{n}"},
                )
            else:
                references = {"entry_number": f"{n % 9_999_999:07d}"}
                detail = EntryDetail(0, qualifier="LIB", text=f"REF CLIENT {n}")
            entries.append(
                Entry(
                    record=0,
                    amount_minor=amount,
                    currency="EUR",
                    booking_date=day,
                    value_date=day + timedelta(days=1),
                    label=LABELS[n % len(LABELS)].format(n=n),
                    bank_operation_code="30" if amount > 0 else "62",
                    references=references,
                    details=[detail],
                    status="BOOK" if camt else None,
                )
            )
        closing = balance + sum(entry.amount_minor for entry in entries)
        result.append(
            Statement(
                0,
                account,
                Balance(balance, day - timedelta(days=1)),
                Balance(closing, day),
                entries,
                identifier=f"S{day:%y%m%d}",
            )
        )
        balance, day = closing, day + timedelta(days=1)
    return result


def best_of(function: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def line(name: str, ours: float, other_name: str, other: float, extra: str = "") -> None:
    print(
        f"{name}: ours {ours:.3f} s, {other_name} {other:.3f} s, "
        f"ratio {other / ours:.2f}x ({other_name} / ours){extra}"
    )


# --- 1. CFONB 120 parse -------------------------------------------------------------------


def cfonb_floor(data: bytes) -> int:
    total = 0
    for record in data.decode("latin-1").splitlines():
        if record[:2] == "04":
            total += len(record[90:104])
    return total


def bench_cfonb_parse(data: bytes, count: int) -> None:
    ours, result = best_of(lambda: parse(data, StatementFormat.CFONB120))
    floor, _ = best_of(lambda: cfonb_floor(data))
    assert sum(len(s.entries) for s in result.statements) == count
    assert not result.issues, result.issues[:3]
    print(
        f"CFONB 120 parse, {count:,} movements with a 05 each ({len(data) / 2**20:.0f} MiB): "
        f"ours {ours:.2f} s, floor (split + slice) {floor:.2f} s, "
        f"ratio {ours / floor:.2f}x (ours / floor), target < 5 s: "
        f"{'met' if ours < 5 else 'MISSED'}"
    )


# --- 2. CFONB 120 import into SQLite ------------------------------------------------------


def fresh_database(path: Path) -> None:
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        merchant = shops.create_merchant(session, "Bench SAS", actor="bench")
        shops.create_bank_account(session, merchant, iban=IBAN, label="bench", actor="bench")
    engine.dispose()


def import_file(data: bytes, path: Path) -> Any:
    engine = make_engine(f"sqlite:///{path}")
    with unit_of_work(make_session_factory(engine)) as session:
        report = statements.import_statement_file(
            session, data, filename="bench.txt", actor="bench"
        )
    engine.dispose()
    return report


def copy_rows(source: Path, table: str, target: sqlite3.Connection) -> tuple[str, list[Any]]:
    with sqlite3.connect(source) as connection:
        cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    marks = ", ".join("?" * len(columns))
    names = ", ".join(f'"{column}"' for column in columns)  # "references" is an SQL word
    return f"INSERT INTO {table} ({names}) VALUES ({marks})", rows


def bench_cfonb_import(data: bytes, count: int, folder: Path) -> None:
    template, ours_db, bare_db = folder / "t.db", folder / "ours.db", folder / "bare.db"
    fresh_database(template)
    shutil.copy(template, ours_db)
    ours, report = best_of(lambda: import_file(data, ours_db))
    assert report.imported == count, report.summary
    shutil.copy(template, bare_db)
    bare = sqlite3.connect(bare_db)
    for table in ("statement_file", "bank_statement"):
        sql, rows = copy_rows(ours_db, table, bare)
        bare.executemany(sql, rows)
    bare.commit()
    sql, rows = copy_rows(ours_db, "statement_entry", bare)

    def executemany() -> None:
        bare.executemany(sql, rows)
        bare.commit()

    baseline, _ = best_of(executemany)
    bare.close()
    print(
        f"CFONB 120 import into SQLite, {count:,} movements: ours {ours:.2f} s "
        f"({count / ours:,.0f} movements/s), bare executemany of its rows {baseline:.2f} s, "
        f"ratio {ours / baseline:.2f}x (ours / bare), target < 30 s: "
        f"{'met' if ours < 30 else 'MISSED'}"
    )


# --- 3. Side by side with the maintained Python parsers -----------------------------------


def _mt_amount(minor: int) -> str:
    return format_amount(abs(minor), "EUR").replace(".", ",")


def write_mt940(statements_: list[Statement]) -> bytes:
    out: list[str] = []
    for number, statement in enumerate(statements_, 1):
        opening, closing = statement.opening_balance, statement.closing_balance
        assert opening and closing and opening.date and closing.date
        out += [
            f":20:STMT{number}",
            f":25:{IBAN}",
            f":28C:{number}/1",
            f":60F:{'C' if opening.amount_minor >= 0 else 'D'}{opening.date:%y%m%d}EUR"
            f"{_mt_amount(opening.amount_minor)}",
        ]
        for entry in statement.entries:
            assert entry.value_date and entry.booking_date
            mark = "C" if entry.amount_minor > 0 else "D"
            out.append(
                f":61:{entry.value_date:%y%m%d}{entry.booking_date:%m%d}{mark}"
                f"{_mt_amount(entry.amount_minor)}NTRFNONREF//{entry.references['AcctSvcrRef']}"
            )
            out.append(f":86:/EREF/E2E{entry.record}/REMI/{entry.label}")
        out.append(
            f":62F:{'C' if closing.amount_minor >= 0 else 'D'}{closing.date:%y%m%d}EUR"
            f"{_mt_amount(closing.amount_minor)}"
        )
        out.append("-")
    return ("\r\n".join(out) + "\r\n").encode()


def write_ofx(statements_: list[Statement]) -> bytes:
    header = (
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\n"
        "ENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\n"
        "NEWFILEUID:NONE\r\n\r\n"
    )
    first, last = statements_[0], statements_[-1]
    assert first.opening_balance and last.closing_balance and first.opening_balance.date
    body = [
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        "<DTSERVER>20260301<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        f"<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>{BANK}<BRANCHID>{BRANCH}"
        f"<ACCTID>{NUMBER}<ACCTTYPE>CHECKING</BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>{first.opening_balance.date:%Y%m%d}"
        f"<DTEND>{last.closing_balance.date:%Y%m%d}"
    ]
    for statement in statements_:
        for entry in statement.entries:
            assert entry.booking_date
            amount = format_amount(entry.amount_minor, "EUR")
            body.append(
                f"<STMTTRN><TRNTYPE>{'CREDIT' if entry.amount_minor > 0 else 'DEBIT'}"
                f"<DTPOSTED>{entry.booking_date:%Y%m%d}<TRNAMT>{amount}"
                f"<FITID>{entry.references['AcctSvcrRef']}<NAME>{entry.label}"
                f"<MEMO>{entry.details[0].text}</STMTTRN>"
            )
    closing = format_amount(last.closing_balance.amount_minor, "EUR")
    body.append(
        f"</BANKTRANLIST><LEDGERBAL><BALAMT>{closing}"
        f"<DTASOF>{last.closing_balance.date:%Y%m%d}</LEDGERBAL></STMTRS>"
        "</STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    return (header + "\r\n".join(body) + "\r\n").encode("ascii")


def ours_count(data: bytes, format_: StatementFormat) -> int:
    return sum(len(statement.entries) for statement in parse(data, format_).statements)


def mt940_library(data: bytes) -> int:
    transactions = mt940.models.Transactions()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transactions.parse(data.decode())
    return len(transactions)


def pycamt_library(data: bytes) -> int:
    return len(Camt053Parser(data).get_transactions())


def ofxparse_library(data: bytes) -> int:
    ofx = OfxParser.parse(io.BytesIO(data))
    return sum(len(account.statement.transactions) for account in ofx.accounts)


def compare(
    name: str,
    data: bytes,
    format_: StatementFormat,
    library_name: str,
    library: Callable[[bytes], int],
    count: int,
) -> None:
    ours, ours_n = best_of(lambda: ours_count(data, format_), repeat=3)
    theirs, their_n = best_of(lambda: library(data), repeat=3)
    assert ours_n == their_n == count, (ours_n, their_n, count)
    line(f"{name}, {count:,} movements ({len(data) / 2**20:.1f} MiB)", ours, library_name, theirs)


def bench_side_by_side(count: int, camt_count: int) -> None:
    shared = movements(count, per_day=max(1, count // 20), camt=True)
    compare("MT940", write_mt940(shared), StatementFormat.MT940, "mt-940", mt940_library, count)
    compare("OFX 1.02", write_ofx(shared), StatementFormat.OFX, "ofxparse", ofxparse_library, count)
    camt = write_camt053(
        movements(camt_count, per_day=max(1, camt_count // 20), camt=True),
        version="001.02",
        message_id="BENCH",
        created_at=datetime.now(UTC),
    )
    compare("camt.053", camt, StatementFormat.CAMT053, "pycamt", pycamt_library, camt_count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=20_000)
    parser.add_argument(
        "--camt-compare",
        type=int,
        default=None,
        help="movements of the camt comparison (default: --compare)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = cfonb120.write(movements(args.movements, per_day=max(1, args.movements // 250)))
        bench_cfonb_parse(data, args.movements)
        bench_cfonb_import(data, args.movements, Path(tmp))
    bench_side_by_side(args.compare, args.camt_compare or args.compare)


if __name__ == "__main__":
    main()

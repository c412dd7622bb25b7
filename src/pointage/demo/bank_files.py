"""The demo bank's files: one CFONB 120 and one camt.053 per account and business day.

    <bank_dir>/<bank_code>-<account_number>/<YYYY-MM-DD>.cfonb120.txt
    <bank_dir>/<bank_code>-<account_number>/<YYYY-MM-DD>.camt053.xml
    <bank_dir>/ground-truth.json

Both files of a day carry the same movements: amounts, dates, labels, operation codes and
complements. The references differ as the formats do: CFONB 120 has its "numéro d'écriture"
and reference zones; camt.053 gives each entry the bank's own reference (AcctSvcrRef, unique
per booked line, so a line booked twice gets two), the CFONB entry number as NtryRef, the
CFONB reference as the EndToEndId of the entry's one transaction detail, and the LIB
complements joined as that detail's unstructured remittance information.

`render_bank` builds the bytes without touching the disk (the tests compare them);
`write_bank` puts them in the bank directory, replacing the files of an earlier demo there
and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from pointage.demo.bank_model import BankInput, BankRun, DayStatement
from pointage.demo.bank_truth import Place, ground_truth
from pointage.formats.statements import camt_write, cfonb120
from pointage.formats.statements.model import EntryDetail, Statement

GROUND_TRUTH = "ground-truth.json"
CAMT_VERSION = "001.08"
# The bank produces a day's statement in the evening, after its last booking run.
STATEMENT_TIME = time(19, 0)
# The files an earlier demo left in the bank directory: replaced, and nothing else touched.
_ACCOUNT_DIRECTORY = re.compile(r"^\d{5}-[0-9A-Z]{11}$")
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.(cfonb120\.txt|camt053\.xml)$")


@dataclass(frozen=True, slots=True)
class DayFiles:
    cfonb_path: str  # relative to the bank directory, with forward slashes
    cfonb: bytes
    camt_path: str
    camt: bytes


@dataclass(frozen=True, slots=True)
class RenderedBank:
    files: list[DayFiles]
    truth: dict[str, Any]

    @property
    def truth_bytes(self) -> bytes:
        return (json.dumps(self.truth, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render_bank(data: BankInput, run: BankRun) -> RenderedBank:
    files = []
    places: dict[int, Place] = {}
    for statement in run.statements:
        day_files = render_day(statement)
        for line, record in zip(statement.lines, entry_records(day_files.cfonb), strict=True):
            places[id(line)] = (day_files.cfonb_path, record, day_files.camt_path)
        files.append(day_files)
    return RenderedBank(files, ground_truth(data, run, places))


def render_day(statement: DayStatement) -> DayFiles:
    stem = f"{statement.account.directory}/{statement.day.isoformat()}"
    camt = camt_write.write_camt053(
        [camt_statement(statement)],
        version=CAMT_VERSION,
        message_id=f"DEMO{statement.identifier}",
        created_at=datetime.combine(statement.day, STATEMENT_TIME, tzinfo=UTC),
    )
    cfonb = cfonb120.write([statement.statement()])
    return DayFiles(f"{stem}.cfonb120.txt", cfonb, f"{stem}.camt053.xml", camt)


def camt_statement(statement: DayStatement) -> Statement:
    """The day's statement with its references said the camt.053 way (module docstring)."""
    model = statement.statement()
    for position, (entry, line) in enumerate(zip(model.entries, statement.lines, strict=True), 1):
        entry.references = {"AcctSvcrRef": f"{statement.identifier}{position:04d}"}
        if line.entry_number is not None:
            entry.references["NtryRef"] = line.entry_number
        text = " ".join(line.details) or None
        references = {"EndToEndId": line.reference} if line.reference else {}
        entry.details = (
            [EntryDetail(record=0, text=text, references=references)] if text or references else []
        )
    return model


def entry_records(cfonb: bytes) -> list[int]:
    """The record number of each 04 record, in order: its physical line, 1-based."""
    lines = cfonb.splitlines() if b"\n" in cfonb or b"\r" in cfonb else _chunks(cfonb)
    return [number for number, line in enumerate(lines, start=1) if line[:2] == b"04"]


def _chunks(data: bytes) -> list[bytes]:
    return [data[start : start + 120] for start in range(0, len(data), 120)]


def write_bank(rendered: RenderedBank, bank_dir: Path) -> None:
    """Write the files, after removing those an earlier demo left. Raises OSError."""
    bank_dir.mkdir(parents=True, exist_ok=True)
    _remove_earlier_demo(bank_dir)
    for day in rendered.files:
        for relative, content in ((day.cfonb_path, day.cfonb), (day.camt_path, day.camt)):
            path = bank_dir / relative
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(content)
    (bank_dir / GROUND_TRUTH).write_bytes(rendered.truth_bytes)


def _remove_earlier_demo(bank_dir: Path) -> None:
    for directory in bank_dir.iterdir():
        if not (directory.is_dir() and _ACCOUNT_DIRECTORY.match(directory.name)):
            continue
        for file in directory.iterdir():
            if file.is_file() and _DAY_FILE.match(file.name):
                file.unlink()
        if not any(directory.iterdir()):
            directory.rmdir()
    (bank_dir / GROUND_TRUTH).unlink(missing_ok=True)

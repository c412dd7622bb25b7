"""The gateway's transaction journal (journal des transactions, JT): the parser.

A journal is a text file of `;`-separated records, one per line (docs/formats/
transaction-journal.md describes it column by column):

    TITRE;<shop label>;<sent at, UTC, YY/MM/DD_hh:mm:ss>;<version>
    ENTETE;<column label>;<column label>;...
    TRANSACTION;<value>;<value>;...        (one per transaction, as many as ENTETE has)
    FIN;<number of TRANSACTION records>    (optional)

The ENTETE record names the columns, so their order is read from it and columns Pointage
does not use are ignored. Amounts are integer minor units of the currency, as the gateway
writes them (`vads_amount`): 1234 is 12.34 EUR.

`parse` yields plain records and errors as values; it never raises on bad content. It runs
over millions of lines, so each column is checked by a small converter written for speed
(string methods rather than regular expressions), and a row that fails the fast path is
checked again column by column to report every problem it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import NamedTuple, TypeVar

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.formats.journal_columns import (
    COLUMNS,
    CONVERTERS,
    LABELS,
    ValueRefused,
    card_brand,
    check_together,
    detailed_status,
    masked_card,
    operation_type,
    optional_amount,
    optional_day,
    optional_uuid,
    shop_id,
    text_12,
    text_20,
    text_64,
    text_80,
    transaction_id,
    utc_instant,
)
from pointage.formats.journal_columns import amount as to_amount
from pointage.formats.journal_columns import currency as to_currency
from pointage.formats.journal_columns import uuid as to_uuid

T = TypeVar("T")
SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class JournalTitle:
    """The TITRE record: which journal this is."""

    line: int
    shop_label: str
    sent_at: datetime
    version: str


class JournalRow(NamedTuple):
    """One TRANSACTION record. Amounts in minor units; `created_at` is a UTC instant.

    A NamedTuple rather than a frozen dataclass, for the same immutability at a fraction
    of the cost: a frozen dataclass sets each of its 18 fields through
    `object.__setattr__`, which made up a quarter of the parse time of a million rows.
    """

    line: int
    shop_id: str
    uuid: str
    transaction_id: str
    created_at: datetime
    operation_type: OperationType
    amount_minor: int
    original_amount_minor: int
    currency: str
    detailed_status: DetailedStatus
    order_id: str | None
    customer_reference: str | None
    card_brand: str | None
    card_masked: str | None
    authorisation_number: str | None
    expected_capture_date: date | None
    contract_number: str | None
    parent_uuid: str | None


@dataclass(frozen=True, slots=True)
class JournalError:
    """A problem at a place in the file. `column` is the ENTETE label, when one is at fault."""

    filename: str
    line: int
    message: str
    column: str | None = None
    position: int | None = None  # 1-based field number, the record type being field 1

    def __str__(self) -> str:
        if self.column is None:
            return f"{self.filename}:{self.line}: {self.message}"
        where = self.column if self.position is None else f"{self.column} (column {self.position})"
        return f"{self.filename}:{self.line}: {where}: {self.message}"


JournalItem = JournalTitle | JournalRow | JournalError


class _RowReader:
    """Reads TRANSACTION records laid out as one ENTETE record says."""

    def __init__(self, filename: str, labels: list[str]) -> None:
        self.filename = filename
        self.width = len(labels) + 1  # the record type is field 1
        # Absent columns point one past the last field, where `read` appends an empty value.
        position = {label: index + 1 for index, label in enumerate(labels)}
        self.pick = itemgetter(*(position.get(label, self.width) for label in LABELS))
        self.present = [(label, position[label]) for label in LABELS if label in position]
        self.instants: dict[str, datetime] = {}
        self.days: dict[str, date | None] = {}

    def read(self, fields: list[str], line: int) -> JournalRow:
        """The fast path: raises ValueRefused at the first problem; `diagnose` names them all."""
        fields.append("")
        (shop, uuid, tx_id, instant, kind_, amount_, original_, currency_, status, order,
         customer, brand, card, authorisation, day_, contract, parent_) = self.pick(fields)  # fmt: skip  # noqa: E501
        created = self.instants.get(instant) or _cached(self.instants, utc_instant, instant)
        day = self.days[day_] if day_ in self.days else _cached(self.days, optional_day, day_)
        amount, kind = to_amount(amount_), operation_type(kind_)
        original, parent = optional_amount(original_), optional_uuid(parent_)
        check_together(kind, amount, original, parent)
        return JournalRow(
            line,
            shop_id(shop),
            to_uuid(uuid),
            transaction_id(tx_id),
            created,
            kind,
            amount,
            amount if original is None else original,
            to_currency(currency_),
            detailed_status(status),
            (order or None) if len(order) <= 64 else text_64(order),
            (customer or None) if len(customer) <= 80 else text_80(customer),
            card_brand(brand),
            masked_card(card),
            (authorisation or None) if len(authorisation) <= 12 else text_12(authorisation),
            day,
            (contract or None) if len(contract) <= 20 else text_20(contract),
            parent,
        )

    def diagnose(self, fields: list[str], line: int) -> list[JournalError]:
        """Every problem of a row that failed the fast path, column by column."""
        errors: list[JournalError] = []
        values: dict[str, object] = {}
        required = {column.label for column in COLUMNS if column.required}
        for label, position in self.present:
            raw = fields[position]
            try:
                if not raw and label in required:
                    raise ValueRefused("a value is required")
                values[label] = CONVERTERS[label](raw)
            except ValueRefused as exc:
                errors.append(JournalError(self.filename, line, str(exc), label, position + 1))
        if errors:
            return errors
        try:
            check_together(
                values["TRANSACTION_TYPE"],  # type: ignore[arg-type]
                values["AMOUNT"],  # type: ignore[arg-type]
                values.get("ORIGINAL_AMOUNT"),  # type: ignore[arg-type]
                values.get("PARENT_TRANSACTION_UUID"),  # type: ignore[arg-type]
            )
        except ValueRefused as exc:
            return [JournalError(self.filename, line, str(exc))]
        return [JournalError(self.filename, line, "the record could not be read")]


def _cached(cache: dict[str, T], convert: Callable[[str], T], raw: str) -> T:
    # A day's journal repeats each second and each capture date many times: convert once.
    if len(cache) > 100_000:
        cache.clear()
    value = cache[raw] = convert(raw)
    return value


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), else Latin-1.

    A file that is not valid UTF-8 is read as Latin-1 as a whole, never line by line, so
    one journal never mixes two encodings. Latin-1 decodes any byte; the columns Pointage
    checks are ASCII, so a wrong guess can only alter free text (order or customer ids).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lines(data: bytes | Iterable[str]) -> Iterable[str]:
    if isinstance(data, bytes):
        # split("\n"), not splitlines(): Latin-1 text may hold \x85 or \x1c, which
        # splitlines() would take for line breaks and so shift every line number after.
        return decode(data).replace("\r\n", "\n").split("\n")
    return (line.rstrip("\r\n") for line in data)


def parse(data: bytes | Iterable[str], *, filename: str) -> Iterator[JournalItem]:
    """Yield the title, each transaction and each error of a journal, in file order.

    `data` is the file's bytes, or its lines already decoded. Blank lines are skipped.
    """
    state = _State(filename)
    for number, text in enumerate(_lines(data), 1):
        if not text:
            continue
        fields = text.split(SEPARATOR)
        reader = state.reader
        if fields[0] == "TRANSACTION" and reader is not None and state.fin_line is None:
            state.transactions += 1
            if len(fields) != reader.width:
                yield state.error(
                    number,
                    f"expected {reader.width} fields as the ENTETE record says, "
                    f"found {len(fields)}",
                )
                continue
            try:
                yield reader.read(fields, number)
            except ValueRefused:
                yield from reader.diagnose(fields, number)
            continue
        yield from state.record(number, fields)
    yield from state.finish()


class _State:
    """Where the parser is in the file: the records other than well-placed TRANSACTIONs."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.reader: _RowReader | None = None
        self.records = 0
        self.transactions = 0
        self.header_refused = False
        self.fin_line: int | None = None

    def error(self, line: int, message: str, column: str | None = None) -> JournalError:
        return JournalError(self.filename, line, message, column, 1 if column else None)

    def record(self, line: int, fields: list[str]) -> Iterator[JournalItem]:
        self.records += 1
        kind = fields[0]
        if self.records == 1 and kind != "TITRE":
            yield self.error(line, f"the file must begin with a TITRE record, not {kind[:20]!r}")
        if self.fin_line is not None:
            yield self.error(line, f"nothing may follow the FIN record of line {self.fin_line}")
        elif kind == "TITRE":
            yield self._title(line, fields)
        elif kind == "ENTETE":
            yield from self._header(line, fields)
        elif kind == "TRANSACTION":
            self.transactions += 1
            if not self.header_refused:
                yield self.error(line, "TRANSACTION record before the ENTETE record")
        elif kind == "FIN":
            yield from self._end(line, fields)
        else:
            yield self.error(
                line,
                f"unknown record type {kind[:20]!r} (expected TITRE, ENTETE, TRANSACTION or FIN)",
                "record type",
            )

    def _title(self, line: int, fields: list[str]) -> JournalItem:
        if self.records != 1:
            return self.error(line, "TITRE must be the first record of the file")
        if len(fields) != 4:
            return self.error(
                line, f"TITRE has 4 fields (TITRE;shop;sent at;version), found {len(fields)}"
            )
        try:
            sent_at = datetime.strptime(fields[2], "%y/%m/%d_%H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            return JournalError(
                self.filename, line, f"must be YY/MM/DD_hh:mm:ss, got {fields[2]!r}", "sent at", 3
            )
        return JournalTitle(line, fields[1], sent_at, fields[3])

    def _header(self, line: int, fields: list[str]) -> Iterator[JournalError]:
        if self.reader is not None or self.header_refused:
            yield self.error(line, "a journal has one ENTETE record; this is a second one")
            return
        labels = [label.strip() for label in fields[1:]]
        problems = [
            JournalError(self.filename, line, "this column is named twice", label, index + 2)
            for index, label in enumerate(labels)
            if label in LABELS and labels.index(label) != index
        ]
        problems += [
            self.error(line, f"required column {column.label} is missing")
            for column in COLUMNS
            if column.required and column.label not in labels
        ]
        if problems:
            self.header_refused = True  # its TRANSACTION records cannot be read: say it once
            yield from problems
        else:
            self.reader = _RowReader(self.filename, labels)

    def _end(self, line: int, fields: list[str]) -> Iterator[JournalError]:
        self.fin_line = line
        if len(fields) != 2 or not (fields[1].isascii() and fields[1].isdigit()):
            yield self.error(line, "FIN has 2 fields: FIN;<number of TRANSACTION records>")
        elif int(fields[1]) != self.transactions:
            yield self.error(
                line,
                f"FIN announces {int(fields[1])} TRANSACTION records, "
                f"the file has {self.transactions}; it may be truncated",
            )

    def finish(self) -> Iterator[JournalError]:
        if self.records == 0 and self.transactions == 0:
            yield self.error(1, "the file is empty: a journal begins with a TITRE record")
        elif self.reader is None and not self.header_refused:
            yield self.error(1, "no ENTETE record names the columns")

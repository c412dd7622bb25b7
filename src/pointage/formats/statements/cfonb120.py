"""CFONB 120: the French "relevé de compte 120 caractères" (ETEBAC 3 statements).

A file is a sequence of 120-character records, each starting with its code:

- 01 ancien solde: opens an account's statement with its opening balance;
- 04 mouvement: one movement (écriture) of that statement;
- 05 complément: more about the movement just before it (qualifier LIB, NPY, REF, RCN…);
- 07 nouveau solde: the closing balance; it closes the statement.

A file holds any number of statements, for several accounts and days. Text is latin-1 (or
UTF-8 when a file was re-saved so); files come with CRLF, LF or CR line ends, blank lines,
records whose trailing spaces were stripped, or no line break at all (records back to back
every 120 characters).

Record numbers (`record` of statements, entries, details and issues) are the physical line
numbers of the file, blank lines included, so that a person can open the file at that line;
a file without line breaks numbers its records 1, 2, 3… A line holding several records back
to back gives its number to each.

What the reader tolerates without a word: data in reserved zones, a blank currency on balance
records (the account's currency is taken from the statement's other records, else EUR), a
bank code that differs between the records of one statement. What it reports as issues and
reads around: see `docs/formats/cfonb120.md`. Lenient mode also reads a movement whose amount
is not in positions 91–104 when exactly one signed amount sits elsewhere after the dates and
the statement adds up with it.

Speed matters (a million movements in a few seconds): the well-formed 04 and 05 records go
through an inlined fast path in `_read`; anything unusual falls back to `Reader`, which
checks every zone and says what is wrong.

Modules: `cfonb120_lines` cuts the bytes into numbered records, `cfonb120_fields` reads
zones (amounts, dates, complements), `cfonb120_reader` is the careful path and the statement
structure, `cfonb120_write` writes statements back (re-exported here as `write`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pointage.core.gc_pause import cycle_collection_paused
from pointage.formats.statements.cfonb120_fields import (
    NEGATIVE,
    PLAIN_QUALIFIERS,
    SIGN_DIGITS,
)
from pointage.formats.statements.cfonb120_lines import records
from pointage.formats.statements.cfonb120_reader import Reader
from pointage.formats.statements.cfonb120_write import write
from pointage.formats.statements.model import (
    Entry,
    EntryDetail,
    ParseOptions,
    ParseResult,
    StatementFormat,
)

__all__ = ["parse", "write"]


def parse(data: bytes, options: ParseOptions) -> ParseResult:
    reader = Reader(options.lenient)
    with cycle_collection_paused():
        _read(records(data), reader)
        reader.finish()
    return ParseResult(StatementFormat.CFONB120, reader.statements, reader.issues)


def _read(records: Iterable[tuple[int, str]], reader: Reader) -> None:
    """The loop over every record, with the common 04 and 05 records read inline.

    One function on purpose: a million movements make every call and attribute lookup
    count. A record the fast path does not fully recognise (first use of a date, a field
    out of the ordinary, any other record code) goes to `reader.slow`, which reads it with
    every check and hands the state back.
    """
    moments, signs, negative = reader.moments, SIGN_DIGITS, NEGATIVE
    plain = {f"     {qualifier}": qualifier for qualifier in PLAIN_QUALIFIERS}  # zone 41–48
    entries, details, header, account_zone, currency = reader.fast_state()
    for number, line in records:
        code = line[:2]
        if code == "05":
            qualifier = plain.get(line[40:48])
            if qualifier is not None and details is not None:
                details.append(EntryDetail(number, qualifier, line[48:118].rstrip() or None))
                continue
        elif code == "04" and line[16:20] == header and line[21:32] == account_zone:
            digits = line[90:103]
            sign = line[103:104]
            if digits.isdigit():
                try:
                    moment = moments[line[32:48]]
                    amount = int(digits) * 10 + signs[sign]
                except (KeyError, ValueError):  # a new date, a bad sign, digits such as '²'
                    moment = None
                if moment is not None:
                    operation, booked, valued, rejection = moment
                    # The zones of REFERENCE_ZONES, unrolled; most are blank.
                    references = {}
                    value = line[7:11]
                    if value != "    " and (value := value.strip()):
                        references["internal_code"] = value
                    if rejection is not None:
                        references["rejection_code"] = rejection
                    value = line[81:88]
                    if value != "       " and (value := value.strip()):
                        references["entry_number"] = value
                    value = line[88:90]
                    if value != "  ":
                        if exemption := value[:1].strip():
                            references["commission_exemption"] = exemption
                        if value := value[1:].strip():
                            references["unavailability"] = value
                    value = line[104:120]
                    if value != "                " and (value := value.strip()):
                        references["reference"] = value
                    details = []
                    entries.append(
                        Entry(
                            number,
                            -amount if sign in negative else amount,
                            currency,
                            booked,
                            valued,
                            line[48:79].strip(),
                            operation,
                            references,
                            details,
                        )
                    )
                    continue
        elif not code:
            continue  # an empty line
        reader.slow(number, line, details)
        entries, details, header, account_zone, currency = reader.fast_state()

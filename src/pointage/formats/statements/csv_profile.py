"""CSV bank statements, read through a saved column-mapping profile, and that profile as data.

A bank's CSV export says nothing about itself: which column is the date, whether "1.234,56"
is a thousand, which account it is. A `CsvProfile` (model.py) says it once per bank, and is
saved (the app ring stores `profile_to_dict`; the CLI reads a JSON file through
`profile_from_dict`). docs/formats/csv.md describes every field.

Reading: the text is decoded with the profile's encoding, `skip_lines` title lines are
skipped, then the csv module splits rows on the profile's separator (quotes, separators and
line breaks inside quotes as usual). The file is one statement of `account_iban`, without
balances, with one entry per row. The record of an entry is the physical line its row
starts on. A row with a bad date or amount, or too short for a mapped column, is an issue
naming the line and the column, and is skipped; a header without a mapped column refuses the
whole file, since no row could be read right.

Amounts are read exactly from their text (never through a float): the profile's decimal mark,
an optional thousands separator (groups of three checked, so "12.50" is never read as 1,250
when "." separates thousands), a sign, or parentheses for a negative "(12.00)". In debit and
credit columns the column gives the sign: a debit is negative even when written "-12,00".
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
import time
from collections.abc import Iterator, Mapping
from datetime import date
from itertools import chain
from typing import Any

from pointage.core.errors import InvalidAmount, InvalidInput
from pointage.core.money import is_currency, to_minor
from pointage.formats.statements.model import (
    AccountId,
    CsvProfile,
    Entry,
    ParseIssue,
    ParseOptions,
    ParseResult,
    Statement,
    StatementFileError,
    StatementFormat,
)

_FIELDS = tuple(field.name for field in dataclasses.fields(CsvProfile))
_REQUIRED = ("name", "date_column", "label_column")
_COLUMNS = tuple(name for name in _FIELDS if name.endswith("_column"))
_FLAGS = ("decimal_comma", "has_header")
_MAX_SKIP_LINES = 1000
_SPACES = (" ", "\u00a0", "\u202f")  # a space separating thousands may be a no-break one
_THOUSANDS = ("", ".", ",", "'", *_SPACES)
_DIGITS = re.compile(r"[0-9]*")
_POSITION = re.compile(r"[1-9][0-9]{0,3}")


class _CellError(Exception):
    """A cell that cannot be read: the message says why, the row is skipped."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# --- reading a file --------------------------------------------------------------------


def parse(data: bytes, options: ParseOptions) -> ParseResult:
    """Read a CSV export with `options.csv_profile`. Raises `StatementFileError` only when
    the file cannot be read at all (no profile, wrong encoding, a mapped column missing)."""
    if options.csv_profile is None:
        raise StatementFileError("a CSV statement needs a column-mapping profile")
    try:
        profile = check_profile(options.csv_profile)
    except InvalidInput as error:
        raise StatementFileError(f"the CSV profile cannot be used: {error.message}") from None
    rows = _rows(_decode(data, profile), profile)
    first_line, header = next(rows, (profile.skip_lines + 1, []))
    columns = _Columns(profile, header if profile.has_header else None, first_line)
    statement = Statement(
        record=first_line,
        account=AccountId(iban=profile.account_iban, currency=profile.currency),
        opening_balance=None,
        closing_balance=None,
    )
    issues: list[ParseIssue] = []
    # Without a header, the first row read is already a movement.
    data_rows = rows if profile.has_header or not header else chain([(first_line, header)], rows)
    for line, row in data_rows:
        try:
            statement.entries.append(_entry(line, row, columns, profile))
        except _CellError as error:
            where = f"line {line}, column {columns.title(error.column)}"
            issues.append(ParseIssue(line, f"{where}: {error.message}; the row is skipped"))
    return ParseResult(StatementFormat.CSV, [statement], issues)


def _decode(data: bytes, profile: CsvProfile) -> str:
    if not data.strip():
        raise StatementFileError("the file is empty")
    codec = codecs.lookup(profile.encoding).name
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as error:
        raise StatementFileError(
            f"the file is not {profile.encoding} text, as the CSV profile {profile.name!r} "
            f"says (byte 0x{data[error.start]:02x}); the profile's encoding may be wrong",
            record=data.count(b"\n", 0, error.start) + 1,
        ) from None


def _rows(text: str, profile: CsvProfile) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, fields) for each row that is not blank, after the title
    lines. Line breaks are LF, CRLF or CR, also inside quoted fields."""
    stream = io.StringIO(text, newline="")
    for _ in range(profile.skip_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=profile.separator)
    while True:
        line = profile.skip_lines + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise StatementFileError(f"the row cannot be split: {error}", record=line) from None
        if any(field.strip() for field in row):
            yield line, row


class _Columns:
    """Where each mapped column is in a row: by header text, or by 1-based position."""

    def __init__(self, profile: CsvProfile, header: list[str] | None, line: int) -> None:
        self.names = header
        self.index: dict[str, int] = {}
        wanted = [(f, getattr(profile, f)) for f in _COLUMNS if getattr(profile, f) is not None]
        if header is None:
            self.index = {column: int(column) - 1 for _, column in wanted}
            return
        positions: dict[str, int] = {}
        for at, title in enumerate(header):
            positions.setdefault(title.strip().lstrip("\ufeff").casefold(), at)
        for field_name, column in wanted:
            position = positions.get(column.strip().casefold())
            if position is None:
                raise StatementFileError(
                    f"the header has no column {column!r}, which the CSV profile "
                    f"{profile.name!r} maps as {field_name}",
                    record=line,
                )
            self.index[column] = position

    def title(self, column: str) -> str:
        return repr(column) if self.names is not None else column  # "'Débit'" or "3"

    def cell(self, row: list[str], column: str) -> str:
        position = self.index[column]
        if position >= len(row):
            raise _CellError(column, f"missing (the row has {len(row)} fields)")
        return row[position].strip()


def _entry(line: int, row: list[str], columns: _Columns, profile: CsvProfile) -> Entry:
    currency = profile.currency
    if profile.currency_column is not None:
        currency = columns.cell(row, profile.currency_column).upper() or profile.currency
        if not is_currency(currency):
            raise _CellError(profile.currency_column, f"{currency!r} is not an ISO 4217 code")
    booking_date = _date(columns.cell(row, profile.date_column), profile, profile.date_column)
    value_date = booking_date
    if profile.value_date_column is not None:
        cell = columns.cell(row, profile.value_date_column)
        value_date = _date(cell, profile, profile.value_date_column) if cell else booking_date
    references = {}
    if profile.reference_column is not None:
        reference = columns.cell(row, profile.reference_column)
        if reference:
            references["reference"] = reference
    return Entry(
        record=line,
        amount_minor=_signed_amount(row, columns, profile, currency),
        currency=currency,
        booking_date=booking_date,
        value_date=value_date,
        # Line breaks inside a quoted label and runs of padding say nothing: one space.
        label=" ".join(columns.cell(row, profile.label_column).split()),
        references=references,
    )


def _date(cell: str, profile: CsvProfile, column: str) -> date:
    try:
        parsed = time.strptime(cell, profile.date_format)
    except ValueError:
        what = f"{cell!r} is not a date in the format {profile.date_format}"
        raise _CellError(column, what if cell else "the date is empty") from None
    return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)


def _signed_amount(row: list[str], columns: _Columns, profile: CsvProfile, currency: str) -> int:
    if profile.debit_column is None or profile.credit_column is None:
        column = profile.amount_column or ""  # check_profile made sure there is one
        return _minor(columns.cell(row, column), profile, currency, column)
    debit_cell = columns.cell(row, profile.debit_column)
    credit_cell = columns.cell(row, profile.credit_column)
    debit = abs(_minor(debit_cell, profile, currency, profile.debit_column)) if debit_cell else 0
    credit = (
        abs(_minor(credit_cell, profile, currency, profile.credit_column)) if credit_cell else 0
    )
    if not debit_cell and not credit_cell:
        raise _CellError(profile.debit_column, f"no amount, nor in {profile.credit_column!r}")
    if debit and credit:
        raise _CellError(
            profile.debit_column, f"a debit ({debit_cell}) and a credit ({credit_cell}) at once"
        )
    return credit - debit


def _minor(cell: str, profile: CsvProfile, currency: str, column: str) -> int:
    """The amount in a cell as exact minor units, or a _CellError naming the column."""
    text = _decimal_text(cell, profile)
    if text is None:
        raise _CellError(column, f"{cell!r} is not an amount" if cell else "the amount is empty")
    try:
        return to_minor(text, currency)
    except InvalidAmount as error:
        raise _CellError(column, f"{cell!r}: {error.message}") from None


def _decimal_text(cell: str, profile: CsvProfile) -> str | None:
    """'-1 234,56' -> '-1234.56' as the profile writes numbers; None if it is no amount."""
    text = cell.strip("".join(_SPACES))
    negative = text.startswith("(") and text.endswith(")")
    text = text[1:-1].strip() if negative else text
    sign = text[:1] if text[:1] in ("+", "-") else ""
    whole, _, fraction = text[len(sign) :].partition("," if profile.decimal_comma else ".")
    group = profile.thousands_separator
    marks = _SPACES if group in _SPACES else (group,)
    if group and any(mark in whole for mark in marks):
        for mark in marks:
            whole = whole.replace(mark, " ")
        if not re.fullmatch(r"[0-9]{1,3}(?: [0-9]{3})+", whole):
            return None
        whole = whole.replace(" ", "")
    if not (whole or fraction) or not _DIGITS.fullmatch(whole) or not _DIGITS.fullmatch(fraction):
        return None
    if negative and sign:
        return None  # "(-12.00)" says the sign twice
    return f"{'-' if negative else sign}{whole or '0'}.{fraction or '0'}"


# --- the profile as data -----------------------------------------------------------------


def profile_to_dict(profile: CsvProfile) -> dict[str, object]:
    """Every field by name, as JSON can hold it (strings, booleans, a number, nulls)."""
    return {name: getattr(profile, name) for name in _FIELDS}


def profile_from_dict(data: Mapping[str, object]) -> CsvProfile:
    """A checked profile from saved settings or a JSON file; InvalidInput naming the field
    otherwise. Fields left out take their default; null or "" leaves an optional one unset."""
    if not isinstance(data, Mapping):
        raise InvalidInput("a CSV profile is an object of named fields")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _FIELDS:
            raise InvalidInput(
                f"unknown CSV profile field {key!r}; the fields are {', '.join(_FIELDS)}",
                param=str(key),
            )
        values[key] = _typed(key, value)
    for key in _REQUIRED:
        if values.get(key) is None:
            raise InvalidInput(f"the CSV profile needs {key}", param=key)
    return check_profile(CsvProfile(**values))


def _typed(key: str, value: object) -> object:
    if key in _FLAGS:
        if not isinstance(value, bool):
            raise InvalidInput(f"{key} must be true or false", param=key)
        return value
    if key == "skip_lines":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"skip_lines must be a whole number, not {value!r}", param=key)
        return value
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be text, not {value!r}", param=key)
    if key in ("separator", "thousands_separator"):
        return value  # a space or a tab is a separator: nothing to trim
    return value.strip() or None


def check_profile(profile: CsvProfile) -> CsvProfile:
    """The profile, normalised (currency upper case, IBAN compact), or InvalidInput naming
    the first field that cannot work."""
    for key in _REQUIRED:
        if not str(getattr(profile, key) or "").strip():
            raise InvalidInput(f"the CSV profile needs {key}", param=key)
    _check_amount_columns(profile)
    if not 0 <= profile.skip_lines <= _MAX_SKIP_LINES:
        raise InvalidInput(
            f"skip_lines must be from 0 to {_MAX_SKIP_LINES}, not {profile.skip_lines}",
            param="skip_lines",
        )
    if not profile.has_header:
        for key in _COLUMNS:
            column = getattr(profile, key)
            if column is not None and not _POSITION.fullmatch(column):
                raise InvalidInput(
                    f"{key} must be a column number from 1 (the file has no header), "
                    f"not {column!r}",
                    param=key,
                )
    _check_text_settings(profile)
    currency = profile.currency.strip().upper()
    if not is_currency(currency):
        raise InvalidInput(
            f"currency {profile.currency!r} is not an ISO 4217 code", param="currency"
        )
    return dataclasses.replace(profile, currency=currency, account_iban=_iban(profile.account_iban))


def _check_amount_columns(profile: CsvProfile) -> None:
    debit, credit = profile.debit_column, profile.credit_column
    if profile.amount_column is not None and (debit is not None or credit is not None):
        raise InvalidInput(
            "set amount_column, or debit_column and credit_column, not both", param="amount_column"
        )
    if profile.amount_column is None and debit is None and credit is None:
        raise InvalidInput(
            "the CSV profile needs amount_column (one signed amount), or debit_column and "
            "credit_column",
            param="amount_column",
        )
    if (debit is None) != (credit is None):
        missing = "debit_column" if debit is None else "credit_column"
        raise InvalidInput(f"{missing} is needed with the other one", param=missing)


def _check_text_settings(profile: CsvProfile) -> None:
    separator = profile.separator
    if len(separator) != 1 or separator.isalnum() or separator in '"\r\n':
        raise InvalidInput(
            f"separator must be one character, not a letter, digit, quote or line break: "
            f"{separator!r}",
            param="separator",
        )
    try:
        "".encode(profile.encoding)
        b"".decode(profile.encoding)
    except (LookupError, ValueError):
        raise InvalidInput(
            f"encoding {profile.encoding!r} is not a text encoding (utf-8, latin-1, cp1252…)",
            param="encoding",
        ) from None
    _check_date_format(profile.date_format)
    if profile.thousands_separator not in _THOUSANDS:
        raise InvalidInput(
            f"thousands_separator must be empty, a space, '.', ',' or an apostrophe, not "
            f"{profile.thousands_separator!r}",
            param="thousands_separator",
        )
    if profile.thousands_separator == ("," if profile.decimal_comma else "."):
        raise InvalidInput(
            "thousands_separator cannot be the decimal mark", param="thousands_separator"
        )


def _check_date_format(date_format: str) -> None:
    """A day, a month and a year, and a format that reads back what it writes."""
    parts = {"day (%d)": ("%d",), "month (%m, %b, %B)": ("%m", "%b", "%B")}
    parts["year (%Y, %y)"] = ("%Y", "%y")
    for what, directives in parts.items():
        if not any(directive in date_format for directive in directives):
            raise InvalidInput(f"date_format {date_format!r} has no {what}", param="date_format")
    sample = date(2031, 12, 25)
    try:
        parsed = time.strptime(sample.strftime(date_format), date_format)
        readable = (parsed.tm_year, parsed.tm_mon, parsed.tm_mday) == (2031, 12, 25)
    except (ValueError, re.error):  # strptime compiles the format into a pattern
        readable = False
    if not readable:
        raise InvalidInput(
            f"date_format {date_format!r} does not read back the dates it writes",
            param="date_format",
        )


def _iban(value: str | None) -> str | None:
    if value is None:
        return None
    from schwifty import IBAN  # imported here: only a profile with an account needs it
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(value).compact)
    except SchwiftyException:
        raise InvalidInput(
            f"account_iban {value!r} is not a valid IBAN", param="account_iban"
        ) from None

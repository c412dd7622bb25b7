"""Bank statement formats: detection, parsing and writing, in the pure ring.

    result = parse(data)                      # detects the format from the content
    result = parse(data, StatementFormat.MT940)  # or forces one

Each format has its own module with `parse(data, options) -> ParseResult`; this module picks
one and adds the balance checks every format gets (`checks.balance_issues`).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from pointage.formats.statements.checks import balance_issues
from pointage.formats.statements.detect import detect_format
from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
)

__all__ = ["FORMAT_CHOICES", "detect_format", "parse", "parse_format_name"]

# Module of each format family; a family's parser tells the exact format (camt.053 or
# camt.054, MT940 or MT942) in its result.
_MODULES = {
    StatementFormat.CFONB120: "cfonb120",
    StatementFormat.CAMT052: "camt",
    StatementFormat.CAMT053: "camt",
    StatementFormat.CAMT054: "camt",
    StatementFormat.MT940: "mt940",
    StatementFormat.MT942: "mt940",
    StatementFormat.OFX: "ofx",
    StatementFormat.CSV: "csv_profile",
}
# What a user may pass to --format: the families, plus "camt" for any camt message.
FORMAT_CHOICES = (
    "cfonb120",
    "camt",
    "camt.052",
    "camt.053",
    "camt.054",
    "mt940",
    "mt942",
    "ofx",
    "csv",
)


def parse_format_name(name: str) -> StatementFormat:
    """The format a user named (`--format`, an upload field), or a clear error."""
    cleaned = name.strip().lower()
    if cleaned == "camt":
        return StatementFormat.CAMT053
    try:
        return StatementFormat(cleaned)
    except ValueError:
        raise StatementFileError(
            f"unknown statement format {name!r}; expected one of {', '.join(FORMAT_CHOICES)}"
        ) from None


def parse(
    data: bytes,
    format: StatementFormat | None = None,
    options: ParseOptions | None = None,
) -> ParseResult:
    """Read a bank file. Raises `StatementFileError` only when it cannot be read at all."""
    options = options or ParseOptions()
    if format is None:
        format = detect_format(data, csv_profile=options.csv_profile)
    parser: Callable[[bytes, ParseOptions], ParseResult] = import_module(
        f"{__name__}.{_MODULES[format]}"
    ).parse
    result = parser(data, options)
    for statement in result.statements:
        result.issues.extend(balance_issues(statement))
    return result

"""Report file names: the pattern a shop chooses, checked, and filled in.

A pattern may use only {journal} (JT, JO, JRB, JRI, REM), {shop} (the shop's name, upper
case ASCII letters, digits and underscores), {shop_id}, {period} (YYMMDD, or YYMMDD-YYMMDD
for several days) and {ext} (csv, xlsx). It must contain {period} and {ext}, so that two
periods or two formats never share a name, and no path separator, so that a name never
leaves its folder.
"""

from __future__ import annotations

import re
import string
import unicodedata

from pointage.core.errors import InvalidInput
from pointage.formats.journals.model import JournalKind
from pointage.report.models import ReportFormat
from pointage.report.service.periods import Period

DEFAULT_PATTERN = "{journal}_{shop}_{shop_id}_{period}.{ext}"
FIELDS = ("journal", "shop", "shop_id", "period", "ext")
REQUIRED_FIELDS = ("period", "ext")
MAX_PATTERN_LENGTH = 200
MAX_NAME_LENGTH = 255
SHOP_NAME_LENGTH = 40

JOURNAL_CODES = {
    JournalKind.JT: "JT",
    JournalKind.JO: "JO",
    JournalKind.JRB: "JRB",
    JournalKind.JRI: "JRI",
    JournalKind.REMITTANCES: "REM",
}

# Literal text around the fields: what is safe in a file name on every system we deliver to.
_LITERAL = re.compile(r"[A-Za-z0-9_.\- ]*")


def check_pattern(pattern: str, *, param: str = "filename_pattern") -> str:
    """The pattern, if it is one we can fill in safely; InvalidInput naming `param` if not."""
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidInput(f"must be 1 to {MAX_PATTERN_LENGTH} characters", param=param)
    if "/" in pattern or "\\" in pattern:
        raise InvalidInput("must not contain a path separator (/ or \\)", param=param)
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        raise InvalidInput("unbalanced braces: write fields as {name}", param=param) from None
    used = set()
    for literal, field, spec, conversion in parts:
        if not _LITERAL.fullmatch(literal):
            raise InvalidInput(
                "text around the fields may only be letters, digits, spaces, '_', '-' and '.'",
                param=param,
            )
        if field is None:
            continue
        if field not in FIELDS:
            raise InvalidInput(
                f"unknown field {{{field}}}; use {', '.join('{' + f + '}' for f in FIELDS)}",
                param=param,
            )
        if spec or conversion:
            raise InvalidInput(f"field {{{field}}} takes no format", param=param)
        used.add(field)
    missing = [field for field in REQUIRED_FIELDS if field not in used]
    if missing:
        raise InvalidInput(f"must contain {{{missing[0]}}}", param=param)
    if pattern.startswith((".", " ")) or pattern.endswith((".", " ")):
        raise InvalidInput("must not start or end with '.' or a space", param=param)
    return pattern


def file_safe(name: str, *, length: int = SHOP_NAME_LENGTH) -> str:
    """'Café des Arts' -> 'CAFE_DES_ARTS': upper case ASCII letters, digits, underscores."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Z0-9]+", "_", ascii_name.upper()).strip("_")
    return safe[:length].rstrip("_") or "SHOP"


def report_filename(
    pattern: str,
    *,
    kind: JournalKind,
    shop_name: str,
    shop_id: str,
    period: Period,
    fmt: ReportFormat,
) -> str:
    name = check_pattern(pattern).format(
        journal=JOURNAL_CODES[kind],
        shop=file_safe(shop_name),
        shop_id=shop_id,
        period=period.label,
        ext=fmt.value,
    )
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"the file name would be longer than {MAX_NAME_LENGTH} characters",
            param="filename_pattern",
        )
    return name

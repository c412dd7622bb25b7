"""SWIFT MT940 (customer statement) and MT942 (interim transaction report).

A file holds one or more messages, each optionally wrapped in a SWIFT envelope
(`{1:…}{2:…}{4:` … `-}`) and ended by a line starting with "-". A message is a sequence of
fields, each starting at the beginning of a line with its tag (`:61:`); the lines that follow
without a tag belong to that field. One statement runs from `:20:` to the next `:20:` or the
end of the message:

    :20: reference  :25: account  :28C: statement number
    :60F:/:60M: opening balance                  (MT940)   :34F: floor limit, :13D: time (MT942)
    :61: statement line, then :86: (and the non-SWIFT :NS:) details for it, repeated
    :90D:/:90C: number and sum of debits/credits (MT942)
    :62F:/:62M: closing balance  :64: :65: available balances (read over)

Provenance: `record` is the 1-based line number of a field's first line in the file.
Signs: C and RD (reversal of a debit) are credits, D and RC (reversal of a credit) debits;
RC/RD set `reversal`, the expected entries EC/ED of MT942 get the status PDNG. What each
field becomes, and what is an issue rather than an error, is in docs/formats/mt940.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pointage.core.gc_pause import cycle_collection_paused
from pointage.formats.statements.model import (
    ParseIssue,
    ParseOptions,
    ParseResult,
    Statement,
    StatementFileError,
    StatementFormat,
    StatementKind,
)
from pointage.formats.statements.mt940_draft import FIELD_NAMES, StatementDraft

_CONTROL = "".join(map(chr, range(32))) + "\x7f"
# Control characters at the ends of lines (tabs and spaces excepted: they may be content).
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])  # not \t \n \r
_CONTROL_AT_LINE_EDGES = re.compile(r"^[\x00-\x08\x0b-\x1f\x7f]+|[\x00-\x08\x0b-\x1f\x7f]+$", re.M)
_ENVELOPE_LINE = re.compile(r"^\{[^\n]*", re.M)
# The end of a message: "-", "-}" (envelope) or a bank's "-XXX"; never a line of content,
# which SWIFT forbids to start with a hyphen for that reason.
_END_OF_MESSAGE = re.compile(r"^-(?:\}|[A-Z]{0,4}[ \t]*$)", re.M | re.ASCII)
END = "-"  # the pseudo-tag the field reader gives for the end of a message
# Only known tags start a field: unknown ones (":26:" in a wrapped time of day, ":940:"
# above Rabobank files) are text. Longest first, so that 28C is not read as 28.
_TAGS = "|".join(sorted(FIELD_NAMES, key=len, reverse=True))
_FIELD_START = re.compile(rf"\n:({_TAGS}):")
_SPLIT_TAG = re.compile(rf"^:[ \t]*\n({_TAGS}):([^\n]*)", re.M)
# Fields that may come several times in a statement; every other one is read once.
_REPEATABLE = frozenset({"61", "86", "NS", "34F", "65"})
# Where a field stands in a statement; a field after one that should follow it is out
# of place. Variants of one field share a slot (28/28C, 60F/60M, 62F/62M).
_RANK = {
    "20": 0, "21": 1, "25": 2, "28": 3, "28C": 3, "34F": 4, "13D": 5, "60F": 5, "60M": 5,
    "61": 6, "86": 6, "NS": 6, "90D": 7, "90C": 7, "62F": 8, "62M": 8, "64": 9, "65": 10,
}  # fmt: skip
_SLOT = {"28": "28C", "60M": "60F", "62M": "62F"}


def parse(data: bytes, options: ParseOptions) -> ParseResult:
    """Read an MT940 or MT942 file. Raises `StatementFileError` when it holds no field of
    either message, or is empty."""
    text = decode(data)
    if not text.strip(_CONTROL + " "):
        raise StatementFileError("the file is empty")
    issues: list[ParseIssue] = []
    reader = _Reader(issues)
    with cycle_collection_paused():
        for tag, record, body in read_fields(text, issues):
            reader.feed(tag, record, body)
        statements = reader.finish()
    if not statements:
        raise StatementFileError(
            "not an MT940/MT942 file: no :20:, :25:, :60F:, :61: or other field of these "
            "messages at the start of any line"
        )
    interim = all(statement.kind is StatementKind.INTERIM for statement in statements)
    return ParseResult(
        StatementFormat.MT942 if interim else StatementFormat.MT940, statements, issues
    )


def decode(data: bytes) -> str:
    """UTF-8 when the bytes are UTF-8, otherwise latin-1 (which reads any byte); line
    breaks CRLF, LF or CR alike become LF; control characters around lines (mBank's
    SOH and ETX, a DOS end-of-file mark) are dropped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # Looking for them in the bytes is much faster than a regular expression on the text.
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        text = _CONTROL_AT_LINE_EDGES.sub("", text)
    return text


def read_fields(text: str, issues: list[ParseIssue]) -> Iterator[tuple[str, int, str]]:
    """(tag, line number, text) of each field: its text runs from after the tag to the end
    of its last line, continuation lines included, line breaks kept. Text outside any
    field (bank headers such as "ABNANL2A", "940") is read over; the end of a message
    gives the pseudo-field END.

    The file is cut at the tags by one regular expression rather than line by line, which
    is what makes big files fast; the rare repairs happen before, on the whole text."""
    parts = _FIELD_START.split("\n" + _repair(text, issues))
    line = parts[0].count("\n")  # every tag follows a line break, the first one too
    for tag, body in zip(parts[1::2], parts[2::2], strict=True):
        line += 1
        message_end = _END_OF_MESSAGE.search(body, body.find("\n") + 1) if "\n-" in body else None
        if message_end is None:
            yield tag, line, body.rstrip("\n")
        else:
            yield tag, line, body[: message_end.start()].rstrip("\n")
            yield END, line + body.count("\n", 0, message_end.start()), ""
        line += body.count("\n")


def _repair(text: str, issues: list[ParseIssue]) -> str:
    """What some files need before their fields can be found: SWIFT envelope headers, a
    tag wrapped after its first colon. Each rewrite keeps the number of lines, so that
    line numbers stay the file's."""
    if "{" in text:
        text = _ENVELOPE_LINE.sub(_open_envelope, text)
    if ":\n" in text:
        for match in _SPLIT_TAG.finditer(text):
            record = text.count("\n", 0, match.start()) + 1
            issues.append(ParseIssue(record, f"the tag :{match.group(1)}: is split over two lines"))
        text = _SPLIT_TAG.sub(r":\1:\2\n", text)
    return text


def _open_envelope(match: re.Match[str]) -> str:
    """A line of SWIFT headers ({1:…}{2:…}{4:) ends the message before it; text after
    "{4:" on the same line is the message's first line."""
    opened = match.group().find("{4:")
    rest = match.group()[opened + 3 :] if opened >= 0 else ""
    return rest if rest.strip() else "-"


class _Reader:
    """Puts fields into statements: a statement starts at :20:; a field of a statement
    met where none is open (a file that starts with :61:, a fragment) starts one without
    a reference, with an issue."""

    def __init__(self, issues: list[ParseIssue]) -> None:
        self.issues = issues
        self.statements: list[Statement] = []
        self.draft: StatementDraft | None = None
        self.in_entry = False  # the last field was :61: or one of its details
        self.rank = -1

    def feed(self, tag: str, record: int, body: str) -> None:
        if tag == END:
            self._close()
            return
        if tag == "20":
            self._close()
            self._open(record)
        elif self.draft is None:
            if tag == "NS":
                return  # a bank's own field outside any statement says nothing MT940
            self._open(record)
            self.issues.append(
                ParseIssue(
                    record,
                    f"field :{tag}: ({FIELD_NAMES[tag]}) comes before any :20: transaction "
                    "reference; read as the start of a statement",
                )
            )
        draft = self.draft
        assert draft is not None
        if tag in ("86", "NS"):
            if self.in_entry:
                draft.add_entry_detail(tag, record, body)
            # Otherwise it describes the whole statement, which the model has no place for.
            return
        slot = _SLOT.get(tag, tag)
        placed = self._in_place(draft, tag, slot, record)
        self.in_entry = placed and tag == "61"
        if placed:
            draft.add_field(tag, slot, record, body)

    def _in_place(self, draft: StatementDraft, tag: str, slot: str, record: int) -> bool:
        rank = _RANK[tag]
        problem = None
        if slot in draft.present and tag not in _REPEATABLE:
            problem = "a second time in the statement"
        elif rank < self.rank:
            problem = "after fields that should follow it"
        if problem is None:
            self.rank = max(self.rank, rank)
            return True
        self.issues.append(
            ParseIssue(record, f"field :{tag}: ({FIELD_NAMES[tag]}) comes {problem}; ignored")
        )
        return False

    def _open(self, record: int) -> None:
        self.draft = StatementDraft(record, self.issues)
        self.rank, self.in_entry = -1, False

    def _close(self) -> None:
        if self.draft is not None:
            self.statements.append(self.draft.finish())
        self.draft, self.in_entry = None, False

    def finish(self) -> list[Statement]:
        self._close()
        return self.statements


__all__ = ["END", "decode", "parse", "read_fields"]

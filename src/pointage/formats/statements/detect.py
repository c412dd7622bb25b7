"""Which format a bank file is in, from its first bytes (never from its name)."""

from __future__ import annotations

import re

from pointage.formats.statements.model import CsvProfile, StatementFileError, StatementFormat

_HEAD = 4096
_CAMT = re.compile(rb"camt\.05([234])|<(BkToCstmrStmt|BkToCstmrAcctRpt|BkToCstmrDbtCdtNtfctn)\b")
_CAMT_ROOTS = {b"BkToCstmrAcctRpt": b"2", b"BkToCstmrStmt": b"3", b"BkToCstmrDbtCdtNtfctn": b"4"}
_OFX = re.compile(rb"OFXHEADER\s*[:=]|<\?OFX\b|<OFX\s*>", re.IGNORECASE)
# A SWIFT block header, or the :20: transaction reference field at the start of a line.
_MT940 = re.compile(rb"(^|[\r\n])(\{1:|:\d\d[A-Z]?:)")
_MT942 = re.compile(rb"(^|[\r\n]):(13D|34F):")
_CFONB_RECORD = re.compile(rb"0[1457]\d{5}")


def detect_format(data: bytes, *, csv_profile: CsvProfile | None = None) -> StatementFormat:
    """Raises `StatementFileError` naming what was expected when nothing matches."""
    head = data[:_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if not head:
        raise StatementFileError("the file is empty")
    if csv_profile is not None:
        return StatementFormat.CSV
    if _OFX.search(head):
        return StatementFormat.OFX
    if head.startswith(b"<"):
        match = _CAMT.search(head)
        if match is None:
            raise StatementFileError(
                "XML file that is neither an ISO 20022 camt.052/053/054 message nor OFX"
            )
        kind: bytes = match.group(1) or _CAMT_ROOTS[match.group(2)]
        return StatementFormat(f"camt.05{kind.decode()}")
    if _CFONB_RECORD.match(head) and _looks_like_cfonb(head):
        return StatementFormat.CFONB120
    if _MT940.search(head):
        return StatementFormat.MT942 if _MT942.search(data) else StatementFormat.MT940
    raise StatementFileError(
        "unknown statement format: not CFONB 120, camt.052/053/054, MT940/MT942 or OFX "
        "(a CSV export needs a column-mapping profile)"
    )


def _looks_like_cfonb(head: bytes) -> bool:
    """A CFONB 120 file is records of 120 characters, with or without line breaks, each
    starting with its record code (01, 04, 05, 07) and the 5-digit bank code."""
    lines = [line for line in re.split(rb"\r\n|\r|\n", head) if line.strip()]
    if len(lines) == 1 and len(lines[0]) > 120:
        # No line breaks: records follow one another every 120 characters.
        return all(
            _CFONB_RECORD.match(lines[0], start)
            for start in range(0, min(len(lines[0]), 1200) - 119, 120)
        )
    return all(_CFONB_RECORD.match(line) for line in lines[:-1][:10]) and bool(lines)

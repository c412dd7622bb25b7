"""Signing and verifying webhook deliveries. Standard library only: merchants may copy this
file into their own code, or import it from the pointage package.

Each delivery carries the header

    Pointage-Signature: t=1767225600,v1=<64 hexadecimal characters>

where `t` is the Unix time of the sending and `v1` the hexadecimal HMAC-SHA256, keyed by the
endpoint's secret (`whsec_…`), of the bytes `"<t>.<body>"`: the timestamp, a dot, and the
request body exactly as received. While a secret is being rotated, the header carries one
`v1` per secret still valid; a receiver accepts the delivery if any of them matches.

Checking `t` against the clock refuses a delivery captured and replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

HEADER = "Pointage-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The delivery cannot be trusted; the message says why."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The hexadecimal v1 signature of `body` sent at `timestamp` (Unix seconds)."""
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def header_value(secrets: list[str], body: bytes, timestamp: int) -> str:
    """The `Pointage-Signature` header of a delivery signed with each of `secrets`."""
    signatures = ",".join(f"v1={sign(secret, body, timestamp)}" for secret in secrets)
    return f"t={int(timestamp)},{signatures}"


def parse_header(header: str | None) -> tuple[int, list[str]]:
    """The timestamp and the v1 signatures of a header; SignatureError if it is missing or
    malformed. Unknown schemes (a future v2) are ignored."""
    if header is None or not header.strip():
        raise SignatureError(f"the {HEADER} header is missing")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"the {HEADER} header is malformed: {part.strip()!r}")
        if key == "t":
            if not value.isdigit() or timestamp is not None:
                raise SignatureError(f"the {HEADER} header has a malformed timestamp")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.lower())
    if timestamp is None:
        raise SignatureError(f"the {HEADER} header has no timestamp (t=)")
    if not signatures:
        raise SignatureError(f"the {HEADER} header has no v1 signature")
    return timestamp, signatures


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | datetime | None = None,
) -> int:
    """Check a delivery: `body` as received (bytes, not re-encoded JSON), the value of its
    `Pointage-Signature` header, the endpoint's secret. Returns the signed timestamp;
    raises SignatureError when the header is missing or malformed, when the timestamp is
    more than `tolerance_seconds` away from `now` (Unix seconds or an aware datetime;
    default: the clock) in either direction, or when no v1 signature matches."""
    timestamp, signatures = parse_header(header)
    if now is None:
        current = time.time()
    elif isinstance(now, datetime):
        current = now.timestamp()
    else:
        current = float(now)
    if timestamp < current - tolerance_seconds:
        raise SignatureError(
            f"the signature's timestamp is too old ({int(current - timestamp)} s, "
            f"tolerance {tolerance_seconds} s): a replayed delivery?"
        )
    if timestamp > current + tolerance_seconds:
        raise SignatureError(
            f"the signature's timestamp is {int(timestamp - current)} s in the future "
            f"(tolerance {tolerance_seconds} s): check the clock"
        )
    expected = sign(secret, body, timestamp).encode("ascii")
    # compare_digest on bytes: a str with non-ASCII characters would raise TypeError.
    matched = False
    for candidate in signatures:
        given = candidate.encode("utf-8", "replace")
        matched = hmac.compare_digest(expected, given) or matched
    if not matched:
        raise SignatureError("no v1 signature matches: wrong secret, or the body was altered")
    return timestamp

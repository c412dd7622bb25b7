"""The engine's knobs, as one frozen value the app ring builds from its settings.

Remittance-number extraction is configurable per bank (code banque): each bank writes the
remittance number in its own place and shape, so a pattern is a regular expression with a
named group `number` (the remittance number) and, optionally, `contract` (the contract
number). Patterns of the bank are tried first, then the generic ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# What any bank may write: "REMISE CB 000123 7012345", "REM 000123", "RCB 000123"…
GENERIC_PATTERNS: tuple[str, ...] = (
    r"\bREM(?:ISES?)?\b\D{0,12}?(?<!\d)(?P<number>\d{1,9})(?!\d)(?:\s+(?P<contract>\d{5,15})\b)?",
)

# Chargebacks: the CFONB interbank code 38 (impayé carte), the ISO 20022 sub-family UPCT
# (unpaid card transaction), and labels banks use when the code says nothing.
CHARGEBACK_CODES: frozenset[str] = frozenset({"38", "PMNT/CCRD/UPCT"})
CHARGEBACK_LABELS: tuple[str, ...] = (r"\bIMPAYE", r"\bCHARGE ?BACK\b", r"\bRETOUR CARTE\b")
# Commission debits: CFONB 64 and ISO fee families, or their labels.
COMMISSION_CODES: frozenset[str] = frozenset({"64", "PMNT/CCRD/COMM", "ACMT/MDOP/COMM"})
COMMISSION_LABELS: tuple[str, ...] = (r"\bCOMMISSIONS?\b", r"\bFRAIS ACQUEREUR\b")


class PatternError(ValueError):
    """A configured extraction pattern is not usable; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EngineSettings:
    # A candidate is applied automatically only at or above this score, and only when it is
    # the unique best for both its bank line and its remittances.
    auto_threshold: int = 70
    # Blocking: a credit is looked for from this many business days before its expected
    # date to this many after (late credits are still found, and flagged).
    window_before_business_days: int = 2
    window_after_business_days: int = 10
    # Subset-sum bounds: at most this many remittances in one credit, chosen among at most
    # this many candidates of the same account and window.
    max_group_size: int = 12
    max_group_candidates: int = 30
    # One remittance paid by at most this many bank lines (split credit, credit + fee).
    max_split_entries: int = 3
    # Chargebacks are searched up to this many calendar days after the payment's remittance.
    chargeback_max_age_days: int = 540
    # Per bank code: compiled patterns tried before the generic ones.
    bank_patterns: Mapping[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    generic_patterns: tuple[re.Pattern[str], ...] = field(
        default_factory=lambda: tuple(re.compile(p) for p in GENERIC_PATTERNS)
    )
    chargeback_codes: frozenset[str] = CHARGEBACK_CODES
    chargeback_labels: tuple[re.Pattern[str], ...] = field(
        default_factory=lambda: tuple(re.compile(p) for p in CHARGEBACK_LABELS)
    )
    commission_codes: frozenset[str] = COMMISSION_CODES
    commission_labels: tuple[re.Pattern[str], ...] = field(
        default_factory=lambda: tuple(re.compile(p) for p in COMMISSION_LABELS)
    )

    def patterns_for(self, bank_code: str | None) -> tuple[re.Pattern[str], ...]:
        specific = self.bank_patterns.get(bank_code or "", ())
        return (*specific, *self.generic_patterns)


def compile_pattern(text: str, where: str) -> re.Pattern[str]:
    """A pattern checked for what the engine needs: it compiles and names `number`."""
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise PatternError(f"{where}: not a regular expression ({exc})") from None
    if "number" not in pattern.groupindex:
        raise PatternError(f"{where}: the pattern has no named group (?P<number>…)")
    unknown = set(pattern.groupindex) - {"number", "contract"}
    if unknown:
        raise PatternError(f"{where}: unknown named group(s) {', '.join(sorted(unknown))}")
    return pattern


def bank_patterns_from_json(text: str) -> dict[str, tuple[re.Pattern[str], ...]]:
    """Per-bank patterns from JSON: {"30004": ["REMISE CB (?P<number>\\\\d{6})", …], …}."""
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise PatternError(
            f"remittance patterns: not JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    if not isinstance(raw, dict):
        raise PatternError("remittance patterns: expected an object of bank code to patterns")
    compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
    for bank_code, patterns in raw.items():
        if not (isinstance(bank_code, str) and re.fullmatch(r"[0-9A-Z]{5}", bank_code)):
            raise PatternError(f"remittance patterns: {bank_code!r} is not a 5-character bank code")
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise PatternError(f"remittance patterns[{bank_code}]: expected a list of strings")
        compiled[bank_code] = tuple(
            compile_pattern(p, f"remittance patterns[{bank_code}][{i}]")
            for i, p in enumerate(patterns)
        )
    return compiled


DEFAULT_SETTINGS = EngineSettings()

"""Remittance and contract numbers read in a bank line (stage 1, normalise).

A line is read zone by zone (label, complements, references), in the normal form of
`text.normal`. Three readings, strongest first:
- the extraction patterns of the line's bank, then the generic ones (settings): each hit
  is a remittance number, with the contract number when the pattern captures one;
- the whole numbers of every zone (`text.whole_numbers`): a remittance or contract number
  counts only when it is a number of its own, never part of a longer one, so remittance
  12 is not in 000123 and not in the reference 240315000123.
Numbers are compared as integers: 000123, 0000123 and 123 are the same remittance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pointage.matching.evidence import failed, info, partial, passed
from pointage.matching.model import BankMovement, Criterion, ExpectedCredit
from pointage.matching.settings import EngineSettings
from pointage.matching.text import normal, whole_numbers

REFERENCE = "remittance_reference"
POINTS_NUMBER_AND_CONTRACT = 60
POINTS_NUMBER_ONLY = 35


@dataclass(frozen=True, slots=True)
class Hit:
    """A remittance number a pattern found, with the contract it captured, if any."""

    number: int
    contract: str | None
    zone: str  # the text it was found in, for the evidence


@dataclass(frozen=True, slots=True)
class LineText:
    """What a bank line says, read once per run."""

    zones: tuple[str, ...]  # label, complements, references; in normal form
    hits: tuple[Hit, ...]  # pattern readings, in pattern order
    hit_numbers: frozenset[int]  # the remittance numbers of `hits`
    numbers: frozenset[int]  # every whole number of every zone
    words: frozenset[str]  # every blank-separated word, for non-numeric contract numbers
    contracts: frozenset[int | str]  # keys of the run's contracts the line names

    def names_number(self, number: int) -> bool:
        return number in self.numbers or number in self.hit_numbers

    def names_contract(self, contract: str) -> bool:
        key = contract_key(contract)
        return key in self.contracts or key in self.numbers or key in self.words

    def zone_with(self, number: int) -> str:
        """The first zone naming `number`: what the evidence quotes."""
        for hit in self.hits:
            if hit.number == number:
                return hit.zone
        for zone in self.zones:
            if any(int(n) == number for n in whole_numbers(zone)):
                return zone
        return self.zones[0] if self.zones else ""


@lru_cache(maxsize=4096)
def contract_key(contract: str) -> int | str:
    """How a contract number is compared: as an integer when it is all digits."""
    text = normal(contract)
    return int(text) if text.isdigit() else text


def read_line(
    entry: BankMovement, settings: EngineSettings, contracts: frozenset[int | str] = frozenset()
) -> LineText:
    """Read `entry`; `contracts` are the keys (`contract_key`) of the run's contracts, so
    that the line knows which of them it names."""
    texts = [entry.label, *entry.details, *entry.references.values()]
    zones = tuple(zone for zone in (normal(text) for text in texts if text) if zone)
    hits = _pattern_hits(zones, settings.patterns_for(entry.bank_code))
    numbers = frozenset(int(n) for zone in zones for n in whole_numbers(zone))
    # Words matter only for contract numbers that are not all digits.
    words = (
        frozenset(w for zone in zones for w in zone.split(" "))
        if _has_words(contracts)
        else frozenset()
    )
    # A contract is named when written as a number or a word of its own, or when a pattern
    # captures it (a bank may glue it to the remittance number: "TLC 7012345000123").
    captured = {contract_key(hit.contract) for hit in hits if hit.contract}
    named = frozenset(numbers.intersection(contracts)) | words.intersection(contracts)
    named |= captured.intersection(contracts)
    hit_numbers = frozenset(hit.number for hit in hits)
    return LineText(zones, hits, hit_numbers, numbers, words, named)


@lru_cache(maxsize=64)
def _has_words(contracts: frozenset[int | str]) -> bool:
    """Whether some contract number is not all digits (then words must be compared)."""
    return any(isinstance(key, str) for key in contracts)


def _pattern_hits(zones: tuple[str, ...], patterns: tuple[re.Pattern[str], ...]) -> tuple[Hit, ...]:
    """The hits of the first pattern that finds anything, zone by zone: a bank's own pattern
    wins over the generic ones, so that they cannot add misreadings of its format."""
    for pattern in patterns:
        hits = []
        for zone in zones:
            for found in pattern.finditer(zone):
                number = found.group("number")
                if not number or not number.isdigit():
                    continue
                contract = found.groupdict().get("contract")
                hits.append(Hit(int(number), contract or None, zone))
        if hits:
            return tuple(hits)
    return ()


@dataclass(frozen=True, slots=True)
class ReferenceReading:
    criterion: Criterion
    names_other: str | None  # the line names another remittance or contract, not this one


def reference_criterion(line: LineText, remittance: ExpectedCredit) -> ReferenceReading:
    """Is the remittance named in the line, with its contract? (docs/matching.md)."""
    number = remittance.number
    contract = remittance.contract_number
    expected = f"remittance {number:06d} of contract {contract}"
    by_pattern = number in line.hit_numbers
    named = by_pattern or number in line.numbers
    contract_named = line.names_contract(contract)
    if named and contract_named:
        how = "" if by_pattern else "read from the whole numbers of the line"
        criterion = passed(
            REFERENCE, expected, line.zone_with(number), POINTS_NUMBER_AND_CONTRACT, how
        )
        return ReferenceReading(criterion, None)
    other_contract = None if contract_named else _other_contract(line, remittance)
    actual = line.zone_with(number) if named else (line.zones[0] if line.zones else "")
    if other_contract is not None:
        note = f"the line names contract {other_contract}, not {contract}"
        return ReferenceReading(failed(REFERENCE, expected, actual, note), note)
    if by_pattern:
        note = "remittance number found, no contract number in the line"
        return ReferenceReading(
            partial(REFERENCE, expected, actual, POINTS_NUMBER_ONLY, note), None
        )
    if line.hits and not named:
        listed = ", ".join(f"{other:06d}" for other in sorted(line.hit_numbers)[:3])
        note = f"the line names remittance {listed}"
        return ReferenceReading(failed(REFERENCE, expected, actual, note), note)
    if named:
        note = "the number appears alone, without its contract: not counted"
        return ReferenceReading(info(REFERENCE, expected, actual, note), None)
    return ReferenceReading(failed(REFERENCE, expected, actual, "not named in the line"), None)


def _other_contract(line: LineText, remittance: ExpectedCredit) -> str | None:
    """A contract the line names that is not the remittance's: captured by a pattern next
    to the remittance's number, or any contract of the run written in the line."""
    own = contract_key(remittance.contract_number)
    for hit in line.hits:
        if (
            hit.number == remittance.number
            and hit.contract is not None
            and contract_key(hit.contract) != own
        ):
            return hit.contract
    others = sorted(str(key) for key in line.contracts if key != own)
    return others[0] if others else None

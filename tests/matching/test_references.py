"""Remittance and contract numbers read in a bank line: patterns per bank, generic patterns,
whole numbers, and what the reference criterion makes of them."""

from __future__ import annotations

import pytest

from pointage.matching.model import Outcome
from pointage.matching.references import (
    POINTS_NUMBER_AND_CONTRACT,
    POINTS_NUMBER_ONLY,
    contract_key,
    read_line,
    reference_criterion,
)
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings, bank_patterns_from_json
from tests.matching.builders import CONTRACT, line, remittance

KNOWN = frozenset({contract_key(CONTRACT), contract_key("8023456")})


def read(
    label: str,
    *,
    details: tuple[str, ...] = (),
    settings: EngineSettings = DEFAULT_SETTINGS,
    references: dict[str, str] | None = None,
    bank: str | None = "30004",
):
    return read_line(
        line(1, 100_00, label, details=details, references=references, bank=bank), settings, KNOWN
    )


@pytest.mark.parametrize(
    ("label", "number", "contract"),
    [
        ("REMISE CB 000123 7012345", 123, "7012345"),
        ("REM CB USD 000045 7012345", 45, "7012345"),
        ("Remise  carte n° 000123", 123, None),
        ("RCB REM 77", 77, None),
    ],
)
def test_generic_patterns_read_the_number_and_the_contract(label, number, contract):
    text = read(label)
    assert [(hit.number, hit.contract) for hit in text.hits] == [(number, contract)]


def test_a_bank_pattern_is_tried_before_the_generic_ones():
    patterns = bank_patterns_from_json(
        '{"30004": ["CB(?P<contract>\\\\d{7})R(?P<number>\\\\d{6})"]}'
    )
    own = EngineSettings(bank_patterns=patterns)
    label = "TLC CB7012345R000123 REM 999"
    assert [hit.number for hit in read(label, settings=own).hits] == [123]
    assert [hit.number for hit in read(label).hits] == [999]  # generic only
    # Another bank's line is read with the generic patterns only.
    assert [hit.number for hit in read(label, settings=own, bank="30066").hits] == [999]


def test_whole_numbers_are_read_in_every_zone_and_never_inside_a_longer_number():
    text = read(
        "REMISES CB 3 REM 7012345",
        details=("REM 000012 000013",),
        references={"entry_number": "0000012", "reference": "260310000014"},
    )
    assert {3, 7012345, 12, 13} <= text.numbers
    assert 14 not in text.numbers  # only inside the 12-digit reference
    assert text.names_contract(CONTRACT)
    assert not text.names_contract("8023456")


def test_number_and_contract_named_pass():
    reading = reference_criterion(read("REMISE CB 000123 7012345"), remittance(1, 123))
    assert reading.criterion.outcome is Outcome.PASS
    assert reading.criterion.points == POINTS_NUMBER_AND_CONTRACT
    assert reading.names_other is None


def test_number_without_any_contract_is_partial():
    reading = reference_criterion(read("REMISE CB 000123"), remittance(1, 123))
    assert reading.criterion.outcome is Outcome.PARTIAL
    assert reading.criterion.points == POINTS_NUMBER_ONLY


def test_a_remittance_number_inside_another_number_is_not_named():
    reading = reference_criterion(read("REMISE CB 000123 7012345"), remittance(1, 12))
    assert reading.criterion.outcome is Outcome.FAIL
    assert reading.criterion.points == 0
    assert reading.names_other == "the line names remittance 000123"


def test_the_same_number_of_another_contract_fails_and_says_so():
    reading = reference_criterion(read("REMISE CB 000123 8023456"), remittance(1, 123))
    assert reading.criterion.outcome is Outcome.FAIL
    assert reading.names_other == "the line names contract 8023456, not 7012345"


def test_a_contract_captured_by_a_pattern_counts_even_when_unknown():
    reading = reference_criterion(read("REMISE CB 000123 5550001"), remittance(1, 123))
    assert reading.criterion.outcome is Outcome.FAIL
    assert reading.names_other is not None and "5550001" in reading.names_other


def test_a_number_alone_in_a_line_without_pattern_scores_nothing():
    reading = reference_criterion(read("VIR SEPA CLIENT 123"), remittance(1, 123))
    assert reading.criterion.outcome is Outcome.INFO
    assert reading.criterion.points == 0


def test_number_and_contract_read_from_whole_numbers_pass():
    # A bank writing the contract first, without the word REMISE: no pattern reads it.
    reading = reference_criterion(read("TLC 7012345 000123"), remittance(1, 123))
    assert reading.criterion.outcome is Outcome.PASS
    assert "whole numbers" in reading.criterion.note


def test_contract_numbers_compare_without_leading_zeros_and_words_when_not_digits():
    assert contract_key("0007012345") == contract_key("7012345")
    known = frozenset({contract_key("AB-12")})
    text = read_line(line(1, 1, "REMISE 000001 AB-12"), DEFAULT_SETTINGS, known)
    assert text.names_contract("ab-12")

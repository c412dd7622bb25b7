"""De-duplication keys and the JSON the bulk insert writes for entries."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pointage.formats.statements.json_view import detail_to_json
from pointage.formats.statements.model import EntryDetail
from pointage.statement.service.entries import (
    KeyMaker,
    details_json,
    references_json,
)
from tests.statement.builders import entry

DETAILS = [
    [],
    [EntryDetail(record=3, qualifier="LIB", text="REMISE CB 0042 CONTRAT 1234567")],
    [
        EntryDetail(record=4, qualifier=None, text=None, amount_minor=-1250),
        EntryDetail(record=5, qualifier="REF", text='« Société » "quoted" \\ tab\t', references={
            "EndToEndId": "E2E-1", "Prtry": "é",
        }),
    ],
]  # fmt: skip


@pytest.mark.parametrize("details", DETAILS)
def test_details_are_written_as_json_dumps_writes_the_json_view(details) -> None:
    text = details_json(details)

    assert text == json.dumps([detail_to_json(d) for d in details])
    assert json.loads(text) == [detail_to_json(d) for d in details]


@pytest.mark.parametrize(
    "references", [{}, {"entry_number": "0001234"}, {"AcctSvcrRef": 'é"x', "FITID": "1"}]
)
def test_references_are_written_as_json_dumps_writes_them(references) -> None:
    assert references_json(references) == json.dumps(references)


def test_identical_lines_get_successive_occurrences_and_other_lines_their_own() -> None:
    keys = KeyMaker()

    first, second = keys.key(1, entry(100)), keys.key(1, entry(100))
    other_account = keys.key(2, entry(100))
    other_day = keys.key(1, entry(100, day=date(2026, 3, 3)))

    assert first.startswith("fp:2026-03-02:") and len(first) == len("fp:2026-03-02:") + 64 + 2
    assert first.endswith(":1") and second.endswith(":2")
    assert first[:-2] == second[:-2]
    assert other_account.endswith(":1") and other_account[:-2] != first[:-2]
    assert other_day.startswith("fp:2026-03-03:") and other_day.endswith(":1")


@pytest.mark.parametrize(
    "change",
    [
        {"amount_minor": 101},
        {"label": "VIR SEPA AUTRE"},
        {"bank_operation_code": "18"},
        {"currency": "USD"},
        {"value_date": date(2026, 3, 5)},
        {"booking_date": None},
        {"references": {"entry_number": "0000002"}},
    ],
)
def test_every_field_of_the_fingerprint_tells_lines_apart(change) -> None:
    original = entry(100)
    changed = entry(100)
    for name, value in change.items():
        setattr(changed, name, value)

    assert KeyMaker().key(1, original) != KeyMaker().key(1, changed)


def test_references_in_another_order_give_the_same_fingerprint() -> None:
    one, two = entry(1), entry(1)
    one.references = {"a": "1", "b": "2"}
    two.references = {"b": "2", "a": "1"}

    assert KeyMaker().key(1, one) == KeyMaker().key(1, two)


def test_a_bank_reference_is_the_key_and_a_long_one_is_hashed() -> None:
    keys = KeyMaker()

    assert keys.key(1, entry(1, reference="2026030200042")) == "ref:2026030200042"
    long = keys.key(1, entry(1, reference="X" * 300))
    assert long.startswith("ref:sha256:") and len(long) == len("ref:sha256:") + 64

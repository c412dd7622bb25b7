"""The comparison of `pointage demo --verify` on hand-made truth and database facts."""

from __future__ import annotations

import json

import pytest

from pointage.core.errors import InvalidInput
from pointage.demo.verify import AutoMatch, DemoFacts, load_truth, report_lines, verify

FILE = "30004-00010123456/2026-03-03.cfonb120.txt"
CIC = "10278-00020123457/2026-03-03.cfonb120.txt"


def remittance(contract: str, number: int) -> dict:
    return {"contract_number": contract, "remittance_number": number}


def line(record: int, kind: str, amount: int, *, file: str = FILE, **extra) -> dict:
    return {
        "file": file,
        "record": record,
        "amount_minor": amount,
        "kind": kind,
        "remittances": extra.pop("remittances", []),
        "transaction": extra.pop("transaction", None),
        "commission": extra.pop("commission", None),
        **extra,
    }


def truth(*, anomalies=()) -> dict:
    return {
        "version": 1,
        "seed": 1,
        "first_day": "2026-03-02",
        "last_day": "2026-03-31",
        "lines": [
            line(2, "remittance_credit", 10_000, remittances=[remittance("7012345", 1)]),
            line(
                4,
                "grouped_remittance_credit",
                30_000,
                remittances=[remittance("7012345", 2), remittance("7012345", 3)],
            ),
            line(6, "remittance_credit", 10_000, remittances=[remittance("7012345", 4)]),
            line(7, "duplicate_line", 10_000),
            line(8, "unrelated", 10_000),
            line(
                2,
                "commission_debit",
                -500,
                file=CIC,
                commission={"remittances": [remittance("9351234567", 1)]},
            ),
            line(4, "chargeback", -4_200, file=CIC, transaction={"uuid": "a" * 32}),
        ],
        "anomalies": list(anomalies),
    }


def facts(*matches: AutoMatch, statuses=None, suggestions: int = 0) -> DemoFacts:
    stored = {(item["file"], item["record"]): item["amount_minor"] for item in truth()["lines"]}
    return DemoFacts(
        lines=stored,
        automatic=matches,
        open_suggestions=suggestions,
        statuses=statuses or {},
    )


def credit(match_id: int, record: int, *numbers: int, file: str = FILE) -> AutoMatch:
    return AutoMatch(
        match_id,
        "remittance_credit",
        frozenset({(file, record)}),
        credit_remittances=frozenset(("7012345", n) for n in numbers),
    )


RIGHT = (
    credit(1, 2, 1),
    AutoMatch(
        2,
        "grouped_credit",
        frozenset({(FILE, 4)}),
        credit_remittances=frozenset({("7012345", 2), ("7012345", 3)}),
    ),
    credit(3, 6, 4),
    AutoMatch(
        4,
        "commission_debit",
        frozenset({(CIC, 2)}),
        fee_remittances=frozenset({("9351234567", 1)}),
    ),
    AutoMatch(5, "chargeback", frozenset({(CIC, 4)}), chargebacks=frozenset({"a" * 32})),
)


def test_every_line_matched_as_the_truth_says_passes():
    result = verify(truth(), facts(*RIGHT, suggestions=2))
    assert result.passed, result.failures
    assert (result.automatic, result.correct, result.precision) == (5, 5, 1.0)
    assert (result.credits.total, result.credits.matched) == (3, 3)
    assert (result.commissions.total, result.commissions.matched) == (1, 1)
    assert (result.chargebacks.total, result.chargebacks.matched) == (1, 1)
    text = "\n".join(report_lines(truth(), result))
    assert "precision 100.00 %" in text
    assert "suggestions open: 2" in text
    assert "requirements met" in text


@pytest.mark.parametrize(
    ("wrong", "why"),
    [
        (credit(9, 8, 4), "is unrelated"),
        (credit(9, 7, 4), "is duplicate line"),
        (credit(9, 6, 1), "credits remittances 7012345/1, the bank's lines pay 7012345/4"),
        (credit(9, 4, 2), "7012345/2, the bank's lines pay 7012345/2, 7012345/3"),
        (
            AutoMatch(9, "commission_debit", frozenset({(CIC, 2)})),
            "covers the fees of none",
        ),
        (
            AutoMatch(9, "chargeback", frozenset({(CIC, 4)}), chargebacks=frozenset({"b" * 32})),
            "takes back " + "b" * 32,
        ),
        (credit(9, 99, 1), "is not a line of the demo bank"),
    ],
)
def test_a_wrong_automatic_match_lowers_precision_and_fails(wrong, why):
    right = [m for m in RIGHT if m.lines.isdisjoint(wrong.lines)]
    result = verify(truth(), facts(*right, wrong))
    assert [w.match_id for w in result.wrong] == [9]
    assert why in result.wrong[0].why
    assert result.precision == pytest.approx(len(right) / (len(right) + 1))
    assert not result.passed
    assert any(f.startswith("precision of automatic matches") for f in result.failures)
    assert "requirement NOT met: precision" in "\n".join(report_lines(truth(), result))


def test_a_wrongly_matched_credit_line_does_not_count_for_recall():
    result = verify(truth(), facts(*RIGHT[1:], credit(9, 2, 4)))
    assert (result.credits.total, result.credits.matched) == (3, 2)


def test_credit_recall_under_99_percent_fails_even_without_a_wrong_match():
    result = verify(truth(), facts(*RIGHT[1:]))
    assert result.wrong == ()
    assert result.credits.ratio == pytest.approx(2 / 3)
    assert result.failures == ("recall of remittance credits 66.67 %, required at least 99.00 %",)


def anomaly(kind: str, number: int, record: int | None) -> dict:
    return {
        "kind": kind,
        "contract_number": "7012345",
        "remittance_number": number,
        "file": FILE if record else None,
        "record": record,
    }


def test_an_anomaly_is_flagged_only_when_all_its_transactions_show_it():
    anomalies = [anomaly("missing", 5, None), anomaly("short", 1, 2), anomaly("late", 4, 6)]
    statuses = {
        ("7012345", 5): frozenset({"to_review"}),
        ("7012345", 1): frozenset({"anomaly"}),
        ("7012345", 4): frozenset({"anomaly", "reconciled"}),
    }
    result = verify(truth(anomalies=anomalies), facts(*RIGHT, statuses=statuses))
    assert [a.flagged for a in result.anomalies] == [True, True, False]
    assert result.failures == (
        "late anomaly of remittance 7012345/4 not flagged (anomaly, reconciled)",
    )
    text = "\n".join(report_lines(truth(anomalies=anomalies), result))
    assert "missing   contract 7012345 remittance 5 (no bank line): to_review: flagged" in text
    assert f"late      contract 7012345 remittance 4 ({FILE} record 6)" in text


def test_an_anomaly_of_a_remittance_without_transactions_is_not_flagged():
    result = verify(truth(anomalies=[anomaly("missing", 5, None)]), facts(*RIGHT))
    assert result.failures == (
        "missing anomaly of remittance 7012345/5 not flagged (no transactions)",
    )


def test_a_truth_of_another_demo_is_refused():
    other = facts(*RIGHT)
    stored = dict(other.lines)
    stored[(FILE, 2)] = 10_001
    with pytest.raises(InvalidInput, match=r"1 of its 7 bank lines .* \(first: .* record 2\)"):
        verify(truth(), DemoFacts(stored, other.automatic, 0, {}))


def test_no_automatic_match_at_all_has_no_precision_but_fails_recall():
    result = verify(truth(), facts())
    assert result.precision is None
    assert result.failures == ("recall of remittance credits 0.00 %, required at least 99.00 %",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no ground truth at"),
        (b"\xff\xfe", "not a demo ground truth"),
        (b"{not json", "not a demo ground truth"),
        (json.dumps({"version": 2, "lines": [], "anomalies": []}).encode(), "not a version 1"),
        (json.dumps({"version": 1}).encode(), "no lines or anomalies"),
    ],
)
def test_an_absent_or_unreadable_truth_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "ground-truth.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        load_truth(path)


def test_a_directory_instead_of_the_truth_is_one_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="cannot read"):
        load_truth(tmp_path)

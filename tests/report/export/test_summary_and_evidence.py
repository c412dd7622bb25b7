"""The pieces of the export that need no database: the age buckets in business days, the
signed totals, and the evidence text built from a match's stored criteria."""

from __future__ import annotations

from datetime import date

import pytest

from pointage.report.export.evidence import MAX_EVIDENCE_CHARS, evidence_text
from pointage.report.export.repository import MatchRow
from pointage.report.export.summary import Summary, age_bucket

# Friday 1 May 2026 is a bank holiday (Labour Day): Thu 30 April to Mon 4 May is 1 day.
THURSDAY = date(2026, 4, 30)


@pytest.mark.parametrize(
    ("age", "bucket"),
    [(None, "no expected date"), (-3, "not yet due"), (-1, "not yet due"), (0, "0–1"),
     (1, "0–1"), (2, "2–3"), (3, "2–3"), (4, "4–7"), (7, "4–7"), (8, "8+"), (400, "8+")],
)  # fmt: skip
def test_age_buckets(age, bucket):
    assert age_bucket(age) == bucket


@pytest.mark.parametrize(
    ("today", "bucket"),
    [
        (date(2026, 4, 29), "not yet due"),
        (THURSDAY, "0–1"),
        (date(2026, 5, 4), "0–1"),  # the holiday and the weekend are not business days
        (date(2026, 5, 5), "2–3"),
        (date(2026, 5, 7), "4–7"),
        # 8 May (Victory in Europe Day) and 14 May (Ascension Day) are holidays too.
        (date(2026, 5, 14), "4–7"),
        (date(2026, 5, 15), "8+"),
    ],
)
def test_ageing_counts_business_days_with_french_bank_holidays(today, bucket):
    summary = Summary(today)
    summary.add("pending", "EUR", "DEBIT", 1_000, THURSDAY)
    assert {key: (t.count, t.amount_minor) for key, t in summary.ageing.items()} == {
        (bucket, "EUR"): (1, 1_000)
    }


def test_totals_count_refunds_against_payments_and_verifications_for_nothing():
    summary = Summary(THURSDAY)
    summary.add("reconciled", "EUR", "DEBIT", 10_000, THURSDAY)
    summary.add("reconciled", "EUR", "CREDIT", 2_500, THURSDAY)
    summary.add("reconciled", "EUR", "VERIFICATION", 0, THURSDAY)
    summary.add("reconciled", "JPY", "DEBIT", 700, THURSDAY)
    summary.add("not_applicable", "EUR", "DEBIT", 999, None)
    totals = {key: (t.count, t.amount_minor) for key, t in summary.by_status.items()}
    assert totals == {
        ("reconciled", "EUR"): (3, 7_500),
        ("reconciled", "JPY"): (1, 700),
        ("not_applicable", "EUR"): (1, 999),
    }
    assert summary.lines == 5
    assert summary.currencies == ["EUR", "JPY"]
    assert dict(summary.ageing) == {}  # nothing awaits a credit


def match(**overrides):
    fields = {
        "id": 1,
        "rule": "remittance_credit",
        "origin": "engine",
        "score": 130,
        "evidence": [
            {"name": "remittance_reference", "expected": "remittance 000123 of contract 7012345",
             "actual": "000123 7012345", "outcome": "pass", "points": 60, "note": ""},
            {"name": "amount", "expected": "123.45 EUR (net)", "actual": "123.45 EUR",
             "outcome": "pass", "points": 40, "note": "net: the acquirer kept its fee"},
            {"name": "value_date", "expected": "2026-03-04", "actual": "2026-03-04",
             "outcome": "pass", "points": 30, "note": "on the expected date"},
        ],
        "difference_minor": 0,
        "anomaly": None,
        "comment": None,
    }  # fmt: skip
    fields.update(overrides)
    return MatchRow(**fields)


def test_evidence_text_of_an_automatic_match():
    assert evidence_text(match()) == (
        "remittance_credit, score 130: reference 000123 7012345 pass; amount net pass; "
        "value date pass"
    )


def test_evidence_text_names_who_decided_the_anomaly_and_the_comment():
    text = evidence_text(
        match(
            origin="confirmed",
            anomaly="credited 1.00 EUR less than expected",
            comment="the acquirer's rounding",
            evidence=[
                {
                    "name": "amount",
                    "expected": "70.00 EUR",
                    "actual": "69.00 EUR",
                    "outcome": "fail",
                    "points": 0,
                    "note": "",
                }
            ],
        )
    )
    assert text == (
        "remittance_credit (confirmed), score 130: amount fail; "
        "anomaly: credited 1.00 EUR less than expected; comment: the acquirer's rounding"
    )


def test_evidence_text_without_criteria_and_of_a_reference_not_found():
    assert evidence_text(match(evidence=[])) == "remittance_credit, score 130"
    missing = [{"name": "remittance_reference", "actual": "-", "outcome": "fail"}]
    assert evidence_text(match(evidence=missing)).endswith(": reference fail")


def test_evidence_text_is_kept_short():
    long = [{"name": f"criterion_{n}", "outcome": "pass"} for n in range(200)]
    text = evidence_text(match(evidence=long))
    assert len(text) == MAX_EVIDENCE_CHARS
    assert text.endswith("…")

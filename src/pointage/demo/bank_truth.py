"""The ground truth of the demo bank: what every bank line really is, as JSON.

The reconciliation engine is measured against it. Each line is named as a person finds it
in the bank's file: the CFONB 120 file (relative to the bank directory) and the record
number of its 04 record, as the CFONB parser numbers records (physical line, 1-based).
The schema is documented in docs/demo.md.
"""

from __future__ import annotations

from typing import Any

from pointage.demo.bank_model import (
    Anomaly,
    AnomalyKind,
    BankAccountInput,
    BankInput,
    BankLine,
    BankRun,
    Commission,
    PaymentInput,
    RemittanceInput,
    rate_text,
)

TRUTH_VERSION = 1
# Where each line is: (CFONB file relative to the bank directory, record of its 04, camt file).
Place = tuple[str, int, str]


def ground_truth(data: BankInput, run: BankRun, places: dict[int, Place]) -> dict[str, Any]:
    """The truth as a JSON-ready dict; `places` maps id(line) to where the line was written."""
    lines = [line for statement in run.statements for line in statement.lines]
    return {
        "version": TRUTH_VERSION,
        "seed": data.seed,
        "first_day": data.first_day.isoformat(),
        "last_day": data.last_day.isoformat(),
        "accounts": [_account(account) for account in data.accounts],
        "statements": len(run.statements),
        "lines": [_line(line, places) for line in lines],
        "uncredited_remittances": [
            {**_remittance(item.remittance), "reason": item.reason.value} for item in run.uncredited
        ],
        "anomalies": [
            _anomaly_summary(anomaly, remittance, lines, places)
            for anomaly, remittance in run.anomalies
        ],
    }


def _account(account: BankAccountInput) -> dict[str, Any]:
    return {
        "iban": account.iban,
        "bank_code": account.bank_code,
        "branch_code": account.branch_code,
        "account_number": account.account_number,
        "currency": account.currency,
        "directory": account.directory,
    }


def _line(line: BankLine, places: dict[int, Place]) -> dict[str, Any]:
    file, record, camt_file = places[id(line)]
    return {
        "file": file,
        "record": record,
        "camt_file": camt_file,
        "account_iban": line.account_iban,
        "booking_date": line.booking_date.isoformat(),
        "value_date": line.value_date.isoformat(),
        "amount_minor": line.amount_minor,
        "currency": line.currency,
        "label": line.label,
        "bank_operation_code": line.code,
        "entry_number": line.entry_number,
        "reference": line.reference,
        "kind": line.kind.value,
        "remittances": [
            {**_remittance(paid.remittance), "credited_amount_minor": paid.credited_minor}
            for paid in line.remittances
        ],
        "transaction": _transaction(line.transaction) if line.transaction else None,
        "fx": (
            {
                "original_amount_minor": line.fx.original_minor,
                "original_currency": line.fx.original_currency,
                "rate": rate_text(line.fx.rate_millionths),
            }
            if line.fx
            else None
        ),
        "commission": _commission(line.commission) if line.commission else None,
        "anomaly": _anomaly(line.anomaly, line, places) if line.anomaly else None,
    }


def _remittance(remittance: RemittanceInput) -> dict[str, Any]:
    return {
        "contract_number": remittance.contract_number,
        "remittance_number": remittance.number,
        "remittance_date": remittance.remittance_date.isoformat(),
        "currency": remittance.currency,
        "expected_amount_minor": remittance.expected_credit_minor,
        "expected_credit_date": remittance.expected_credit_date.isoformat(),
    }


def _transaction(payment: PaymentInput) -> dict[str, Any]:
    return {
        "uuid": payment.uuid,
        "transaction_id": payment.transaction_id,
        "order_id": payment.order_id,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "contract_number": payment.contract_number,
        "remittance_date": payment.remittance_date.isoformat(),
    }


def _commission(commission: Commission) -> dict[str, Any]:
    return {
        "contract_number": commission.contract_number,
        "month": commission.month,
        "rate": rate_text(commission.rate_millionths) if commission.rate_millionths else None,
        "remittances": [
            {
                "contract_number": part.remittance.contract_number,
                "remittance_number": part.remittance.number,
                "remittance_date": part.remittance.remittance_date.isoformat(),
                "currency": part.remittance.currency,
                "fee_minor": part.remittance.fee_minor,
                "fee_in_account_currency_minor": part.fee_in_account_currency_minor,
            }
            for part in commission.parts
        ],
    }


def _anomaly(anomaly: Anomaly, line: BankLine, places: dict[int, Place]) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": anomaly.kind.value}
    if anomaly.kind is AnomalyKind.SHORT:
        result["short_by_minor"] = anomaly.short_by_minor
    elif anomaly.kind is AnomalyKind.LATE:
        result["late_by_business_days"] = anomaly.late_by_business_days
    elif anomaly.kind is AnomalyKind.DUPLICATE:
        assert line.duplicate_of is not None
        result["duplicate_of_record"] = places[id(line.duplicate_of)][1]
    return result


def _anomaly_summary(
    anomaly: Anomaly, remittance: RemittanceInput, lines: list[BankLine], places: dict[int, Place]
) -> dict[str, Any]:
    """One injected anomaly, where to find it: the line that shows it (none for a missing
    credit), and the remittance concerned (for a duplicate, the one the copied line pays)."""
    shown = next((line for line in lines if line.anomaly is anomaly), None)
    file, record = (places[id(shown)][:2]) if shown is not None else (None, None)
    summary = (
        _anomaly(anomaly, shown, places) if shown is not None else {"kind": anomaly.kind.value}
    )
    return {
        **summary,
        "contract_number": remittance.contract_number,
        "remittance_number": remittance.number,
        "file": file,
        "record": record,
    }

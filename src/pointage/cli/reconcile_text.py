"""How `pointage reconcile` prints runs, explanations, suggestions and matches in a
terminal: one fact per line, indented by what it belongs to."""

from __future__ import annotations

from pointage.core.money import format_amount
from pointage.reconciliation.models import RunStatus
from pointage.reconciliation.service.explain_views import (
    CriterionView,
    EntryView,
    Explanation,
    MatchView,
    OpenReasonView,
    RemittanceView,
    SuggestionView,
)
from pointage.reconciliation.service.report import RunReport


def money(minor: int, currency: str) -> str:
    return f"{format_amount(minor, currency)} {currency}"


def run_line(report: RunReport) -> str:
    head = f"merchant {report.merchant_id}"
    if report.status is RunStatus.FAILED:
        return f"{head}: failed: {report.error}"
    name = "dry run" if report.run_id is None else f"run {report.run_id}"
    return (
        f"{head}: {name} as of {report.business_date.isoformat()}: "
        f"{report.matched} matched, {report.suggested} suggested, "
        f"{report.open_entries} open entries, {report.open_remittances} open remittances, "
        f"{report.to_review} to review"
    )


def explanation_lines(explained: Explanation) -> list[str]:
    tx = explained.transaction
    order = f"order {tx.order_id}, " if tx.order_id else ""
    lines = [
        f"transaction {tx.uuid} ({order}{tx.operation_type} "
        f"{money(tx.amount_minor, tx.currency)} of {tx.transaction_date.isoformat()}, "
        f"{tx.detailed_status})",
        f"  reconciliation: {tx.reconciliation_status}; dispute: {tx.dispute_flag}",
    ]
    if explained.remittance is not None:
        lines += remittance_lines(explained.remittance)
    if explained.credit_match is not None:
        lines.append("reconciled by")
        lines += [f"  {line}" for line in match_lines(explained.credit_match)]
    if explained.open_reason is not None:
        lines.append(open_line(explained.open_reason))
    for title, matches in (("also claimed by", explained.claims), ("undone", explained.history)):
        for match in matches:
            lines.append(title)
            lines += [f"  {line}" for line in match_lines(match)]
    for title, suggestions in (
        ("suggested", explained.open_suggestions),
        ("decided suggestion", explained.decided_suggestions),
    ):
        for suggestion in suggestions:
            lines.append(title)
            lines += [f"  {line}" for line in suggestion_lines(suggestion)]
    return lines


def remittance_lines(remittance: RemittanceView) -> list[str]:
    currency = remittance.currency
    return [
        f"remittance {remittance.id}: contract {remittance.contract_number} "
        f"no {remittance.number} of {remittance.remittance_date.isoformat()}, "
        f"{remittance.payment_count} payment(s), {remittance.refund_count} refund(s), "
        f"{remittance.settlement_mode} settlement",
        f"  gross {money(remittance.gross_minor, currency)}, refunds "
        f"{money(remittance.refunds_minor, currency)}, fee {money(remittance.fee_minor, currency)}"
        f", net {money(remittance.net_minor, currency)}",
        f"  expected credit {money(remittance.expected_credit_minor, currency)} on "
        f"{remittance.expected_credit_date.isoformat()}; to review from "
        f"{remittance.to_review_from.isoformat()} without it",
    ]


def match_line(match: MatchView) -> str:
    """One line: what a match is and what it claims."""
    claimed = [f"{len(match.entries)} bank entr{'y' if len(match.entries) == 1 else 'ies'}"]
    if match.remittances:
        claimed.append(f"remittance(s) {', '.join(str(r.id) for r in match.remittances)}")
    if match.transactions:
        claimed.append(f"transaction(s) {', '.join(t.uuid for t in match.transactions)}")
    currency = _currency(match)
    return (
        f"match {match.id} ({match.rule}, {match.origin} by {match.actor}): "
        f"{'; '.join(claimed)}; difference {money(match.difference_minor, currency)}"
    )


def match_lines(match: MatchView) -> list[str]:
    run = f", run {match.run_id}" if match.run_id is not None else ""
    lines = [
        f"match {match.id}: rule {match.rule}, {match.origin} by {match.actor}{run}, "
        f"{match.created_at.isoformat(timespec='seconds')}, score {match.score}",
        f"  difference {money(match.difference_minor, _currency(match))}, "
        f"{match.late_business_days} business day(s) late",
    ]
    if match.anomaly:
        lines.append(f"  anomaly: {match.anomaly}")
    if match.comment:
        lines.append(f"  comment: {match.comment}")
    if match.reversal is not None:
        reversal = match.reversal
        lines.append(
            f"  undone by {reversal.actor} on {reversal.at.isoformat(timespec='seconds')}: "
            f"{reversal.comment}"
        )
    for entry in match.entries:
        lines += entry_lines(entry)
    lines += [
        f"  remittance {r.id} ({r.role}): contract {r.contract_number} no {r.number} of "
        f"{r.remittance_date.isoformat()}, expected {money(r.expected_credit_minor, r.currency)}"
        for r in match.remittances
    ]
    lines += [
        f"  transaction {t.uuid} ({t.role}): {money(t.amount_minor, t.currency)}"
        for t in match.transactions
    ]
    if match.hidden_objects:
        lines.append(f"  and {match.hidden_objects} object(s) of other shops")
    lines += criteria_lines(match.criteria)
    return lines


def entry_lines(entry: EntryView) -> list[str]:
    role = f" ({entry.role})" if entry.role else ""
    day = entry.value_date or entry.booking_date
    lines = [
        f"  bank entry {entry.id}{role}: {day.isoformat() if day else '-'} "
        f"{money(entry.amount_minor, entry.currency)} {entry.label!r}",
        f"    {entry.filename} ({entry.format}) record {entry.record}",
    ]
    if entry.raw_line is not None:
        lines.append(f"    | {entry.raw_line}")
    return lines


def criteria_lines(criteria: list[CriterionView]) -> list[str]:
    if not criteria:
        return []
    width = max(len(c.name) for c in criteria)
    lines = ["  criteria:"]
    for c in criteria:
        note = f"  ({c.note})" if c.note else ""
        lines.append(
            f"    {c.outcome:<7} {c.name:<{width}}  expected {c.expected}, actual {c.actual}, "
            f"{c.points:+d} point(s){note}"
        )
    return lines


def suggestion_lines(suggestion: SuggestionView) -> list[str]:
    decided = ""
    if suggestion.decided_by:
        decided = f", {suggestion.status} by {suggestion.decided_by}"
        if suggestion.comment:
            decided += f": {suggestion.comment}"
    lines = [
        f"suggestion {suggestion.id} (rule {suggestion.rule}, score {suggestion.score}, "
        f"run {suggestion.run_id}{decided}): {suggestion.reason}"
    ]
    for entry in suggestion.entries:
        lines += entry_lines(entry)
    lines += [
        f"  remittance {r.id}: contract {r.contract_number} no {r.number} of "
        f"{r.remittance_date.isoformat()}, expected {money(r.expected_credit_minor, r.currency)}"
        f" on {r.expected_credit_date.isoformat()}"
        for r in suggestion.remittances
    ]
    lines += [
        f"  transaction {t.uuid}: {money(t.amount_minor, t.currency)}"
        for t in suggestion.transactions
    ]
    if suggestion.anomaly:
        lines.append(f"  anomaly: {suggestion.anomaly}")
    lines += criteria_lines(suggestion.criteria)
    return lines


def open_line(reason: OpenReasonView) -> str:
    run = ""
    if reason.run_id is not None and reason.run_business_date is not None:
        run = f" (run {reason.run_id} of {reason.run_business_date.isoformat()})"
    return f"open: {reason.reason}: {reason.detail}{run}"


def _currency(match: MatchView) -> str:
    """The currency differences are in: the bank account's (that of the entries)."""
    for entry in match.entries:
        return entry.currency
    for remittance in match.remittances:
        return remittance.currency
    for transaction in match.transactions:
        return transaction.currency
    return "EUR"

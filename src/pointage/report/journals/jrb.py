"""JRB, the reconciliation journal (journal de rapprochement bancaire): one line per
reconciled transaction whose credit match was made in the period (docs/formats/
reconciliation-journal.md).

A transaction's credit match is its own when a person reconciled it alone, else its
remittance's; the line appears in the journal of the shop's local day the match was made,
as long as the match is not undone. Its commission is the contract schedule's fee on the
payment, rounded per payment as the capture batch computed its remittance's fee, so that
the commissions of a remittance's lines add up to the remittance's fee.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy.orm import Session

from pointage.core.statuses import OperationType
from pointage.formats.journals.layouts_bank import JRB_LAYOUT
from pointage.formats.journals.model import JournalDocument
from pointage.remittance.service import fee_of_payments
from pointage.report.journals import queries_bank as queries
from pointage.report.journals.bank_lines import BankLine, by_match
from pointage.shop.models import Shop

# The gateway's words for the way the customer's money goes: DT debits the customer (a
# payment), CT credits them (a refund).
OPERATION_TYPES = {OperationType.DEBIT.value: "DT", OperationType.CREDIT.value: "CT"}
_NO_LINE = BankLine(None, None, "", None, None)


def produce(
    session: Session,
    shop: Shop,
    period_start: date,
    period_end: date,
    *,
    generated_at: datetime,
) -> JournalDocument:
    return JournalDocument(
        layout=JRB_LAYOUT,
        shop_label=shop.name,
        shop_id=shop.shop_id,
        generated_at=generated_at,
        period_start=period_start,
        period_end=period_end,
        rows=_rows(session, shop, queries.window(shop, period_start, period_end)),
    )


def _rows(session: Session, shop: Shop, span: queries.Window) -> Iterator[tuple[object, ...]]:
    lines = by_match(
        queries.entries_of(session, queries.matches_made_in(shop, span), queries.CREDIT)
    )
    corrections = queries.fee_corrections(session, shop, span)
    for row in queries.reconciled_rows(session, shop, span):
        commission = _commission(row, corrections)
        line = lines.get(row.match_id, _NO_LINE)
        yield (
            shop.shop_id,
            row.contract,
            row.transaction_date,
            row.uuid,
            row.transaction_id,
            row.order_id,
            OPERATION_TYPES.get(row.operation_type, row.operation_type),
            row.remittance_date,
            row.remittance_number,
            row.amount_minor,
            row.currency,
            row.reconciliation_status,
            _net(row, commission),
            commission,
            line.value_date,
            line.reference,
            line.label or None,
            row.rule,
            row.match_id,
            row.difference_minor,
            # Without a bank entry (a person's mark) the difference is nil, in the row's.
            line.currency or row.currency,
        )


def _commission(row: queries.AnyRow, corrections: dict[int, queries.FeeCorrection]) -> int | None:
    """The payment's fee per its contract's schedule (refunds bear none); None when the
    transaction has no contract to say it."""
    if row.operation_type != OperationType.DEBIT.value:
        return 0
    if row.fee_rate_bp is None:
        return None
    fee = fee_of_payments([(row.amount_minor, 1)], row.fee_rate_bp, row.fee_fixed_minor)
    correction = corrections.get(row.remittance_id)
    if correction is not None and correction.transaction_pk == row.transaction_pk:
        fee += correction.minor
    return fee


def _net(row: queries.AnyRow, commission: int | None) -> int | None:
    """What the line brings to its remittance's credit: a payment less its fee, a refund
    taken off."""
    if row.operation_type != OperationType.DEBIT.value:
        return -int(row.amount_minor)
    if commission is None:
        return None
    return int(row.amount_minor) - commission

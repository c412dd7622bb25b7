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
from functools import lru_cache

from sqlalchemy.orm import Session

from pointage.core.statuses import OperationType
from pointage.formats.journals.layouts_bank import JRB_LAYOUT
from pointage.formats.journals.model import JournalDocument
from pointage.remittance.service import fee_of_payments
from pointage.report.journals import queries_bank as queries
from pointage.report.journals import shop_document
from pointage.report.journals.bank_lines import NO_LINE, by_match
from pointage.shop.models import Shop

# The gateway's words for the way the customer's money goes: DT debits the customer (a
# payment), CT credits them (a refund).
OPERATION_TYPES = {OperationType.DEBIT.value: "DT", OperationType.CREDIT.value: "CT"}


def produce(
    session: Session,
    shop: Shop,
    period_start: date,
    period_end: date,
    *,
    generated_at: datetime,
) -> JournalDocument:
    return shop_document(
        JRB_LAYOUT,
        shop,
        period_start,
        period_end,
        generated_at,
        _rows(session, shop, queries.window(shop, period_start, period_end)),
    )


def _rows(session: Session, shop: Shop, span: queries.Window) -> Iterator[tuple[object, ...]]:
    lines = by_match(
        queries.entries_of(session, queries.matches_made_in(shop, span), queries.CREDIT)
    )
    corrections = queries.fee_corrections(session, shop, span)
    shop_id = shop.shop_id
    # Unpacked by position (the order of queries_bank._jrb_columns): a million rows.
    for (
        pk, contract, day, uuid, transaction_id, order_id, kind, remittance_id,
        remittance_date, remittance_number, amount, currency, status, rate, fixed,
        match_id, rule, difference,
    ) in queries.reconciled_rows(session, shop, span):  # fmt: skip
        commission, net = share(kind, amount, rate, fixed)
        correction = corrections.get(remittance_id) if corrections else None
        if correction is not None and correction.transaction_pk == pk:
            commission, net = corrected(commission, net, correction.minor)
        line = lines.get(match_id, NO_LINE)
        yield (
            shop_id, contract, day, uuid, transaction_id, order_id,
            OPERATION_TYPES.get(kind, kind), remittance_date, remittance_number, amount,
            currency, status, net, commission, line.value_date, line.reference,
            line.label or None, rule, match_id, difference,
            # Without a bank entry (a person's mark) the difference is nil, in the row's.
            line.currency or currency,
        )  # fmt: skip


@lru_cache(maxsize=65_536)
def share(
    kind: str, amount: int, rate_bp: int | None, fixed_minor: int | None
) -> tuple[int | None, int | None]:
    """(commission, net) of a line: a payment's fee per its contract's schedule, rounded as
    the capture batch rounds it, and the payment less it; a refund bears no fee and is
    taken off the credit. Without a contract to say the fee, neither is known. Cached:
    amounts repeat over a journal, and the fee is computed in decimal."""
    if kind != OperationType.DEBIT.value:
        return 0, -amount
    if rate_bp is None or fixed_minor is None:
        return None, None
    fee = fee_of_payments([(amount, 1)], rate_bp, fixed_minor)
    return fee, amount - fee


def corrected(commission: int | None, net: int | None, minor: int) -> tuple[int | None, int | None]:
    """A line that carries its remittance's fee correction."""
    if commission is None or net is None:
        return commission, net
    return commission + minor, net - minor

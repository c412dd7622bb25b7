"""What a reconciliation run reads and writes.

A run covers up to a million transactions, tens of thousands of remittances and bank
lines: everything is read with Core selects of tuples (no ORM object per row) and written
with one bulk statement per table (`db.bulk.insert_rows`, or one executemany), on the
session's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session, aliased

from pointage.core.statuses import DetailedStatus, OperationType, SettlementMode
from pointage.matching.model import (
    BankMovement,
    CardPayment,
    ChargebackClue,
    ExpectedCredit,
    FeeSchedule,
)
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    MatchEntry,
    MatchRemittance,
    Suggestion,
    SuggestionStatus,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import BankAccount, Contract, Shop
from pointage.statement.models import StatementEntry

CHUNK = 5_000  # bound parameters per IN (...), well under every driver's limit
# Payments are captured at most this many days after their creation (deferred capture):
# a chargeback's payment remitted since a day was created at most this long before it.
MAX_CAPTURE_DELAY = 366
# pg_advisory_xact_lock(namespace, merchant id): the namespace keeps these locks apart
# from any other advisory lock the application may take one day.
RUN_LOCK_NAMESPACE = 7_201


def chunks(ids: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def lock_merchant_runs(session: Session, merchant_id: int) -> None:
    """Serialise the runs of one merchant until the transaction ends. PostgreSQL takes an
    advisory lock; SQLite needs none: its writers already run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": RUN_LOCK_NAMESPACE, "key": merchant_id},
        )


# -- what the engine reads ------------------------------------------------------------------


def open_remittances(session: Session, merchant_id: int) -> list[ExpectedCredit]:
    """The merchant's remittances still awaiting their credit (nothing claims it, there is
    something to credit) or their fee debit (gross-settled contract, a fee, nothing claims
    it)."""
    credit = aliased(MatchRemittance)
    fee = aliased(MatchRemittance)
    awaiting_credit = and_(credit.id.is_(None), Remittance.expected_credit_minor != 0)
    awaiting_fee = and_(
        fee.id.is_(None),
        Contract.settlement_mode == SettlementMode.GROSS.value,
        Remittance.fee_minor > 0,
    )
    query = (
        select(
            Remittance.id,
            Contract.bank_account_id,
            BankAccount.currency,
            BankAccount.bank_code,
            Contract.number,
            Remittance.number,
            Remittance.remittance_date,
            Remittance.currency,
            Remittance.payment_count,
            Remittance.refund_count,
            Remittance.gross_minor,
            Remittance.refunds_minor,
            Remittance.fee_minor,
            Remittance.net_minor,
            Remittance.expected_credit_minor,
            Remittance.expected_credit_date,
            Contract.settlement_mode,
            Contract.fee_rate_bp,
            Contract.fee_fixed_minor,
            Contract.fee_tolerance_minor,
            Contract.grace_business_days,
            awaiting_credit,
            awaiting_fee,
        )
        .join(Shop, Shop.id == Remittance.shop_id)
        .join(Contract, Contract.id == Remittance.contract_id)
        .join(BankAccount, BankAccount.id == Contract.bank_account_id)
        .outerjoin(credit, _active_claim(credit, ClaimRole.CREDIT))
        .outerjoin(fee, _active_claim(fee, ClaimRole.FEE))
        .where(Shop.merchant_id == merchant_id, or_(awaiting_credit, awaiting_fee))
        .order_by(Remittance.id)
    )
    return [_expected_credit(row) for row in session.execute(query)]


def _active_claim(link: type[MatchRemittance], role: ClaimRole) -> Any:
    return and_(link.remittance_id == Remittance.id, link.active, link.role == role.value)


def _expected_credit(row: Any) -> ExpectedCredit:
    (id_, account_id, account_currency, bank_code, contract_number, number, remittance_date,
     currency, payment_count, refund_count, gross, refunds, fee, net, expected, expected_date,
     mode, rate_bp, fixed, tolerance, grace, awaiting_credit, awaiting_fee) = row  # fmt: skip
    return ExpectedCredit(
        id=id_,
        account_id=account_id,
        account_currency=account_currency,
        bank_code=bank_code,
        contract_number=contract_number,
        number=number,
        remittance_date=remittance_date,
        currency=currency,
        payment_count=payment_count,
        refund_count=refund_count,
        gross_minor=gross,
        refunds_minor=refunds,
        fee_minor=fee,
        net_minor=net,
        expected_credit_minor=expected,
        expected_credit_date=expected_date,
        settlement_mode=mode,
        fee_schedule=FeeSchedule(rate_bp, fixed, tolerance),
        grace_business_days=grace,
        awaiting_credit=bool(awaiting_credit),
        awaiting_fee_debit=bool(awaiting_fee),
    )


def unclaimed_entries(session: Session, merchant_id: int) -> tuple[list[BankMovement], list[int]]:
    """The merchant's statement entries no active match claims, as the engine reads them,
    and apart the ids of the reversal entries among them (a bank undoing an earlier
    movement: never matched automatically). An entry without any date cannot be placed in
    a window and is left out."""
    query = (
        select(
            StatementEntry.id,
            StatementEntry.bank_account_id,
            BankAccount.bank_code,
            StatementEntry.amount_minor,
            StatementEntry.currency,
            StatementEntry.value_date,
            StatementEntry.booking_date,
            StatementEntry.label,
            StatementEntry.bank_operation_code,
            StatementEntry.references,
            StatementEntry.details,
            StatementEntry.record,
            StatementEntry.file_id,
            StatementEntry.reversal,
        )
        .join(BankAccount, BankAccount.id == StatementEntry.bank_account_id)
        .outerjoin(MatchEntry, and_(MatchEntry.entry_id == StatementEntry.id, MatchEntry.active))
        .where(
            BankAccount.merchant_id == merchant_id,
            MatchEntry.id.is_(None),
            or_(StatementEntry.value_date.is_not(None), StatementEntry.booking_date.is_not(None)),
        )
        .order_by(StatementEntry.id)
    )
    movements: list[BankMovement] = []
    reversals: list[int] = []
    for row in session.execute(query):
        if row.reversal:
            reversals.append(row.id)
        else:
            movements.append(_movement(row))
    return movements, reversals


def _movement(row: Any) -> BankMovement:
    references = dict(row.references or {})
    texts: list[str] = []
    for detail in row.details or ():
        if detail.get("text"):
            texts.append(detail["text"])
        # A complement's own references (camt end-to-end id, OFX check number…) are
        # searched like the entry's; a name already used keeps the entry's value.
        for name, value in (detail.get("references") or {}).items():
            key = name if name not in references else f"{name}.{len(references)}"
            references[key] = value
    return BankMovement(
        id=row.id,
        account_id=row.bank_account_id,
        bank_code=row.bank_code,
        amount_minor=row.amount_minor,
        currency=row.currency,
        value_date=row.value_date or row.booking_date,
        booking_date=row.booking_date,
        label=row.label,
        bank_operation_code=row.bank_operation_code,
        references=references,
        details=tuple(texts),
        record=row.record,
        file_id=row.file_id,
    )


def chargeback_candidates(
    session: Session, merchant_id: int, clues: Sequence[ChargebackClue], max_age_days: int
) -> list[CardPayment]:
    """The captured payments of the merchant's shops a chargeback clue may point to: by
    order id or transaction id when the bank line gives one, by amount otherwise.

    Each lookup leads with what an index finds (the order id; the shop, date and
    transaction id of the unique key); the merchant, kind and status are checked on the
    rows found, so that no plan walks a million captured payments."""
    if not clues:
        return []
    oldest = min(clue.booked_on for clue in clues) - timedelta(days=max_age_days)
    shops = sorted(session.scalars(select(Shop.id).where(Shop.merchant_id == merchant_id)))
    base = (
        select(
            Transaction.id,
            Transaction.uuid,
            Contract.bank_account_id,
            Transaction.transaction_id,
            Transaction.order_id,
            Transaction.amount_minor,
            Transaction.currency,
            Transaction.card_masked,
            Contract.number,
            Remittance.remittance_date,
            Transaction.shop_id,
            Transaction.operation_type,
            Transaction.detailed_status,
        )
        .join(Remittance, Remittance.id == Transaction.remittance_id)
        .join(Contract, Contract.id == Remittance.contract_id)
    )
    found: dict[int, CardPayment] = {}
    collect = _Collector(set(shops), oldest, found)
    # Clues are in normal form (upper case): the order ids stored in upper or in lower case
    # are found through the index; a mixed-case one is found by transaction id or amount.
    orders = {oid for clue in clues for oid in clue.order_ids}
    for chunk in chunks(orders | {oid.lower() for oid in orders}):
        collect(session.execute(base.where(Transaction.order_id.in_(chunk))))
    # Transaction ids repeat from day to day: those already found with their order are
    # not looked for again.
    known = {payment.transaction_id for payment in found.values()}
    wanted = {tid for clue in clues for tid in clue.transaction_ids} - known
    for chunk in chunks(wanted):
        collect(
            session.execute(
                base.where(
                    Transaction.shop_id.in_(shops),
                    Transaction.transaction_date >= oldest - timedelta(days=MAX_CAPTURE_DELAY),
                    Transaction.transaction_id.in_(chunk),
                )
            )
        )
    blind = [clue for clue in clues if not clue.transaction_ids and not clue.order_ids]
    if blind:
        found.update(_by_amount(session, base, shops, oldest, blind))
    return [found[key] for key in sorted(found)]


def _by_amount(
    session: Session, base: Any, shops: list[int], oldest: date, blind: list[ChargebackClue]
) -> dict[int, CardPayment]:
    """The payments lines naming none may take back: same amount, currency and card, in
    one pass for all of them."""
    found: dict[int, CardPayment] = {}
    for chunk in chunks({clue.amount_minor for clue in blind}):
        by_amount: dict[int, CardPayment] = {}
        query = base.where(
            Transaction.shop_id.in_(shops),
            Transaction.amount_minor.in_(chunk),
            Transaction.operation_type == OperationType.DEBIT.value,
            Transaction.detailed_status == DetailedStatus.CAPTURED.value,
        )
        _Collector(set(shops), oldest, by_amount)(session.execute(query))
        for payment in by_amount.values():
            if any(_may_be(payment, clue) for clue in blind):
                found[payment.id] = payment
    return found


@dataclass(frozen=True, slots=True)
class _Collector:
    """Keeps the captured payments of the merchant's shops remitted since `oldest`."""

    shops: set[int]
    oldest: date
    into: dict[int, CardPayment]

    def __call__(self, rows: Iterable[Any]) -> None:
        for row in rows:
            (id_, uuid, account_id, transaction_id, order_id, amount, currency, masked,
             contract, remittance_date, shop_id, kind, status) = row  # fmt: skip
            if (
                shop_id not in self.shops
                or kind != OperationType.DEBIT.value
                or status != DetailedStatus.CAPTURED.value
                or remittance_date < self.oldest
            ):
                continue
            self.into[id_] = CardPayment(
                id=id_,
                uuid=uuid,
                account_id=account_id,
                transaction_id=transaction_id,
                order_id=order_id,
                amount_minor=amount,
                currency=currency,
                card_last4=masked[-4:] if masked else None,
                contract_number=contract,
                remittance_date=remittance_date,
            )


def _may_be(payment: CardPayment, clue: ChargebackClue) -> bool:
    return (
        payment.amount_minor == clue.amount_minor
        and payment.currency == clue.currency
        and payment.remittance_date <= clue.booked_on
        and (clue.card_last4 is None or payment.card_last4 == clue.card_last4)
    )


def unreconciled_remittance_ids(session: Session, merchant_id: int) -> set[int]:
    """The merchant's remittances no active credit match pays: their transactions' status
    may move (pending → to_review) with the date alone."""
    query = (
        select(Remittance.id)
        .join(Shop, Shop.id == Remittance.shop_id)
        .outerjoin(MatchRemittance, _active_claim(MatchRemittance, ClaimRole.CREDIT))
        .where(Shop.merchant_id == merchant_id, MatchRemittance.id.is_(None))
    )
    return set(session.scalars(query))


def rejected_claim_keys(session: Session, merchant_id: int) -> set[str]:
    query = select(Suggestion.claim_key).where(
        Suggestion.merchant_id == merchant_id,
        Suggestion.status == SuggestionStatus.REJECTED.value,
    )
    return set(session.scalars(query))


# -- who a run is for -------------------------------------------------------------------------


def merchants_with_contracts(session: Session) -> list[int]:
    query = (
        select(Shop.merchant_id)
        .join(Contract, Contract.shop_id == Shop.id)
        .group_by(Shop.merchant_id)
        .order_by(Shop.merchant_id)
    )
    return list(session.scalars(query))


def merchants_of_accounts(session: Session, account_ids: Collection[int]) -> list[int]:
    if not account_ids:
        return []
    query = (
        select(BankAccount.merchant_id)
        .where(BankAccount.id.in_(sorted(account_ids)))
        .group_by(BankAccount.merchant_id)
        .order_by(BankAccount.merchant_id)
    )
    return list(session.scalars(query))


def merchants_of_contracts(session: Session, contract_numbers: Collection[str]) -> dict[str, int]:
    """Contract number → its shop's merchant."""
    if not contract_numbers:
        return {}
    query = (
        select(Contract.number, Shop.merchant_id)
        .join(Shop, Shop.id == Contract.shop_id)
        .where(Contract.number.in_(sorted(contract_numbers)))
    )
    return {number: merchant_id for number, merchant_id in session.execute(query)}

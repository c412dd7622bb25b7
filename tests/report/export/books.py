"""The books the export tests read: two merchants' payments captured by the real batch, a
CFONB 120 statement imported, a reconciliation run of the real engine, and one payment
marked reconciled by hand.

Shop A (12345678), contract C12345678, credit two business days after each remittance:
- Mon 2 March, 100.00 + 50.00 EUR: credited exactly on Wed 4, `reconciled`; the bank takes
  the 100.00 back on Tue 10 (a chargeback): its dispute flag is `yes`;
- Tue 3 March, 70.00 EUR: credited 1.00 short on Thu 5: `anomaly`;
- Wed 4 March, 30.00 EUR: never credited, expected Fri 6: `to_review` on Wed 11;
- Thu 5 March, 20.00 EUR: expected Mon 9, not credited: still `pending` on Wed 11;
- Fri 6 March, 15.00 EUR: marked reconciled by a person without a bank entry;
- Mon 2 March, 12.00 USD: its own remittance, expected Wed 4, never credited: `to_review`;
- Mon 2 March, a refused payment of 99.00 EUR: never captured, `not_applicable`.
Shop B (87654321), another merchant: Mon 2 March, 40.00 EUR, not credited, and never
reconciled (its merchant had no run): `pending` as the batch left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus
from pointage.formats.statements.model import EntryDetail
from pointage.payment.models import Transaction
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.manual import mark_reconciled_without_entry
from pointage.reconciliation.service.run import run_reconciliation
from pointage.remittance.models import Remittance
from tests.factories import IBAN_BANK_B, ShopSetup, make_payment, make_shop
from tests.reconciliation.run_builders import (
    MONDAY,
    credit_line,
    import_lines,
    other_line,
    remittance_of,
    shop_with_contract,
)

SHOP_A, SHOP_B = "12345678", "87654321"
RUN_DAY = date(2026, 3, 11)  # the run's business day, and the export's "today"
STATEMENT = "releve.txt"


@dataclass
class Books:
    a: ShopSetup
    b: ShopSetup
    paid: Remittance
    short: Remittance
    missing: Remittance
    waiting: Remittance
    by_hand: Remittance
    dollars: Remittance
    refused: Transaction


def books(session: Session) -> Books:
    a = shop_with_contract(session, shop_id=SHOP_A)
    make_payment(  # captured with Monday's euro payments, into a remittance of its own
        session,
        a.shop,
        amount_minor=1_200,
        currency="USD",
        order_id="ORDER-USD-1",
        created_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )
    paid = remittance_of(session, a, MONDAY, [10_000, 5_000], tag="A")
    dollars = session.scalars(
        select(Remittance).where(
            Remittance.contract_id == a.contract.id, Remittance.currency == "USD"
        )
    ).one()
    short = remittance_of(session, a, MONDAY + timedelta(days=1), [7_000], tag="B")
    missing = remittance_of(session, a, MONDAY + timedelta(days=2), [3_000], tag="C")
    waiting = remittance_of(session, a, MONDAY + timedelta(days=3), [2_000], tag="D")
    by_hand = remittance_of(session, a, MONDAY + timedelta(days=4), [1_500], tag="E")
    refused = make_payment(
        session,
        a.shop,
        amount_minor=9_900,
        status=DetailedStatus.REFUSED,
        order_id="REFUSED-1",
        created_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
    )
    b = make_shop(session, shop_id=SHOP_B, iban=IBAN_BANK_B)
    remittance_of(session, b, MONDAY, [4_000], tag="Z")
    chargeback = other_line(-10_000, "IMPAYE CARTE XXXX0044", date(2026, 3, 10), code="38")
    chargeback.details = [EntryDetail(record=0, qualifier="LIB", text="CDE ORDER-A-2026-03-02-0")]
    contract = a.contract.number
    import_lines(
        session,
        a.merchant.id,
        [
            credit_line(paid, contract),
            credit_line(short, contract, amount=short.expected_credit_minor - 100),
            chargeback,
        ],
        name=STATEMENT,
    )
    run_reconciliation(
        session, merchant_id=a.merchant.id, trigger=RunTrigger.CLI, actor="test", today=RUN_DAY
    )
    mark_reconciled_without_entry(
        session,
        a.merchant.id,
        "test",
        "paid by cheque",
        remittance_id=by_hand.id,
        today=RUN_DAY,
    )
    session.commit()
    return Books(a, b, paid, short, missing, waiting, by_hand, dollars, refused)

"""A day of a shop's payments and of the merchant's operations on them, built with the real
services (ingestion, the capture batch, merchant operations), for the JT and JO tests.

The shop is in Paris (UTC+1 in March): its day of 2 March 2026 runs from 1 March 23:00 UTC
to 2 March 23:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, OperationSource, OperationType
from pointage.formats.journals.model import JournalDocument, JournalKind
from pointage.payment import service as payments
from pointage.payment.models import Transaction
from pointage.payment.service import Actor
from pointage.remittance.service import capture_contract
from pointage.report.journals import producer
from pointage.shop.models import Shop
from tests.factories import IBAN_BANK_B, ShopSetup, make_payment, make_shop

DAY = date(2026, 3, 2)
GENERATED = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
BACK_OFFICE = Actor("alice@boutique.fr", OperationSource.BACK_OFFICE)
API = Actor("api:12345678", OperationSource.API)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@dataclass
class Day:
    setup: ShopSetup
    captured: Transaction  # captured by the batch of 2 March, then refunded and duplicated
    deferred: Transaction  # authorised, capture requested for 5 March, then modified
    refused: Transaction
    early: Transaction  # 1 March 23:30 UTC: 2 March 00:30 in Paris
    late: Transaction  # 2 March 23:05 UTC: 3 March in Paris
    to_validate: Transaction  # validated from the back office
    cancelled: Transaction  # cancelled through the API just after midnight in Paris
    refund: Transaction
    duplicate: Transaction
    other_shop: Transaction

    @property
    def shop(self) -> Shop:
        return self.setup.shop


def build_day(session: Session) -> Day:
    setup = make_shop(session)
    shop = setup.shop
    captured = make_payment(session, shop, created_at=utc(2, 9, 15), order_id="CMD-1001")
    deferred = make_payment(
        session, shop, created_at=utc(2, 10), capture_date=date(2026, 3, 5), order_id="CMD-1002"
    )
    refused = make_payment(
        session, shop, status=DetailedStatus.REFUSED, created_at=utc(2, 11), order_id="CMD-1003"
    )
    early = make_payment(session, shop, created_at=utc(1, 23, 30), order_id="CMD-1000")
    to_validate = make_payment(
        session,
        shop,
        status=DetailedStatus.AUTHORISED_TO_VALIDATE,
        created_at=utc(2, 8),
        capture_date=date(2026, 3, 6),
        order_id="CMD-1004",
    )
    cancelled = make_payment(
        session, shop, created_at=utc(2, 12), capture_date=date(2026, 3, 6), order_id="CMD-1005"
    )
    late = make_payment(
        session,
        shop,
        amount_minor=0,
        operation_type=OperationType.VERIFICATION,
        status=DetailedStatus.ACCEPTED,
        created_at=utc(2, 23, 5),
        order_id=None,  # type: ignore[arg-type]
    )
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    other_shop = make_payment(session, other.shop, created_at=utc(2, 9, 30))

    # The merchant's day: validate, modify, the batch at 23:00 in Paris, then a refund and
    # a duplicate of the captured payment, and a cancellation after midnight.
    payments.validate(session, to_validate, BACK_OFFICE, comment="client connu", now=utc(2, 8, 30))
    payments.modify(
        session,
        shop,
        deferred,
        API,
        amount_minor=8_000,
        capture_date=date(2026, 3, 4),
        now=utc(2, 10, 30),
    )
    capture_contract(session, setup.contract.id, DAY)
    refund = payments.refund(
        session, shop, captured, BACK_OFFICE, amount_minor=2_500, now=utc(2, 22, 30)
    )
    duplicate = payments.duplicate(
        session, shop, captured, API, order_id="CMD-2001", now=utc(2, 22, 40)
    )
    payments.cancel(session, cancelled, API, comment="rupture; de stock\nà regret", now=utc(2, 23))
    session.flush()
    return Day(
        setup,
        captured,
        deferred,
        refused,
        early,
        late,
        to_validate,
        cancelled,
        refund,
        duplicate,
        other_shop,
    )


def journal(
    session: Session, kind: JournalKind, shop: Shop, start: date = DAY, end: date = DAY
) -> JournalDocument:
    return producer(kind)(session, shop, start, end, generated_at=GENERATED)


def rows_of(document: JournalDocument) -> list[dict[str, object]]:
    """The document's rows by column name."""
    names = [column.name for column in document.layout.columns]
    return [dict(zip(names, row, strict=True)) for row in document.rows]


DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats"


def documented_columns(page: str, *, after: str = "") -> list[tuple[str, str]]:
    """(CSV name, workbook title) of each row of the `| CSV name | workbook title | value |`
    table of docs/formats/<page>, from the heading `after` on."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found = []
    for line in text[text.index(after) :].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].isupper():
            found.append((cells[0].strip("`"), cells[1]))
    return found

"""Journal documents for the writers' tests: small, with every column type."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from pointage.formats.journals.model import Column, ColumnType, JournalDocument, JournalKind, Layout

GENERATED = datetime(2026, 3, 3, 1, 55, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)

# A layout with one column of each type and two total columns (an amount, an integer).
MIXED = Layout(
    kind=JournalKind.REMITTANCES,
    version="TEST_V1",
    record="LINE",
    has_fin=True,
    columns=(
        Column("LABEL", ColumnType.TEXT, "Label", width=30),
        Column("COUNT", ColumnType.INTEGER, "Count", total=True),
        Column("GROSS", ColumnType.AMOUNT, "Gross", currency_column="CURRENCY", total=True),
        Column("FEE", ColumnType.AMOUNT, "Fee", currency_column="CURRENCY"),
        Column("CURRENCY", ColumnType.CURRENCY, "Currency"),
        Column("DAY", ColumnType.DATE, "Day"),
        Column("AT", ColumnType.DATETIME, "At"),
    ),
)


def document(
    rows: Iterable[tuple[object, ...]],
    layout: Layout = MIXED,
    *,
    shop_label: str = "BOUTIQUE DEMO",
    period_end: date = DAY,
) -> JournalDocument:
    return JournalDocument(
        layout=layout,
        shop_label=shop_label,
        shop_id="12345678",
        generated_at=GENERATED,
        period_start=DAY,
        period_end=period_end,
        rows=iter(list(rows)),
    )

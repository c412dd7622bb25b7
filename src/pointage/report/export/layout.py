"""The columns of the export's Transactions sheet (docs/exports.md lists them)."""

from __future__ import annotations

from pointage.formats.journals.model import Column, ColumnType

TRANSACTIONS_SHEET = "Transactions"
SUMMARY_SHEET = "Summary"
SUMMARY_WIDTHS = (40, 40, 14, 18)

COLUMNS: tuple[Column, ...] = (
    Column("SHOP_ID", ColumnType.TEXT, "Shop", width=10),
    Column("ORDER_ID", ColumnType.TEXT, "Order", width=22),
    Column("TRANSACTION_UUID", ColumnType.TEXT, "Transaction UUID", width=34),
    Column("TRANSACTION_ID", ColumnType.TEXT, "Transaction id", width=14),
    Column("PAYMENT_DATE", ColumnType.DATE, "Payment date", width=12),
    Column("AMOUNT", ColumnType.AMOUNT, "Amount", currency_column="CURRENCY", width=14),
    Column("CURRENCY", ColumnType.CURRENCY, "Currency", width=9),
    Column("OPERATION_TYPE", ColumnType.TEXT, "Operation", width=11),
    Column("STATUS", ColumnType.TEXT, "Status", width=10),
    Column("CONTRACT", ColumnType.TEXT, "Contract", width=14),
    Column("REMITTANCE_NUMBER", ColumnType.INTEGER, "Remittance", width=11),
    Column("REMITTANCE_DATE", ColumnType.DATE, "Remittance date", width=15),
    Column("EXPECTED_CREDIT_DATE", ColumnType.DATE, "Expected credit", width=15),
    Column("CREDIT_DATE", ColumnType.DATE, "Credited on", width=12),
    Column("RECONCILIATION_STATUS", ColumnType.TEXT, "Reconciliation status", width=21),
    Column("DISPUTE", ColumnType.TEXT, "Dispute", width=8),
    Column("BANK_ENTRY", ColumnType.TEXT, "Bank entry", width=28),
    Column("BANK_LABEL", ColumnType.TEXT, "Bank label", width=36),
    Column(
        "DIFFERENCE",
        ColumnType.AMOUNT,
        "Difference",
        currency_column="DIFFERENCE_CURRENCY",
        width=12,
    ),
    Column("DIFFERENCE_CURRENCY", ColumnType.CURRENCY, "Difference currency", width=10),
    Column("EVIDENCE", ColumnType.TEXT, "Evidence", width=90),
)

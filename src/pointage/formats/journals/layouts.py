"""The layouts of the transaction journal (JT) and the operations journal (JO).

JT starts with the columns `pointage transactions import` reads, in the order
docs/formats/transaction-journal.md lists them, so that a journal written by Pointage is
also one it can import; the columns after them say what happened to the transaction since
(capture, remittance, reconciliation) and are ignored by the import.
"""

from __future__ import annotations

from pointage.formats.journals.model import Column, ColumnType, JournalKind, Layout

T = ColumnType

JT_LAYOUT = Layout(
    kind=JournalKind.JT,
    version="POINTAGE_JT_V1",
    record="TRANSACTION",
    has_fin=False,  # the gateway's transaction journal ends without a FIN record
    columns=(
        Column("SHOP_ID", T.TEXT, "Shop id", width=10),
        Column("TRANSACTION_UUID", T.TEXT, "Transaction UUID", width=34),
        Column("TRANSACTION_ID", T.TEXT, "Transaction id", width=10),
        Column("TRANSACTION_DATE", T.DATETIME, "Transaction date (UTC)"),
        Column("TRANSACTION_TYPE", T.TEXT, "Type", width=13),
        Column("AMOUNT", T.AMOUNT, "Amount", currency_column="CURRENCY", total=True),
        Column("ORIGINAL_AMOUNT", T.AMOUNT, "Original amount", currency_column="CURRENCY"),
        Column("CURRENCY", T.CURRENCY, "Currency"),
        Column("TRANSACTION_STATUS", T.TEXT, "Status", width=24),
        Column("ORDER_ID", T.TEXT, "Order id", width=20),
        Column("CUSTOMER_ID", T.TEXT, "Customer id", width=16),
        Column("CARD_TYPE", T.TEXT, "Card brand", width=12),
        Column("CARD_NUMBER", T.TEXT, "Card number", width=19),
        Column("AUTHORIZATION_NUMBER", T.TEXT, "Authorisation", width=13),
        Column("PRESENTATION_DATE", T.DATE, "Requested capture date"),
        Column("CONTRACT", T.TEXT, "Contract", width=14),
        Column("PARENT_TRANSACTION_UUID", T.TEXT, "Refunded payment UUID", width=34),
        # Not read by the import: the transaction's life after its creation.
        Column("CAPTURE_DATE", T.DATETIME, "Captured at (UTC)"),
        Column("REMITTANCE_NUMBER", T.INTEGER, "Remittance number"),
        Column("REMITTANCE_DATE", T.DATE, "Remittance date"),
        Column("RECONCILIATION_STATUS", T.TEXT, "Reconciliation", width=18),
        Column("DISPUTE", T.TEXT, "Dispute", width=8),
        Column("DUPLICATED_FROM_UUID", T.TEXT, "Duplicated from UUID", width=34),
    ),
)

JO_LAYOUT = Layout(
    kind=JournalKind.JO,
    version="POINTAGE_JO_V1",
    record="OPERATION",
    has_fin=True,
    columns=(
        Column("SHOP_ID", T.TEXT, "Shop id", width=10),
        Column("OPERATION_DATE", T.DATETIME, "Operation date (UTC)"),
        Column("OPERATION_TYPE", T.TEXT, "Operation", width=11),
        Column("SOURCE", T.TEXT, "Source", width=12),
        Column("USER", T.TEXT, "User", width=24),
        Column("TRANSACTION_UUID", T.TEXT, "Transaction UUID", width=34),
        Column("TRANSACTION_ID", T.TEXT, "Transaction id", width=10),
        Column("TRANSACTION_DATE", T.DATE, "Transaction day"),
        Column("ORDER_ID", T.TEXT, "Order id", width=20),
        Column("AMOUNT_BEFORE", T.AMOUNT, "Amount before", currency_column="CURRENCY"),
        Column("AMOUNT_AFTER", T.AMOUNT, "Amount after", currency_column="CURRENCY"),
        Column("CURRENCY", T.CURRENCY, "Currency"),
        Column("STATUS_BEFORE", T.TEXT, "Status before", width=24),
        Column("STATUS_AFTER", T.TEXT, "Status after", width=24),
        Column("PRESENTATION_DATE_BEFORE", T.DATE, "Capture date before"),
        Column("PRESENTATION_DATE_AFTER", T.DATE, "Capture date after"),
        Column("NEW_TRANSACTION_UUID", T.TEXT, "New transaction UUID", width=34),
        Column("NEW_TRANSACTION_ID", T.TEXT, "New transaction id", width=10),
        Column("COMMENT", T.TEXT, "Comment", width=40),
    ),
)

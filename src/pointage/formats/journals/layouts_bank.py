"""The layouts of the bank-side journals: reconciliation (JRB), chargebacks (JRI) and the
remittance journal (suivi des remises). Their columns are described one by one in
docs/formats/reconciliation-journal.md, chargeback-journal.md and remittance-journal.md.

Amounts are minor units of the row's CURRENCY. GROSS_AMOUNT and AMOUNT are the
transaction's amount as the gateway writes it (never negative: OPERATION_TYPE says which
way the money goes); the JRB's NET_AMOUNT is signed, what the line brings to its
remittance's credit, so that the lines of a remittance add up to its net. A match's
DIFFERENCE is in the currency of its bank entries (the account's), DIFFERENCE_CURRENCY,
which is not the row's CURRENCY when a remittance was credited converted.
"""

from __future__ import annotations

from pointage.formats.journals.model import Column, ColumnType, JournalKind, Layout

T = ColumnType

# The payment a line of the reconciliation or chargeback journal is about.
_PAYMENT = (
    Column("SHOP_ID", T.TEXT, "Shop id", width=10),
    Column("CONTRACT", T.TEXT, "Contract", width=14),
    Column("PAYMENT_DATE", T.DATE, "Payment day"),
    Column("TRANSACTION_UUID", T.TEXT, "Transaction UUID", width=34),
    Column("TRANSACTION_ID", T.TEXT, "Transaction id", width=10),
    Column("ORDER_ID", T.TEXT, "Order id", width=20),
)

JRB_LAYOUT = Layout(
    kind=JournalKind.JRB,
    version="POINTAGE_JRB_V1",
    record="MATCHING",
    has_fin=True,
    columns=(
        *_PAYMENT,
        Column("OPERATION_TYPE", T.TEXT, "DT/CT", width=7),
        Column("REMITTANCE_DATE", T.DATE, "Remittance date"),
        Column("REMITTANCE_NUMBER", T.INTEGER, "Remittance number"),
        Column("GROSS_AMOUNT", T.AMOUNT, "Gross amount", currency_column="CURRENCY"),
        Column("CURRENCY", T.CURRENCY, "Currency"),
        Column("MATCH_STATUS", T.TEXT, "Reconciliation", width=18),
        Column("NET_AMOUNT", T.AMOUNT, "Net amount", currency_column="CURRENCY", total=True),
        Column("COMMISSION", T.AMOUNT, "Commission", currency_column="CURRENCY", total=True),
        Column("CREDIT_DATE", T.DATE, "Credit value date"),
        Column("BANK_REFERENCE", T.TEXT, "Bank reference", width=20),
        Column("BANK_LABEL", T.TEXT, "Bank label", width=40),
        Column("MATCH_RULE", T.TEXT, "Rule", width=20),
        Column("MATCH_ID", T.INTEGER, "Match id"),
        Column("DIFFERENCE", T.AMOUNT, "Match difference", currency_column="DIFFERENCE_CURRENCY"),
        Column("DIFFERENCE_CURRENCY", T.CURRENCY, "Difference currency"),
    ),
)

JRI_LAYOUT = Layout(
    kind=JournalKind.JRI,
    version="POINTAGE_JRI_V1",
    record="CHARGEBACK",
    has_fin=True,
    columns=(
        *_PAYMENT,
        Column("CARD_NUMBER", T.TEXT, "Card number", width=19),
        Column("AMOUNT", T.AMOUNT, "Amount taken back", currency_column="CURRENCY", total=True),
        Column("CURRENCY", T.CURRENCY, "Currency"),
        Column("CHARGEBACK_DATE", T.DATE, "Chargeback value date"),
        Column("BANK_LABEL", T.TEXT, "Bank label", width=40),
        Column("BANK_REFERENCE", T.TEXT, "Bank reference", width=20),
        Column("REASON", T.TEXT, "Reason", width=30),
        Column("MATCH_ORIGIN", T.TEXT, "Matched by", width=14),
        Column("MATCH_ID", T.INTEGER, "Match id"),
    ),
)

REMITTANCES_LAYOUT = Layout(
    kind=JournalKind.REMITTANCES,
    version="POINTAGE_REMITTANCES_V1",
    record="REMITTANCE",
    has_fin=True,
    columns=(
        Column("SHOP_ID", T.TEXT, "Shop id", width=10),
        Column("CONTRACT", T.TEXT, "Contract", width=14),
        Column("REMITTANCE_NUMBER", T.INTEGER, "Remittance number"),
        Column("REMITTANCE_DATE", T.DATE, "Remittance date"),
        Column("PAYMENT_COUNT", T.INTEGER, "Payments", total=True),
        Column("REFUND_COUNT", T.INTEGER, "Refunds", total=True),
        Column("GROSS_AMOUNT", T.AMOUNT, "Gross amount", currency_column="CURRENCY", total=True),
        Column("REFUND_AMOUNT", T.AMOUNT, "Refunds amount", currency_column="CURRENCY", total=True),
        Column("COMMISSION", T.AMOUNT, "Commission", currency_column="CURRENCY", total=True),
        Column("NET_AMOUNT", T.AMOUNT, "Net amount", currency_column="CURRENCY", total=True),
        Column(
            "EXPECTED_CREDIT_AMOUNT",
            T.AMOUNT,
            "Expected credit",
            currency_column="CURRENCY",
            total=True,
        ),
        Column("CURRENCY", T.CURRENCY, "Currency"),
        Column("EXPECTED_CREDIT_DATE", T.DATE, "Expected credit date"),
        Column("CREDIT_DATE", T.DATE, "Credit value date"),
        Column("BANK_REFERENCE", T.TEXT, "Bank reference", width=20),
        Column("BANK_LABEL", T.TEXT, "Bank label", width=40),
        Column("STATUS", T.TEXT, "Reconciliation", width=18),
        Column("MATCH_ID", T.INTEGER, "Match id"),
        Column("DIFFERENCE", T.AMOUNT, "Match difference", currency_column="DIFFERENCE_CURRENCY"),
        Column("DIFFERENCE_CURRENCY", T.CURRENCY, "Difference currency"),
    ),
)

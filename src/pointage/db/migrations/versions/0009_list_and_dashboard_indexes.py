"""Indexes of the back office's list and dashboard: transactions by order id with their shop,
mode and date (the list's order id filter, newest first), and by remittance with their mode
and reconciliation status (the dashboard's counts; captured transactions only); each
replaces the one-column index it extends

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transaction_order_shop",
            ["order_id", "shop_id", "mode", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_transaction_remittance_status",
            ["remittance_id", "mode", "reconciliation_status"],
            unique=False,
            sqlite_where=sa.text("remittance_id IS NOT NULL"),
            postgresql_where=sa.text("remittance_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_transaction_order_id"))
        batch_op.drop_index(batch_op.f("ix_transaction_remittance_id"))


def downgrade() -> None:
    with op.batch_alter_table("transaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transaction_remittance_id"), ["remittance_id"])
        batch_op.create_index(batch_op.f("ix_transaction_order_id"), ["order_id"])
        batch_op.drop_index("ix_transaction_remittance_status")
        batch_op.drop_index("ix_transaction_order_shop")

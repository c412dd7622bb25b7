"""Idempotency keys of the status page's operator tokens: an idempotency record belongs to a
shop's API key or to an operator token, exactly one of the two

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operator_token_id", ID, nullable=True))
        batch_op.alter_column("api_key_id", existing_type=ID, nullable=True)
        batch_op.create_index(
            batch_op.f("ix_idempotency_key_operator_token_id"), ["operator_token_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_key_operator_token_id_key"), ["operator_token_id", "key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_idempotency_key_operator_token_id_status_operator_token"),
            "status_operator_token",
            ["operator_token_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "one_credential", "(api_key_id IS NULL) <> (operator_token_id IS NULL)"
        )


def downgrade() -> None:
    # Records of operator tokens cannot be kept without their column: they are a day's
    # replay cache, nothing more.
    op.execute("DELETE FROM idempotency_key WHERE api_key_id IS NULL")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_constraint("one_credential", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_idempotency_key_operator_token_id_status_operator_token"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("uq_idempotency_key_operator_token_id_key"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_idempotency_key_operator_token_id"))
        batch_op.alter_column("api_key_id", existing_type=ID, nullable=False)
        batch_op.drop_column("operator_token_id")

"""The operations log and the audit trail are append-only, enforced by the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The application never updates nor deletes these rows (the repositories cannot, and the ORM
refuses); these triggers make the database refuse it too, whatever the client: a bulk SQL
statement, a script, a console session. A correction is a new row, never an edit.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("operation", "audit_event")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION pointage_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'table % is append-only: rows cannot be %', TG_TABLE_NAME,
                    lower(TG_OP) || 'd' USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        for table in APPEND_ONLY_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION pointage_refuse_change()"
            )
        return
    for table in APPEND_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f'CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: rows cannot be "
                f"{action.lower()}d'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f'DROP TRIGGER {table}_append_only ON "{table}"')
        op.execute("DROP FUNCTION pointage_refuse_change()")
        return
    for table in APPEND_ONLY_TABLES:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")

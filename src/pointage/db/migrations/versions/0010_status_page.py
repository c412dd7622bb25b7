"""The public status page: components and their state changes, the probes' last readings,
incidents and scheduled maintenance with their components and updates, subscribers and their
notifications, operators' API tokens; back-office users may be status-page operators

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_component",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("probe_status", sa.String(length=30), nullable=False),
        sa.Column("override_status", sa.String(length=30), nullable=True),
        sa.Column("override_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.Column("override_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["status_component.id"],
            name=op.f("fk_status_component_group_id_status_component"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_component")),
        sa.UniqueConstraint("key", name=op.f("uq_status_component_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_component_public_id")),
    )
    op.create_table(
        "status_incident",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("impact", sa.String(length=20), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("monitoring_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scheduled_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("postmortem_body", sa.Text(), nullable=True),
        sa.Column("postmortem_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_incident_public_id")),
    )
    with op.batch_alter_table("status_incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_incident_kind_status", ["kind", "status", "created_at"], unique=False
        )

    op.create_table(
        "status_probe_reading",
        sa.Column("probe", sa.String(length=60), nullable=False),
        sa.Column("component_key", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("probe", name=op.f("pk_status_probe_reading")),
    )
    op.create_table(
        "status_subscriber",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_subscriber")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_status_subscriber_token_hash")),
    )
    with op.batch_alter_table("status_subscriber", schema=None) as batch_op:
        batch_op.create_index("ix_status_subscriber_kind_target", ["kind", "target"], unique=False)

    op.create_table(
        "status_component_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "component_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["status_component.id"],
            name=op.f("fk_status_component_change_component_id_status_component"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_component_change")),
    )
    with op.batch_alter_table("status_component_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_component_change_component", ["component_id", "changed_at"], unique=False
        )

    op.create_table(
        "status_incident_component",
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "component_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["status_component.id"],
            name=op.f("fk_status_incident_component_component_id_status_component"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["status_incident.id"],
            name=op.f("fk_status_incident_component_incident_id_status_incident"),
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "component_id", name=op.f("pk_status_incident_component")
        ),
    )
    with op.batch_alter_table("status_incident_component", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_incident_component_component_id"), ["component_id"], unique=False
        )

    op.create_table(
        "status_incident_update",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("affected", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("display_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["status_incident.id"],
            name=op.f("fk_status_incident_update_incident_id_status_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident_update")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_incident_update_public_id")),
    )
    with op.batch_alter_table("status_incident_update", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_incident_update_incident", ["incident_id", "created_at"], unique=False
        )

    op.create_table(
        "status_operator_token",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prefix", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_status_operator_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_operator_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_status_operator_token_token_hash")),
    )
    with op.batch_alter_table("status_operator_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_operator_token_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "status_notification",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("update_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["status_incident.id"],
            name=op.f("fk_status_notification_incident_id_status_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["status_subscriber.id"],
            name=op.f("fk_status_notification_subscriber_id_status_subscriber"),
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["status_incident_update.id"],
            name=op.f("fk_status_notification_update_id_status_incident_update"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_notification")),
    )
    with op.batch_alter_table("status_notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_notification_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_notification_subscriber_id"), ["subscriber_id"], unique=False
        )

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operator", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("operator")

    with op.batch_alter_table("status_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_notification_subscriber_id"))
        batch_op.drop_index("ix_status_notification_due")

    op.drop_table("status_notification")
    with op.batch_alter_table("status_operator_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_operator_token_user_id"))

    op.drop_table("status_operator_token")
    with op.batch_alter_table("status_incident_update", schema=None) as batch_op:
        batch_op.drop_index("ix_status_incident_update_incident")

    op.drop_table("status_incident_update")
    with op.batch_alter_table("status_incident_component", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_incident_component_component_id"))

    op.drop_table("status_incident_component")
    with op.batch_alter_table("status_component_change", schema=None) as batch_op:
        batch_op.drop_index("ix_status_component_change_component")

    op.drop_table("status_component_change")
    with op.batch_alter_table("status_subscriber", schema=None) as batch_op:
        batch_op.drop_index("ix_status_subscriber_kind_target")

    op.drop_table("status_subscriber")
    op.drop_table("status_probe_reading")
    with op.batch_alter_table("status_incident", schema=None) as batch_op:
        batch_op.drop_index("ix_status_incident_kind_status")

    op.drop_table("status_incident")
    op.drop_table("status_component")

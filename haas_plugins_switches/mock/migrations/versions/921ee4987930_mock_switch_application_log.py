"""mock switch application log

Revision ID: 921ee4987930
Revises: mock0001
Create Date: 2026-11-24 19:16:01.510694
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "921ee4987930"
down_revision = "mock0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mock_switch_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("switch_id", sa.Integer(), nullable=False),
        sa.Column("port", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=True),
        sa.Column("network_id", sa.String(length=255), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["switch_id"],
            ["switch.id"],
            name=op.f("fk_mock_switch_application_switch_id_switch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mock_switch_application")),
    )
    with op.batch_alter_table("mock_switch_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mock_switch_application_switch_id"), ["switch_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mock_switch_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mock_switch_application_switch_id"))

    op.drop_table("mock_switch_application")

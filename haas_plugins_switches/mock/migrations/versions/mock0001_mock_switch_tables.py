"""mock_switch tables

Revision ID: mock0001
Revises:
Create Date: 2026-11-24 19:08:10.489043
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mock0001"
down_revision = None
branch_labels = ("mock_switch",)
depends_on = "c0001"


def upgrade() -> None:
    op.create_table(
        "mock_switch_port_network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("switch_id", sa.Integer(), nullable=False),
        sa.Column("port", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("network_id", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["switch_id"],
            ["switch.id"],
            name=op.f("fk_mock_switch_port_network_switch_id_switch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mock_switch_port_network")),
        sa.UniqueConstraint(
            "switch_id",
            "port",
            "channel",
            name=op.f("uq_mock_switch_port_network_switch_id_port_channel"),
        ),
    )


def downgrade() -> None:
    op.drop_table("mock_switch_port_network")

"""networking agent claims and action ports

Revision ID: 5633cf56f869
Revises: c0001
Create Date: 2026-11-24 19:15:57.494438
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5633cf56f869"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("networking_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("port_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("port_label", sa.String(length=255), nullable=True))
        batch_op.alter_column("node_label", existing_type=sa.VARCHAR(length=255), nullable=True)
        batch_op.alter_column("nic_label", existing_type=sa.VARCHAR(length=255), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_networking_action_port_id_port"),
            "port",
            ["port_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("switch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("claim_expires", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("switch", schema=None) as batch_op:
        batch_op.drop_column("claim_expires")
        batch_op.drop_column("claimed_by")

    with op.batch_alter_table("networking_action", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_networking_action_port_id_port"), type_="foreignkey"
        )
        batch_op.alter_column("nic_label", existing_type=sa.VARCHAR(length=255), nullable=False)
        batch_op.alter_column("node_label", existing_type=sa.VARCHAR(length=255), nullable=False)
        batch_op.drop_column("port_label")
        batch_op.drop_column("port_id")

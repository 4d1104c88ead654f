"""vlan_pool tables

Revision ID: vlan0001
Revises:
Create Date: 2026-11-24 19:08:10.603820
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "vlan0001"
down_revision = None
branch_labels = ("vlan_pool",)
depends_on = "c0001"


def upgrade() -> None:
    op.create_table(
        "vlan_pool_vlan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vlan_no", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vlan_pool_vlan")),
        sa.UniqueConstraint("vlan_no", name=op.f("uq_vlan_pool_vlan_vlan_no")),
    )


def downgrade() -> None:
    op.drop_table("vlan_pool_vlan")

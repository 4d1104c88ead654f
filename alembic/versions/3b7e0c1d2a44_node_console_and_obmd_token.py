"""node console flag and obmd node token

Revision ID: 3b7e0c1d2a44
Revises: 91053fe0d48a
Create Date: 2026-11-24 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3b7e0c1d2a44"
down_revision = "91053fe0d48a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("node", schema=None) as batch_op:
        batch_op.add_column(sa.Column("obmd_token", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("console_enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("node", schema=None) as batch_op:
        batch_op.drop_column("console_enabled")
        batch_op.drop_column("obmd_token")

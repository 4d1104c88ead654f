"""public flag on networks

Revision ID: 91053fe0d48a
Revises: 5633cf56f869
Create Date: 2026-11-24 19:51:07.324914
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "91053fe0d48a"
down_revision = "5633cf56f869"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Networks made public before the flag existed: admin-owned with no access list.
    op.execute(
        "UPDATE network SET public = (owner_id IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM network_access WHERE network_access.network_id = network.id))"
    )


def downgrade() -> None:
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.drop_column("public")

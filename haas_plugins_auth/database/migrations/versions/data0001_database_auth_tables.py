"""database_auth tables

Revision ID: data0001
Revises:
Create Date: 2026-11-24 19:08:10.423554
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "data0001"
down_revision = None
branch_labels = ("database_auth",)
depends_on = "c0001"


def upgrade() -> None:
    op.create_table(
        "auth_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_user")),
        sa.UniqueConstraint("label", name=op.f("uq_auth_user_label")),
    )
    op.create_table(
        "auth_user_project",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_auth_user_project_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_auth_user_project_user_id_auth_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "project_id", name=op.f("pk_auth_user_project")),
    )


def downgrade() -> None:
    op.drop_table("auth_user_project")
    op.drop_table("auth_user")

"""core tables

Revision ID: c0001
Revises:
Create Date: 2026-11-24 19:08:05.585376
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("label", name=op.f("uq_project_label")),
    )
    op.create_table(
        "switch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("driver", sa.String(length=255), nullable=False),
        sa.Column("driver_info", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_switch")),
        sa.UniqueConstraint("label", name=op.f("uq_switch_label")),
    )
    op.create_table(
        "headnode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("base_img", sa.String(length=255), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_headnode_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headnode")),
        sa.UniqueConstraint("label", name=op.f("uq_headnode_label")),
        sa.UniqueConstraint("uuid", name=op.f("uq_headnode_uuid")),
    )
    with op.batch_alter_table("headnode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_headnode_project_id"), ["project_id"], unique=False)

    op.create_table(
        "network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("network_id", sa.String(length=255), nullable=False),
        sa.Column("allocated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["project.id"], name=op.f("fk_network_owner_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network")),
        sa.UniqueConstraint("label", name=op.f("uq_network_label")),
        sa.UniqueConstraint("network_id", name=op.f("uq_network_network_id")),
    )
    op.create_table(
        "node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("obm_driver", sa.String(length=255), nullable=True),
        sa.Column("obm_info", sa.JSON(), nullable=True),
        sa.Column("obm_enabled", sa.Boolean(), nullable=False),
        sa.Column("obm_state", sa.JSON(), nullable=False),
        sa.Column("obmd_uri", sa.Text(), nullable=True),
        sa.Column("obmd_admin_token", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_node_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node")),
        sa.UniqueConstraint("label", name=op.f("uq_node_label")),
    )
    with op.batch_alter_table("node", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_node_project_id"), ["project_id"], unique=False)

    op.create_table(
        "port",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["switch.id"], name=op.f("fk_port_owner_id_switch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port")),
        sa.UniqueConstraint("owner_id", "label", name=op.f("uq_port_owner_id_label")),
    )
    op.create_table(
        "hnic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_hnic_network_id_network")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["headnode.id"],
            name=op.f("fk_hnic_owner_id_headnode"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hnic")),
        sa.UniqueConstraint("owner_id", "label", name=op.f("uq_hnic_owner_id_label")),
    )
    with op.batch_alter_table("hnic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hnic_network_id"), ["network_id"], unique=False)

    op.create_table(
        "network_access",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_network_access_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_network_access_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "project_id", name=op.f("pk_network_access")),
    )
    op.create_table(
        "nic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("macaddr", sa.String(length=255), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["node.id"], name=op.f("fk_nic_owner_id_node")),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], name=op.f("fk_nic_port_id_port")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nic")),
        sa.UniqueConstraint("owner_id", "label", name=op.f("uq_nic_owner_id_label")),
        sa.UniqueConstraint("port_id", name=op.f("uq_nic_port_id")),
    )
    op.create_table(
        "node_metadata",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["node.id"],
            name=op.f("fk_node_metadata_owner_id_node"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_metadata")),
        sa.UniqueConstraint("owner_id", "label", name=op.f("uq_node_metadata_owner_id_label")),
    )
    op.create_table(
        "network_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nic_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_network_attachment_network_id_network")
        ),
        sa.ForeignKeyConstraint(
            ["nic_id"], ["nic.id"], name=op.f("fk_network_attachment_nic_id_nic")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_attachment")),
        sa.UniqueConstraint(
            "nic_id", "channel", name=op.f("uq_network_attachment_nic_id_channel")
        ),
        sa.UniqueConstraint(
            "nic_id", "network_id", name=op.f("uq_network_attachment_nic_id_network_id")
        ),
    )
    with op.batch_alter_table("network_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_attachment_network_id"), ["network_id"], unique=False
        )

    op.create_table(
        "networking_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("nic_id", sa.Integer(), nullable=True),
        sa.Column("switch_id", sa.Integer(), nullable=True),
        sa.Column("node_label", sa.String(length=255), nullable=False),
        sa.Column("nic_label", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=True),
        sa.Column("new_network_id", sa.Integer(), nullable=True),
        sa.Column("new_network_label", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DONE', 'ERROR')", name=op.f("ck_networking_action_status")
        ),
        sa.CheckConstraint(
            "type IN ('modify_port', 'revert_port')", name=op.f("ck_networking_action_type")
        ),
        sa.ForeignKeyConstraint(
            ["new_network_id"],
            ["network.id"],
            name=op.f("fk_networking_action_new_network_id_network"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nic_id"],
            ["nic.id"],
            name=op.f("fk_networking_action_nic_id_nic"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["switch_id"],
            ["switch.id"],
            name=op.f("fk_networking_action_switch_id_switch"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networking_action")),
        sa.UniqueConstraint("uuid", name=op.f("uq_networking_action_uuid")),
    )
    with op.batch_alter_table("networking_action", schema=None) as batch_op:
        batch_op.create_index(
            "ix_networking_action_status_switch", ["status", "switch_id"], unique=False
        )
        batch_op.create_index(
            "uq_networking_action_pending_nic",
            ["nic_id"],
            unique=True,
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("networking_action", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_networking_action_pending_nic",
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        )
        batch_op.drop_index("ix_networking_action_status_switch")

    op.drop_table("networking_action")
    with op.batch_alter_table("network_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_attachment_network_id"))

    op.drop_table("network_attachment")
    op.drop_table("node_metadata")
    op.drop_table("nic")
    op.drop_table("network_access")
    with op.batch_alter_table("hnic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hnic_network_id"))

    op.drop_table("hnic")
    op.drop_table("port")
    with op.batch_alter_table("node", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_node_project_id"))

    op.drop_table("node")
    op.drop_table("network")
    with op.batch_alter_table("headnode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headnode_project_id"))

    op.drop_table("headnode")
    op.drop_table("switch")
    op.drop_table("project")

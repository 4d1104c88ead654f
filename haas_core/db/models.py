"""SQLAlchemy models of the core objects.

Invariants live in the schema (unique labels per parent, one port per NIC,
one pending action per NIC, unique attachments and network ids), so that
concurrent requests cannot break them. Plugins that own tables declare them
on the same :class:`Base` so one metadata describes the whole database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

LABEL = 255

# Deterministic constraint names: Alembic needs them to alter constraints later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


network_access = Table(
    "network_access",
    Base.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL), unique=True)

    nodes: Mapped[list[Node]] = relationship(back_populates="project")
    headnodes: Mapped[list[Headnode]] = relationship(back_populates="project")
    networks_created: Mapped[list[Network]] = relationship(back_populates="owner")
    networks_access: Mapped[list[Network]] = relationship(
        secondary=network_access, back_populates="access"
    )


class Node(Base):
    __tablename__ = "node"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL), unique=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    # In-process OBM: driver name and its validated, secret-encrypted fields.
    obm_driver: Mapped[str | None] = mapped_column(String(LABEL))
    obm_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    obm_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Driver-kept state (the mock driver's power state and boot device, for one).
    obm_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # obmd (HIL v0.4): the node's obmd endpoint and admin token (encrypted).
    obmd_uri: Mapped[str | None] = mapped_column(Text)
    obmd_admin_token: Mapped[str | None] = mapped_column(Text)
    # The node token obmd gave when OBM was last enabled (encrypted); None while disabled.
    obmd_token: Mapped[str | None] = mapped_column(Text)
    # Whether the console service holds the node's serial console (SOL) session while its
    # OBM is enabled; PUT/DELETE /node/<n>/console (v0.3) turn it on and off.
    console_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    project: Mapped[Project | None] = relationship(back_populates="nodes")
    nics: Mapped[list[Nic]] = relationship(
        back_populates="owner", order_by="Nic.label", cascade="all, delete-orphan"
    )
    metadata_items: Mapped[list[NodeMetadata]] = relationship(
        back_populates="owner", order_by="NodeMetadata.label", cascade="all, delete-orphan"
    )


class NodeMetadata(Base):
    __tablename__ = "node_metadata"
    __table_args__ = (UniqueConstraint("owner_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("node.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(LABEL))
    value: Mapped[Any] = mapped_column(JSON(none_as_null=False))

    owner: Mapped[Node] = relationship(back_populates="metadata_items")


class Switch(Base):
    __tablename__ = "switch"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL), unique=True)
    driver: Mapped[str] = mapped_column(String(LABEL))
    driver_info: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The network agent holding this switch (one agent drives a switch at a time),
    # until claim_expires; an expired claim belongs to a dead agent and is taken over.
    claimed_by: Mapped[str | None] = mapped_column(String(LABEL))
    claim_expires: Mapped[dt.datetime | None] = mapped_column(DateTime)

    ports: Mapped[list[Port]] = relationship(back_populates="owner", order_by="Port.label")


class Port(Base):
    __tablename__ = "port"
    __table_args__ = (UniqueConstraint("owner_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("switch.id"))
    label: Mapped[str] = mapped_column(String(LABEL))

    owner: Mapped[Switch] = relationship(back_populates="ports")
    nic: Mapped[Nic | None] = relationship(back_populates="port")


class Nic(Base):
    __tablename__ = "nic"
    __table_args__ = (UniqueConstraint("owner_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("node.id"))
    label: Mapped[str] = mapped_column(String(LABEL))
    macaddr: Mapped[str] = mapped_column(String(LABEL))
    # unique: one NIC per port; the column itself makes it one port per NIC.
    port_id: Mapped[int | None] = mapped_column(ForeignKey("port.id"), unique=True)

    owner: Mapped[Node] = relationship(back_populates="nics")
    port: Mapped[Port | None] = relationship(back_populates="nic")
    attachments: Mapped[list[NetworkAttachment]] = relationship(
        back_populates="nic", order_by="NetworkAttachment.channel"
    )


class Network(Base):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL), unique=True)
    # None: the network belongs to the admins.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    # The id on the wire (a VLAN number for vlan_pool); unique across networks.
    network_id: Mapped[str] = mapped_column(String(LABEL), unique=True)
    # True when network_id came from the allocator's pool (and goes back on delete).
    allocated: Mapped[bool] = mapped_column(Boolean)
    # Usable by every project. Fixed at creation: emptying a provider network's access
    # list must never make it public.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    owner: Mapped[Project | None] = relationship(back_populates="networks_created")
    access: Mapped[list[Project]] = relationship(
        secondary=network_access, back_populates="networks_access", order_by="Project.label"
    )
    attachments: Mapped[list[NetworkAttachment]] = relationship(back_populates="network")


class NetworkAttachment(Base):
    __tablename__ = "network_attachment"
    __table_args__ = (
        UniqueConstraint("nic_id", "channel"),
        UniqueConstraint("nic_id", "network_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nic_id: Mapped[int] = mapped_column(ForeignKey("nic.id"))
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    channel: Mapped[str] = mapped_column(String(LABEL))

    nic: Mapped[Nic] = relationship(back_populates="attachments")
    network: Mapped[Network] = relationship(back_populates="attachments")


ACTION_STATUSES = ("PENDING", "DONE", "ERROR")
ACTION_TYPES = ("modify_port", "revert_port")


class NetworkingAction(Base):
    """A queued change to a switch port; rows are kept as history."""

    __tablename__ = "networking_action"
    __table_args__ = (
        CheckConstraint("status IN ('PENDING', 'DONE', 'ERROR')", name="status"),
        CheckConstraint("type IN ('modify_port', 'revert_port')", name="type"),
        # At most one pending action per NIC.
        Index(
            "uq_networking_action_pending_nic",
            "nic_id",
            unique=True,
            sqlite_where=text("status = 'PENDING'"),
            postgresql_where=text("status = 'PENDING'"),
        ),
        Index("ix_networking_action_status_switch", "status", "switch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    nic_id: Mapped[int | None] = mapped_column(ForeignKey("nic.id", ondelete="SET NULL"))
    switch_id: Mapped[int | None] = mapped_column(ForeignKey("switch.id", ondelete="SET NULL"))
    # Labels as they were when queued, so history survives deletions.
    node_label: Mapped[str | None] = mapped_column(String(LABEL))
    nic_label: Mapped[str | None] = mapped_column(String(LABEL))
    port_id: Mapped[int | None] = mapped_column(ForeignKey("port.id", ondelete="SET NULL"))
    port_label: Mapped[str | None] = mapped_column(String(LABEL))
    channel: Mapped[str | None] = mapped_column(String(LABEL))
    new_network_id: Mapped[int | None] = mapped_column(
        ForeignKey("network.id", ondelete="SET NULL")
    )
    new_network_label: Mapped[str | None] = mapped_column(String(LABEL))
    error: Mapped[str | None] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime)

    nic: Mapped[Nic | None] = relationship()
    port: Mapped[Port | None] = relationship()
    switch: Mapped[Switch | None] = relationship()
    new_network: Mapped[Network | None] = relationship()


class Headnode(Base):
    __tablename__ = "headnode"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    base_img: Mapped[str] = mapped_column(String(LABEL))
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    # Set at the first start: from then on the hnics are frozen.
    dirty: Mapped[bool] = mapped_column(Boolean, default=False)

    project: Mapped[Project] = relationship(back_populates="headnodes")
    hnics: Mapped[list[Hnic]] = relationship(
        back_populates="owner", order_by="Hnic.label", cascade="all, delete-orphan"
    )


class Hnic(Base):
    __tablename__ = "hnic"
    __table_args__ = (UniqueConstraint("owner_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("headnode.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(LABEL))
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)

    owner: Mapped[Headnode] = relationship(back_populates="hnics")
    network: Mapped[Network | None] = relationship()

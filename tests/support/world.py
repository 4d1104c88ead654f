"""Writing state straight to the database, as the network agent would leave it, for tests
that need an attachment or a pending action without running an agent."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from haas_core.db import models as m
from tests.support.app import Api


def nic_row(db: Any, node: str, nic: str) -> m.Nic:
    return db.scalars(
        select(m.Nic)
        .join(m.Node, m.Nic.owner_id == m.Node.id)
        .where(m.Node.label == node, m.Nic.label == nic)
    ).one()


def network_row(db: Any, label: str) -> m.Network:
    return db.scalars(select(m.Network).where(m.Network.label == label)).one()


def attach(api: Api, node: str, nic: str, network: str, channel: str = "vlan/native") -> None:
    """Record an attachment as the network agent would once it applied an action."""
    with api.services.db.session() as db, db.begin():
        db.add(
            m.NetworkAttachment(
                nic=nic_row(db, node, nic), network=network_row(db, network), channel=channel
            )
        )


def queue_action(api: Api, node: str, nic: str, network: str) -> None:
    """A pending networking action on the NIC, as node_connect_network queues it."""
    with api.services.db.session() as db, db.begin():
        db.add(
            m.NetworkingAction(
                uuid=str(uuid.uuid4()),
                type="modify_port",
                status="PENDING",
                nic=nic_row(db, node, nic),
                node_label=node,
                nic_label=nic,
                channel="vlan/native",
                new_network=network_row(db, network),
                new_network_label=network,
            )
        )

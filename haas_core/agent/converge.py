"""Putting a port back to what haas recorded, after a switch call whose outcome is unknown.

A call that hangs past the action timeout is abandoned and its action marked ERROR,
yet the switch may have made the change before it stopped answering. Left alone, the
port would carry a network the database does not know of, and would keep it when the
node later goes to another project. So the worker reads such a port back on a fresh
session and takes it to the recorded state before it goes on.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from haas_core.db import models as m
from haas_core.drivers import SwitchSession


def recorded_networks(db: Session, switch_id: int, port: str) -> dict[str, str]:
    """``{channel: network_id}`` that the database says ``port`` carries."""
    rows = db.execute(
        select(m.NetworkAttachment.channel, m.Network.network_id)
        .join(m.Network, m.Network.id == m.NetworkAttachment.network_id)
        .join(m.Nic, m.Nic.id == m.NetworkAttachment.nic_id)
        .join(m.Port, m.Port.id == m.Nic.port_id)
        .where(m.Port.owner_id == switch_id, m.Port.label == port)
    )
    return {channel: network_id for channel, network_id in rows}


def converge_port(session: SwitchSession, port: str, recorded: dict[str, str]) -> list[str]:
    """Make ``port`` carry exactly ``recorded``; returns the changes made, in words."""
    actual = session.get_port_networks([port]).get(port, {})
    if actual == recorded:
        return []
    if not recorded:
        session.revert_port(port)
        return [f"reverted (it carried {_describe(actual)})"]
    changes = []
    for channel, network_id in sorted(actual.items()):
        if recorded.get(channel) != network_id:
            session.modify_port(port, channel, None)
            changes.append(f"took network {network_id} off {channel}")
    for channel, network_id in sorted(recorded.items()):
        if actual.get(channel) != network_id:
            session.modify_port(port, channel, network_id)
            changes.append(f"put network {network_id} back on {channel}")
    return changes


def _describe(networks: dict[str, str]) -> str:
    return ", ".join(f"{net} on {channel}" for channel, net in sorted(networks.items()))

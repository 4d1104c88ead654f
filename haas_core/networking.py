"""Networking actions: queueing them (API side) and describing them (both sides).

An action is a row in ``networking_action``; the API queues it in the same
transaction as the checks that allowed it, and the network agent applies it.
On PostgreSQL a trigger on the table sends a NOTIFY on ``NOTIFY_CHANNEL``, delivered
at commit, that wakes the agents at once, with the switch's id as its payload
(migrations ``b7e2c4d81a09``, ``e41d9a7c5b20``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from haas_core.db import models as m
from haas_core.db.engine import PREPARED
from haas_core.errors import BlockedError

#: PostgreSQL NOTIFY channel the agents LISTEN on.
NOTIFY_CHANNEL = "haas_networking_actions"

PENDING, DONE, ERROR = "PENDING", "DONE", "ERROR"
#: How PostgreSQL and SQLite name the one-pending-action-per-NIC index when it refuses a row.
PENDING_INDEX_NAMES = ("uq_networking_action_pending_nic", "networking_action.nic_id")
MODIFY_PORT, REVERT_PORT = "modify_port", "revert_port"


def has_pending_action(db: Session, nic: m.Nic) -> bool:
    return bool(
        db.scalar(
            select(
                exists().where(
                    m.NetworkingAction.nic_id == nic.id, m.NetworkingAction.status == PENDING
                )
            )
        )
    )


#: A Core INSERT on the table, compiled once: the ORM's unit of work (and even an ORM
#: ``insert().values()``) cost a good part of a connect call, for one row.
_INSERT_ACTION = insert(cast(Table, m.NetworkingAction.__table__)).execution_options(
    **{PREPARED: True}
)


@dataclass(frozen=True)
class AttachmentView:
    channel: str
    #: The network's primary key.
    network_pk: int


@dataclass(frozen=True)
class NicView:
    """What queueing an action (and a switch driver's legality check) needs of a NIC:
    plain values, so that the API's connect and detach read them as columns in one
    round trip instead of loading ORM objects."""

    id: int
    label: str
    node_label: str
    #: Read by connect and detach (and shown to drivers); port_revert leaves them out.
    attachments: tuple[AttachmentView, ...] = ()


@dataclass(frozen=True)
class PortView:
    id: int
    label: str
    switch_id: int


@dataclass(frozen=True)
class NetworkView:
    id: int
    label: str


def queue_action(
    db: Session,
    *,
    type: str,
    port: PortView,
    nic: NicView | None,
    channel: str | None = None,
    network: NetworkView | None = None,
) -> str:
    """Add a PENDING action (the agents wake once the transaction commits); its id."""
    status_id = str(uuid.uuid4())
    nic_label = nic.label if nic else None
    params = {
        "uuid": status_id,
        "type": type,
        "status": PENDING,
        "nic_id": nic.id if nic else None,
        "node_label": nic.node_label if nic else None,
        "nic_label": nic_label,
        "port_id": port.id,
        "port_label": port.label,
        "switch_id": port.switch_id,
        "channel": channel,
        "new_network_id": network.id if network else None,
        "new_network_label": network.label if network else None,
        "created": m.utcnow(),
    }
    try:
        # The one-pending-action-per-NIC index speaks now. On the session's connection: the
        # ORM's execute path costs more than the insert's own work.
        db.connection().execute(_INSERT_ACTION, params)
    except IntegrityError as exc:
        # A concurrent request queued an action on this NIC since the call's own check:
        # answer as that check does, not with a generic conflict.
        if nic_label is not None and any(name in str(exc.orig) for name in PENDING_INDEX_NAMES):
            raise BlockedError(
                f"A networking action is already pending on nic {nic_label}."
            ) from None
        raise
    return status_id


def timestamp(value: dt.datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, as the API shows times."""
    return value.isoformat() + "Z" if value else None


def action_json(action: m.NetworkingAction | Row[Any]) -> dict[str, Any]:
    """The ``show_networking_action`` body (of an action, or of a row of its columns)."""
    return {
        "status": action.status,
        "node": action.node_label,
        "nic": action.nic_label,
        "type": action.type,
        "channel": action.channel,
        "new_network": action.new_network_label,
        "error": action.error,
        "created": timestamp(action.created),
        "finished": timestamp(action.finished),
    }

"""One action against one switch: read what it asks, check it still makes sense,
and record the outcome (DONE with the attachments it implies, or ERROR)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from haas_core.db import models as m
from haas_core.networking import DONE, ERROR, MODIFY_PORT, PENDING


@dataclass(frozen=True)
class Job:
    """What an action asks of its switch, read in one short transaction."""

    id: int
    uuid: str
    type: str
    port: str | None
    channel: str | None
    #: The network's id on the wire, or None to take the channel's network away.
    network_id: str | None
    #: Why the action can no longer be applied, if it cannot.
    problem: str | None


def pending_jobs(db: Session, switch_id: int, limit: int) -> list[Job]:
    # One query for the batch: port, NIC and network come joined, not one by one.
    actions = db.scalars(
        select(m.NetworkingAction)
        .options(
            joinedload(m.NetworkingAction.port),
            joinedload(m.NetworkingAction.nic),
            joinedload(m.NetworkingAction.new_network),
        )
        .where(m.NetworkingAction.switch_id == switch_id, m.NetworkingAction.status == PENDING)
        .order_by(m.NetworkingAction.id)
        .limit(limit)
    )
    return [_job(action, switch_id) for action in actions]


def _job(action: m.NetworkingAction, switch_id: int) -> Job:
    port, nic, network = action.port, action.nic, action.new_network
    nic_name = f"Nic {action.nic_label} of node {action.node_label}"
    problem = None
    if port is None or port.owner_id != switch_id:
        problem = f"Port {action.port_label} no longer exists."
    elif action.type == MODIFY_PORT and nic is None:
        problem = f"{nic_name} no longer exists."
    elif action.type == MODIFY_PORT and nic is not None and nic.port_id != port.id:
        problem = f"{nic_name} is no longer connected to port {port.label}."
    elif action.new_network_label is not None and network is None:
        problem = f"Network {action.new_network_label} no longer exists."
    return Job(
        id=action.id,
        uuid=action.uuid,
        type=action.type,
        port=port.label if port else None,
        channel=action.channel,
        network_id=network.network_id if network else None,
        problem=problem,
    )


def record_done(db: Session, job: Job) -> m.NetworkingAction | None:
    """Mark DONE and update the NIC's attachments, in the caller's transaction.

    Returns None when the action is no longer PENDING (nothing to record)."""
    action = db.get(m.NetworkingAction, job.id, with_for_update=True)
    if action is None or action.status != PENDING:
        return None
    if action.nic_id is not None:
        if action.type == MODIFY_PORT:
            db.execute(
                delete(m.NetworkAttachment).where(
                    m.NetworkAttachment.nic_id == action.nic_id,
                    m.NetworkAttachment.channel == action.channel,
                )
            )
            if action.new_network_id is not None:
                db.add(
                    m.NetworkAttachment(
                        nic_id=action.nic_id,
                        network_id=action.new_network_id,
                        channel=action.channel,
                    )
                )
        else:  # revert_port: the port carries nothing any more
            db.execute(
                delete(m.NetworkAttachment).where(m.NetworkAttachment.nic_id == action.nic_id)
            )
    action.status = DONE
    action.finished = m.utcnow()
    return action


def record_error(db: Session, job: Job, message: str) -> m.NetworkingAction | None:
    action = db.get(m.NetworkingAction, job.id, with_for_update=True)
    if action is None or action.status != PENDING:
        return None
    action.status = ERROR
    action.error = message
    action.finished = m.utcnow()
    return action

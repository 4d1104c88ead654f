"""One action against one switch: read what it asks, check it still makes sense,
and record the outcome (DONE with the attachments it implies, or ERROR)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from haas_core.db import models as m
from haas_core.db.engine import PREPARED
from haas_core.networking import DONE, ERROR, MODIFY_PORT, PENDING, action_json


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


def pending_jobs(
    db: Session, switch_id: int, limit: int, applied: Collection[int] = ()
) -> list[Job]:
    """Up to ``limit`` PENDING actions of the switch, oldest first, leaving out
    ``applied``: those whose outcomes are on their way to the database."""
    # One query for the batch, port, NIC and network joined; columns, not ORM objects:
    # while actions trickle in, a worker runs this about twice per action.
    action, port, nic, net = m.NetworkingAction, m.Port, m.Nic, m.Network
    rows = db.execute(
        select(
            action.id,
            action.uuid,
            action.type,
            action.channel,
            action.node_label,
            action.nic_label,
            action.port_label,
            action.new_network_label,
            port.id.label("port_pk"),
            port.owner_id.label("port_owner"),
            port.label.label("port"),
            nic.id.label("nic_pk"),
            nic.port_id.label("nic_port"),
            net.id.label("network_pk"),
            net.network_id,
        )
        .outerjoin(port, port.id == action.port_id)
        .outerjoin(nic, nic.id == action.nic_id)
        .outerjoin(net, net.id == action.new_network_id)
        .where(action.switch_id == switch_id, action.status == PENDING)
        .order_by(action.id)
        .limit(limit + len(applied))
        .execution_options(**{PREPARED: True})
    )
    return [_job(row, switch_id) for row in rows if row.id not in applied][:limit]


def _job(row: Row[*tuple[Any, ...]], switch_id: int) -> Job:
    """A Job from a :func:`pending_jobs` row (a ``*_pk`` is NULL when that row is gone)."""
    nic_name = f"Nic {row.nic_label} of node {row.node_label}"
    problem = None
    if row.port_pk is None or row.port_owner != switch_id:
        problem = f"Port {row.port_label} no longer exists."
    elif row.type == MODIFY_PORT and row.nic_pk is None:
        problem = f"{nic_name} no longer exists."
    elif row.type == MODIFY_PORT and row.nic_port != row.port_pk:
        problem = f"{nic_name} is no longer connected to port {row.port}."
    elif row.new_network_label is not None and row.network_pk is None:
        problem = f"Network {row.new_network_label} no longer exists."
    return Job(
        id=row.id,
        uuid=row.uuid,
        type=row.type,
        port=row.port if row.port_pk is not None else None,
        channel=row.channel,
        network_id=row.network_id if row.network_pk is not None else None,
        problem=problem,
    )


# Recording an outcome is the agent's per-action cost: Core statements on the tables,
# built once with bind parameters, instead of loading, flushing and evaluating ORM objects
# (and building and caching a statement) for each action.
_ACTION = cast(Table, m.NetworkingAction.__table__)
_ATTACHMENT = cast(Table, m.NetworkAttachment.__table__)
#: What recording needs (nic_id, type, channel, new_network_id) and what observers see.
_RETURNED = [
    _ACTION.c.uuid,
    _ACTION.c.type,
    _ACTION.c.status,
    _ACTION.c.nic_id,
    _ACTION.c.new_network_id,
    _ACTION.c.node_label,
    _ACTION.c.nic_label,
    _ACTION.c.channel,
    _ACTION.c.new_network_label,
    _ACTION.c.error,
    _ACTION.c.created,
    _ACTION.c.finished,
]
# UPDATE ... WHERE status = 'PENDING' ... RETURNING: it locks the row as SELECT ... FOR UPDATE
# did, records nothing when the action is no longer PENDING, and returns the row as it now
# stands, with any nic_id or new_network_id that a deletion committed meanwhile set NULL (so
# no attachment is made for them).
_STILL_PENDING = (_ACTION.c.id == bindparam("action_id")) & (_ACTION.c.status == PENDING)
_MARK_ERROR = (
    update(_ACTION)
    .where(_STILL_PENDING)
    .values(status=ERROR, error=bindparam("message"), finished=bindparam("now"))
    .returning(*_RETURNED)
)
_ATTACH = insert(_ATTACHMENT)
# Outcomes are recorded many at once (the recorder's shared transactions): one statement
# per kind of write for the whole group instead of three per action. The same guard as
# above: only actions still PENDING are marked DONE, and they come back as they now stand.
_MARK_MANY_DONE = (
    update(_ACTION)
    .where(_ACTION.c.id.in_(bindparam("action_ids", expanding=True)))
    .where(_ACTION.c.status == PENDING)
    .values(status=DONE, finished=bindparam("now"))
    .returning(_ACTION.c.id, *_RETURNED)
)
_DETACH_CHANNELS = delete(_ATTACHMENT).where(
    tuple_(_ATTACHMENT.c.nic_id, _ATTACHMENT.c.channel).in_(bindparam("pairs", expanding=True))
)
_DETACH_ALL_OF = delete(_ATTACHMENT).where(
    _ATTACHMENT.c.nic_id.in_(bindparam("nic_ids", expanding=True))
)


def record_outcomes(
    db: Session, outcomes: Sequence[tuple[Job, str | None]]
) -> list[dict[str, Any] | None]:
    """Record each ``(job, error or None)`` in the caller's transaction: DONE, with the
    attachments it implies, or ERROR with the message. Returns, in order, each action as
    observers see it, or None when it was no longer PENDING (nothing recorded). The
    actions must be of different NICs (one pending action per NIC makes them so)."""
    shown: dict[int, dict[str, Any] | None] = {}
    done = [job.id for job, error in outcomes if error is None]
    if done:
        rows = db.execute(_MARK_MANY_DONE, {"action_ids": done, "now": m.utcnow()}).all()
        modified = [r for r in rows if r.nic_id is not None and r.type == MODIFY_PORT]
        reverted = [r.nic_id for r in rows if r.nic_id is not None and r.type != MODIFY_PORT]
        if modified:
            db.execute(_DETACH_CHANNELS, {"pairs": [(r.nic_id, r.channel) for r in modified]})
        if reverted:
            db.execute(_DETACH_ALL_OF, {"nic_ids": reverted})
        attached = [
            {"nic_id": r.nic_id, "network_id": r.new_network_id, "channel": r.channel}
            for r in modified
            if r.new_network_id is not None
        ]
        if attached:
            db.execute(_ATTACH, attached)
        shown.update((r.id, _shown(r)) for r in rows)
    for job, error in outcomes:
        if error is not None:
            shown[job.id] = record_error(db, job, error)
    return [shown.get(job.id) for job, _ in outcomes]


def record_error(db: Session, job: Job, message: str) -> dict[str, Any] | None:
    """Mark ERROR with ``message``; returns as :func:`record_outcomes` does, for one."""
    row = db.execute(
        _MARK_ERROR, {"action_id": job.id, "message": message, "now": m.utcnow()}
    ).first()
    return None if row is None else _shown(row)


def _shown(row: Row[Any]) -> dict[str, Any]:
    """The ``haas_networking_action_applied`` payload, from the row just written."""
    return {**action_json(row), "id": row.uuid}

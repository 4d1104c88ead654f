"""Networking calls: queue actions for the network agent and show how they went."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import contains_eager, joinedload

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label
from haas_core.db import models as m
from haas_core.db.engine import PREPARED
from haas_core.errors import (
    BadArgumentError,
    BlockedError,
    NotFoundError,
    ProjectMismatchError,
    ValidationError,
)
from haas_core.networking import (
    MODIFY_PORT,
    PENDING,
    REVERT_PORT,
    action_json,
    has_pending_action,
    queue_action,
)
from haas_core.switches import switch_driver

MAX_LIST = 1000


class ConnectNetwork(Body):
    network: Label
    channel: str | None = None


class DetachNetwork(Body):
    network: Label


class ActionsQuery(Body):
    node: Label | None = None
    nic: Label | None = None
    switch: Label | None = None
    status: Literal["PENDING", "DONE", "ERROR"] | None = None
    limit: str | None = None


#: The NIC with all that connect and detach look at, in one round trip: its node and
#: project, its port and switch, its attachments, whether an action is pending, and the
#: network named in the request (an outer join on its label: None when it is missing).
_NIC_QUERY = (
    select(
        m.Nic,
        exists().where(
            m.NetworkingAction.nic_id == m.Nic.id, m.NetworkingAction.status == PENDING
        ),
        m.Network,
    )
    .join(m.Nic.owner)
    .outerjoin(m.Network, m.Network.label == bindparam("network"))
    # The node's id as a scalar subquery, not only the join's label test: the NIC is then
    # found through its (owner_id, label) key, whatever the planner's statistics say.
    # Given only the two labels, PostgreSQL with stale statistics (a table that grew since
    # its last ANALYZE) scanned every NIC named eth0: 3 ms per request at 1,000 nodes.
    .where(
        m.Nic.owner_id
        == select(m.Node.id).where(m.Node.label == bindparam("node")).scalar_subquery(),
        m.Node.label == bindparam("node"),
        m.Nic.label == bindparam("nic"),
    )
    .options(
        contains_eager(m.Nic.owner).joinedload(m.Node.project),
        joinedload(m.Nic.port).joinedload(m.Port.owner),
        joinedload(m.Nic.attachments),
    )
    .execution_options(**{PREPARED: True})
)


def _owned_nic(
    ctx: RequestContext, node: str, nic: str, network: str
) -> tuple[m.Node, m.Nic, m.Network, m.Port]:
    """The checks connect and detach share, in the spec's order."""
    found = (
        ctx.db.execute(_NIC_QUERY, {"node": node, "nic": nic, "network": network})
        .unique()
        .one_or_none()
    )
    if found is None:  # say which one is missing
        ctx.get_child(m.Nic, nic, ctx.get(m.Node, node))
        raise AssertionError("unreachable: the NIC exists")
    nic_obj, pending, net = found
    node_obj = nic_obj.owner
    if net is None:
        ctx.get(m.Network, network)  # raises: it does not exist
    if node_obj.project is None:
        raise ProjectMismatchError(f"Node {node} is not part of a project.")
    ctx.require_project(node_obj.project)
    if nic_obj.port is None:
        raise NotFoundError("No port is connected to given nic.")
    if pending:
        raise BlockedError(f"A networking action is already pending on nic {nic}.")
    return node_obj, nic_obj, net, nic_obj.port


def _accepted(status_id: str) -> dict[str, str]:
    return {"status_id": status_id}


def node_connect_network(
    ctx: RequestContext, node: str, nic: str, network: str, channel: str | None
) -> dict[str, str]:
    node_obj, nic_obj, net, port = _owned_nic(ctx, node, nic, network)
    project = node_obj.project
    assert project is not None
    # Cheapest first: the access list is a query of its own.
    if not (net.public or net.owner_id == project.id or project in net.access):
        raise ProjectMismatchError(
            f"Project {project.label} does not have access to network {network}."
        )
    if any(att.network_id == net.id for att in nic_obj.attachments):
        raise BlockedError(f"Network {network} is already attached to nic {nic}.")
    allocator = ctx.services.allocator
    channel = channel if channel is not None else allocator.default_channel()
    if any(att.channel == channel for att in nic_obj.attachments):
        raise BlockedError(f"A network is already attached to nic {nic} on channel {channel}.")
    if not allocator.is_legal_channel_for(channel, net.network_id):
        raise BadArgumentError(f"Channel {channel} is not legal for network {network}.")
    switch_driver(ctx.services, port.owner).ensure_legal_operation(nic_obj, "connect", channel)
    return _accepted(
        queue_action(
            ctx.db, type=MODIFY_PORT, port=port, nic=nic_obj, channel=channel, network=net
        )
    )


def node_detach_network(ctx: RequestContext, node: str, nic: str, network: str) -> dict[str, str]:
    _node, nic_obj, net, port = _owned_nic(ctx, node, nic, network)
    attachment = next((att for att in nic_obj.attachments if att.network_id == net.id), None)
    if attachment is None:
        raise BadArgumentError(f"Network {network} is not attached to nic {nic}.")
    switch_driver(ctx.services, port.owner).ensure_legal_operation(
        nic_obj, "detach", attachment.channel
    )
    return _accepted(
        queue_action(
            ctx.db,
            type=MODIFY_PORT,
            port=port,
            nic=nic_obj,
            channel=attachment.channel,
            network=None,
        )
    )


def port_revert(ctx: RequestContext, switch: str, port: str) -> dict[str, str]:
    port_obj = ctx.get_child(m.Port, port, ctx.get(m.Switch, switch))
    nic = port_obj.nic
    if nic is not None and has_pending_action(ctx.db, nic):
        raise BlockedError(f"A networking action is already pending on port {port}.")
    return _accepted(queue_action(ctx.db, type=REVERT_PORT, port=port_obj, nic=nic))


def _action_project(action: m.NetworkingAction) -> m.Project | None:
    return action.nic.owner.project if action.nic is not None else None


def show_networking_action(ctx: RequestContext, status_id: str) -> dict[str, Any]:
    action = ctx.db.scalars(
        select(m.NetworkingAction).where(m.NetworkingAction.uuid == status_id)
    ).one_or_none()
    if action is None:
        raise NotFoundError(f"Networking action {status_id} does not exist.")
    ctx.require_project(_action_project(action))
    return action_json(action)


def list_networking_actions(
    ctx: RequestContext,
    node: str | None,
    nic: str | None,
    switch: str | None,
    status: str | None,
    limit: str | None,
) -> list[dict[str, Any]]:
    count = 100
    if limit is not None:
        if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= MAX_LIST):
            raise ValidationError(f"'limit': expected an integer from 1 to {MAX_LIST}")
        count = int(limit)
    action = m.NetworkingAction
    stmt = select(action).order_by(action.created.desc(), action.id.desc()).limit(count)
    if node is not None:
        stmt = stmt.where(action.node_label == node)
    if nic is not None:
        stmt = stmt.where(action.nic_label == nic)
    if switch is not None:
        stmt = stmt.join(m.Switch, m.Switch.id == action.switch_id).where(m.Switch.label == switch)
    if status is not None:
        stmt = stmt.where(action.status == status)
    if not ctx.identity.is_admin:
        stmt = (
            stmt.join(m.Nic, m.Nic.id == action.nic_id)
            .join(m.Node, m.Node.id == m.Nic.owner_id)
            .join(m.Project, m.Project.id == m.Node.project_id)
            .where(m.Project.label.in_(sorted(ctx.identity.projects)))
        )
    return [
        {
            "id": row.uuid,
            **action_json(row),
            "switch": row.switch.label if row.switch else None,
            "port": row.port_label,
        }
        for row in ctx.db.scalars(stmt)
    ]


NIC = "/node/<node>/nic/<nic>"

ROUTES = [
    Route("POST", NIC + "/connect_network", node_connect_network, ConnectNetwork, status=202),
    Route("POST", NIC + "/detach_network", node_detach_network, DetachNetwork, status=202),
    Route(
        "POST",
        "/switch/<switch>/port/<path:port>/revert",
        port_revert,
        admin_only=True,
        status=202,
    ),
    Route("GET", "/networking_action/<status_id>", show_networking_action),
    Route("GET", "/networking_actions", list_networking_actions, ActionsQuery),
]

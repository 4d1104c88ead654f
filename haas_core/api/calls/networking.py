"""Networking calls: queue actions for the network agent and show how they went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row, bindparam, exists, select

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label
from haas_core.db import models as m
from haas_core.db.engine import PREPARED
from haas_core.drivers import SwitchDriver
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
    AttachmentView,
    NetworkView,
    NicView,
    PortView,
    action_json,
    has_pending_action,
    queue_action,
)
from haas_core.switches import build_switch_driver

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


_ATTACHMENT = m.NetworkAttachment
#: The NIC with all that connect and detach look at, in one round trip: its node and
#: project, its port and switch, its attachments (one row each), whether an action is
#: pending, and the network named in the request (an outer join on its label: NULLs when
#: it is missing). Columns, not ORM objects: loading six related objects cost more CPU
#: than all the rest of the call.
_NIC_QUERY = (
    select(
        m.Nic.id.label("nic_pk"),
        m.Node.project_id,
        m.Project.label.label("project"),
        m.Port.id.label("port_pk"),
        m.Port.label.label("port"),
        m.Switch.id.label("switch_pk"),
        m.Switch.label.label("switch"),
        m.Switch.driver,
        m.Switch.driver_info,
        m.Network.id.label("network_pk"),
        m.Network.public,
        m.Network.owner_id.label("network_owner"),
        m.Network.network_id,
        exists()
        .where(m.NetworkingAction.nic_id == m.Nic.id, m.NetworkingAction.status == PENDING)
        .label("pending"),
        _ATTACHMENT.channel.label("attached_channel"),
        _ATTACHMENT.network_id.label("attached_network"),
    )
    .select_from(m.Nic)
    .join(m.Node, m.Node.id == m.Nic.owner_id)
    .outerjoin(m.Project, m.Project.id == m.Node.project_id)
    .outerjoin(m.Port, m.Port.id == m.Nic.port_id)
    .outerjoin(m.Switch, m.Switch.id == m.Port.owner_id)
    .outerjoin(_ATTACHMENT, _ATTACHMENT.nic_id == m.Nic.id)
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
    .order_by(_ATTACHMENT.channel)
    .execution_options(**{PREPARED: True})
)
_MAY_USE = select(
    exists().where(
        m.network_access.c.network_id == bindparam("network_pk"),
        m.network_access.c.project_id == bindparam("project_pk"),
    )
)


@dataclass(frozen=True)
class _Checked:
    """What connect and detach go on with once their shared checks passed."""

    nic: NicView
    port: PortView
    network: NetworkView
    #: The row of the lookup (the network's and the switch's columns).
    row: Row[Any]


def _owned_nic(ctx: RequestContext, node: str, nic: str, network: str) -> _Checked:
    """The checks connect and detach share, in the spec's order."""
    rows = (
        ctx.db.connection()
        .execute(_NIC_QUERY, {"node": node, "nic": nic, "network": network})
        .all()
    )
    if not rows:  # say which one is missing
        ctx.get_child(m.Nic, nic, ctx.get(m.Node, node))
        raise AssertionError("unreachable: the NIC exists")
    row = rows[0]
    if row.network_pk is None:
        ctx.get(m.Network, network)  # raises: it does not exist
    if row.project_id is None:
        raise ProjectMismatchError(f"Node {node} is not part of a project.")
    ctx.require_project_named(row.project)
    if row.port_pk is None:
        raise NotFoundError("No port is connected to given nic.")
    if row.pending:
        raise BlockedError(f"A networking action is already pending on nic {nic}.")
    attachments = tuple(
        AttachmentView(r.attached_channel, r.attached_network)
        for r in rows
        if r.attached_channel is not None
    )
    return _Checked(
        NicView(row.nic_pk, nic, node, attachments),
        PortView(row.port_pk, row.port, row.switch_pk),
        NetworkView(row.network_pk, network),
        row,
    )


def _driver(ctx: RequestContext, row: Row[Any]) -> SwitchDriver:
    return build_switch_driver(
        ctx.services, row.switch_pk, row.switch, row.driver, row.driver_info
    )


def _accepted(status_id: str) -> dict[str, str]:
    return {"status_id": status_id}


def node_connect_network(
    ctx: RequestContext, node: str, nic: str, network: str, channel: str | None
) -> dict[str, str]:
    checked = _owned_nic(ctx, node, nic, network)
    row, attachments = checked.row, checked.nic.attachments
    # Cheapest first: the access list is a query of its own.
    if not (
        row.public
        or row.network_owner == row.project_id
        or ctx.db.connection().scalar(
            _MAY_USE, {"network_pk": row.network_pk, "project_pk": row.project_id}
        )
    ):
        raise ProjectMismatchError(
            f"Project {row.project} does not have access to network {network}."
        )
    if any(att.network_pk == row.network_pk for att in attachments):
        raise BlockedError(f"Network {network} is already attached to nic {nic}.")
    allocator = ctx.services.allocator
    channel = channel if channel is not None else allocator.default_channel()
    if any(att.channel == channel for att in attachments):
        raise BlockedError(f"A network is already attached to nic {nic} on channel {channel}.")
    if not allocator.is_legal_channel_for(channel, row.network_id):
        raise BadArgumentError(f"Channel {channel} is not legal for network {network}.")
    _driver(ctx, row).ensure_legal_operation(checked.nic, "connect", channel)
    return _accepted(
        queue_action(
            ctx.db,
            type=MODIFY_PORT,
            port=checked.port,
            nic=checked.nic,
            channel=channel,
            network=checked.network,
        )
    )


def node_detach_network(ctx: RequestContext, node: str, nic: str, network: str) -> dict[str, str]:
    checked = _owned_nic(ctx, node, nic, network)
    channel = next(
        (att.channel for att in checked.nic.attachments if att.network_pk == checked.network.id),
        None,
    )
    if channel is None:
        raise BadArgumentError(f"Network {network} is not attached to nic {nic}.")
    _driver(ctx, checked.row).ensure_legal_operation(checked.nic, "detach", channel)
    return _accepted(
        queue_action(ctx.db, type=MODIFY_PORT, port=checked.port, nic=checked.nic, channel=channel)
    )


def port_revert(ctx: RequestContext, switch: str, port: str) -> dict[str, str]:
    port_obj = ctx.get_child(m.Port, port, ctx.get(m.Switch, switch))
    nic = port_obj.nic
    if nic is not None and has_pending_action(ctx.db, nic):
        raise BlockedError(f"A networking action is already pending on port {port}.")
    return _accepted(
        queue_action(
            ctx.db,
            type=REVERT_PORT,
            port=PortView(port_obj.id, port_obj.label, port_obj.owner_id),
            nic=NicView(nic.id, nic.label, nic.owner.label) if nic is not None else None,
        )
    )


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

"""Networks: creation rules, access lists, and who may see what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label
from haas_core.db import models as m
from haas_core.errors import BadArgumentError, BlockedError, DuplicateError, NotFoundError

ADMIN = "admin"


class NetworkCreate(Body):
    owner: Label
    access: str
    net_id: str


class AttachmentsQuery(Body):
    project: Label | None = None


def network_create(
    ctx: RequestContext, network: str, owner: str, access: str, net_id: str
) -> None:
    allocator = ctx.services.allocator
    if owner == ADMIN:
        ctx.require_admin()
        owner_obj = None
    else:
        owner_obj = ctx.get(m.Project, owner)
        ctx.require_project(owner_obj)
        if access != owner:
            raise BadArgumentError("A project-owned network must be accessible to its owner.")
        if net_id != "":
            raise BadArgumentError("A project-owned network takes its id from the pool.")
    access_list = [ctx.get(m.Project, access)] if access else []
    ctx.absent(m.Network, network)
    if net_id == "":
        net_id, allocated = allocator.allocate(ctx.db), True
    else:
        if ctx.db.scalar(select(exists().where(m.Network.network_id == net_id))):
            raise DuplicateError(f"Network id {net_id} is already in use.")
        allocated = allocator.claim(ctx.db, net_id)
    ctx.db.add(
        m.Network(
            label=network,
            owner=owner_obj,
            access=access_list,
            network_id=net_id,
            allocated=allocated,
            public=owner_obj is None and not access,
        )
    )


def network_delete(ctx: RequestContext, network: str) -> None:
    net = ctx.get(m.Network, network)
    ctx.require_project(net.owner)
    db = ctx.db
    if db.scalar(select(exists().where(m.NetworkAttachment.network_id == net.id))):
        raise BlockedError(f"Network {network} is still attached to nodes.")
    if db.scalar(select(exists().where(m.Hnic.network_id == net.id))):
        raise BlockedError(f"Network {network} is still connected to headnodes.")
    if db.scalar(
        select(
            exists().where(
                m.NetworkingAction.new_network_id == net.id,
                m.NetworkingAction.status == "PENDING",
            )
        )
    ):
        raise BlockedError(f"Network {network} has pending networking actions.")
    if net.allocated:
        ctx.services.allocator.free(db, net.network_id)
    db.delete(net)


def _may_see(ctx: RequestContext, net: m.Network) -> bool:
    identity = ctx.identity
    return net.public or identity.is_admin or any(identity.in_project(p.label) for p in net.access)


def show_network(ctx: RequestContext, network: str) -> dict[str, Any]:
    net = ctx.get(m.Network, network)
    if not _may_see(ctx, net):
        raise ctx.deny(f"network {network} is not shared with your projects")
    sees_all = ctx.identity.in_project(net.owner.label if net.owner else None)
    connected: dict[str, list[str]] = {}
    for att in net.attachments:
        node = att.nic.owner
        if sees_all or ctx.identity.in_project(node.project.label if node.project else None):
            connected.setdefault(node.label, []).append(att.nic.label)
    return {
        "name": net.label,
        "channels": ctx.services.allocator.legal_channels_for(net.network_id),
        "owner": net.owner.label if net.owner else ADMIN,
        "access": [p.label for p in net.access] or None,
        "connected-nodes": {node: sorted(nics) for node, nics in sorted(connected.items())},
    }


def list_networks(ctx: RequestContext) -> dict[str, dict[str, Any]]:
    nets = ctx.db.scalars(select(m.Network).options(selectinload(m.Network.access)))
    return {
        net.label: {
            "network_id": net.network_id,
            "projects": sorted(p.label for p in net.access) or None,
        }
        for net in sorted(nets, key=lambda net: net.label)
        if _may_see(ctx, net)
    }


def list_network_attachments(
    ctx: RequestContext, network: str, project: str | None
) -> dict[str, dict[str, Any]]:
    net = ctx.get(m.Network, network)
    only = ctx.get(m.Project, project) if project is not None else None
    if not ctx.identity.in_project(net.owner.label if net.owner else None) and not (
        only is not None and only in net.access and ctx.identity.in_project(only.label)
    ):
        raise ctx.deny(f"you may not list the attachments of network {network}")
    result: dict[str, dict[str, Any]] = {}
    for att in net.attachments:
        node = att.nic.owner
        if only is not None and node.project_id != only.id:
            continue
        result[node.label] = {
            "nic": att.nic.label,
            "channel": att.channel,
            "project": node.project.label if node.project else None,
        }
    return dict(sorted(result.items()))


def network_grant_project_access(ctx: RequestContext, network: str, project: str) -> None:
    net = ctx.get(m.Network, network)
    obj = ctx.get(m.Project, project)
    ctx.require_project(net.owner)
    if obj in net.access:
        raise DuplicateError(f"Project {project} already has access to network {network}.")
    net.access.append(obj)


def network_revoke_project_access(ctx: RequestContext, network: str, project: str) -> None:
    net = ctx.get(m.Network, network)
    obj = ctx.get(m.Project, project)
    if not (
        ctx.identity.in_project(net.owner.label if net.owner else None)
        or ctx.identity.in_project(project)
    ):
        raise ctx.deny(f"you may not revoke access to network {network}")
    if obj not in net.access:
        raise NotFoundError(f"Project {project} has no access to network {network}.")
    if net.owner_id == obj.id:
        raise BlockedError(f"Project {project} owns network {network}.")
    if ctx.db.scalar(
        select(
            exists()
            .where(m.NetworkAttachment.network_id == net.id)
            .where(m.NetworkAttachment.nic_id == m.Nic.id)
            .where(m.Nic.owner_id == m.Node.id)
            .where(m.Node.project_id == obj.id)
        )
    ):
        raise BlockedError(f"Project {project} still has nodes on network {network}.")
    # HIL v0.4 also refused while the project's headnodes used the network; a pending
    # connect would put the project's node on it after the revoke.
    if ctx.db.scalar(
        select(
            exists()
            .where(m.Hnic.network_id == net.id)
            .where(m.Hnic.owner_id == m.Headnode.id)
            .where(m.Headnode.project_id == obj.id)
        )
    ):
        raise BlockedError(f"Project {project} still has headnodes on network {network}.")
    if ctx.db.scalar(
        select(
            exists()
            .where(m.NetworkingAction.new_network_id == net.id)
            .where(m.NetworkingAction.status == "PENDING")
            .where(m.NetworkingAction.nic_id == m.Nic.id)
            .where(m.Nic.owner_id == m.Node.id)
            .where(m.Node.project_id == obj.id)
        )
    ):
        raise BlockedError(
            f"Project {project} has pending networking actions on network {network}."
        )
    net.access.remove(obj)


ROUTES = [
    Route("PUT", "/network/<network>", network_create, NetworkCreate),
    Route("DELETE", "/network/<network>", network_delete),
    Route("GET", "/network/<network>", show_network),
    Route("GET", "/networks", list_networks),
    Route("GET", "/network/<network>/attachments", list_network_attachments, AttachmentsQuery),
    Route("PUT", "/network/<network>/access/<project>", network_grant_project_access),
    Route("DELETE", "/network/<network>/access/<project>", network_revoke_project_access),
]

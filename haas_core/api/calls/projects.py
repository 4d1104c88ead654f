"""Projects: create, delete, and which nodes, networks and headnodes they hold."""

from __future__ import annotations

from sqlalchemy import exists, select

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label
from haas_core.db import models as m
from haas_core.errors import BlockedError, NotFoundError
from haas_core.obm import obmd_disable


class NodeArg(Body):
    node: Label


def list_projects(ctx: RequestContext) -> list[str]:
    return sorted(ctx.db.scalars(select(m.Project.label)))


def project_create(ctx: RequestContext, project: str) -> None:
    ctx.absent(m.Project, project)
    ctx.db.add(m.Project(label=project))


def project_delete(ctx: RequestContext, project: str) -> None:
    obj = ctx.get(m.Project, project)
    db = ctx.db
    if db.scalar(select(exists().where(m.Node.project_id == obj.id))):
        raise BlockedError(f"Project {project} still has nodes.")
    if db.scalar(select(exists().where(m.Network.owner_id == obj.id))):
        raise BlockedError(f"Project {project} still owns networks.")
    if db.scalar(select(exists().where(m.network_access.c.project_id == obj.id))):
        raise BlockedError(f"Project {project} still has access to networks.")
    if db.scalar(select(exists().where(m.Headnode.project_id == obj.id))):
        raise BlockedError(f"Project {project} still has headnodes.")
    db.delete(obj)


def project_connect_node(ctx: RequestContext, project: str, node: str) -> None:
    obj = ctx.get(m.Project, project)
    target = ctx.get(m.Node, node)
    ctx.require_project(obj)
    if target.project_id is not None:
        raise BlockedError(f"Node {node} is already owned by a project.")
    target.project = obj


def project_detach_node(ctx: RequestContext, project: str, node: str) -> None:
    obj = ctx.get(m.Project, project)
    target = ctx.get(m.Node, node)
    ctx.require_project(obj)
    if target.project_id != obj.id:
        raise NotFoundError(f"Node {node} is not attached to project {project}.")
    nic_ids = [nic.id for nic in target.nics]
    if nic_ids:
        if ctx.db.scalar(select(exists().where(m.NetworkAttachment.nic_id.in_(nic_ids)))):
            raise BlockedError(f"Node {node} has networks attached; detach them first.")
        if ctx.db.scalar(
            select(
                exists().where(
                    m.NetworkingAction.nic_id.in_(nic_ids),
                    m.NetworkingAction.status == "PENDING",
                )
            )
        ):
            raise BlockedError(f"Node {node} has pending networking actions.")
    # A node leaving its project loses OBM access until an admin or its next owner
    # enables it again (HIL v0.4), so the old tenant keeps no handle on it: obmd revokes
    # the node's token (or the detach fails), and the console service ends its console
    # session while open console streams end on their next check.
    if target.obmd_uri is not None and target.obm_enabled:
        obmd_disable(ctx.services, target)
    target.project = None
    target.obm_enabled = False


def list_project_nodes(ctx: RequestContext, project: str) -> list[str]:
    obj = ctx.get(m.Project, project)
    ctx.require_project(obj)
    return sorted(ctx.db.scalars(select(m.Node.label).where(m.Node.project_id == obj.id)))


def list_project_networks(ctx: RequestContext, project: str) -> list[str]:
    obj = ctx.get(m.Project, project)
    ctx.require_project(obj)
    return sorted(
        ctx.db.scalars(
            select(m.Network.label)
            .join(m.network_access, m.network_access.c.network_id == m.Network.id)
            .where(m.network_access.c.project_id == obj.id)
        )
    )


def list_project_headnodes(ctx: RequestContext, project: str) -> list[str]:
    obj = ctx.get(m.Project, project)
    ctx.require_project(obj)
    return sorted(ctx.db.scalars(select(m.Headnode.label).where(m.Headnode.project_id == obj.id)))


ROUTES = [
    Route("GET", "/projects", list_projects, admin_only=True),
    Route("PUT", "/project/<project>", project_create, admin_only=True),
    Route("DELETE", "/project/<project>", project_delete, admin_only=True),
    Route("POST", "/project/<project>/connect_node", project_connect_node, NodeArg),
    Route("POST", "/project/<project>/detach_node", project_detach_node, NodeArg),
    Route("GET", "/project/<project>/nodes", list_project_nodes),
    Route("GET", "/project/<project>/networks", list_project_networks),
    Route("GET", "/project/<project>/headnodes", list_project_headnodes),
]

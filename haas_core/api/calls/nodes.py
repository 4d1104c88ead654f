"""Nodes, their NICs and metadata."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label, validate
from haas_core.db import models as m
from haas_core.errors import BadArgumentError, BlockedError, DuplicateError, ValidationError
from haas_core.networking import has_pending_action
from haas_core.obm import OBMD_SCHEMES


class ObmdBody(Body):
    uri: str
    admin_token: str


class NodeRegister(Body):
    obm: dict[str, Any] | None = None
    obmd: ObmdBody | None = None
    metadata: dict[Label, Any] | None = None


class NicRegister(Body):
    macaddr: str


class MetadataValue(Body):
    value: Any


def node_register(
    ctx: RequestContext,
    node: str,
    obm: dict[str, Any] | None,
    obmd: ObmdBody | None,
    metadata: dict[str, Any] | None,
) -> None:
    if (obm is None) == (obmd is None):
        raise ValidationError("exactly one of the keys 'obm' and 'obmd' is required")
    ctx.absent(m.Node, node)
    row = m.Node(label=node, obm_state={})
    secrets = ctx.services.secrets
    if obm is not None:
        fields = dict(obm)
        type_name = fields.pop("type", None)
        if not isinstance(type_name, str):
            raise ValidationError("missing required key 'obm.type'")
        driver = ctx.services.obm_drivers.get(type_name)
        info = validate(driver.Info, fields, prefix="obm.")
        row.obm_driver = driver.name
        row.obm_info = secrets.seal(info.model_dump(), driver.secret_fields)
        row.obm_enabled = True
    elif obmd is not None:
        if not obmd.uri.startswith(OBMD_SCHEMES):
            raise BadArgumentError("obmd.uri: must be an http:// or https:// URL")
        row.obmd_uri = obmd.uri
        row.obmd_admin_token = secrets.seal_value(obmd.admin_token)
        row.obm_enabled = False
    for label, value in sorted((metadata or {}).items()):
        row.metadata_items.append(m.NodeMetadata(label=label, value=value))
    ctx.db.add(row)


def node_delete(ctx: RequestContext, node: str) -> None:
    obj = ctx.get(m.Node, node)
    if obj.project_id is not None:
        raise BlockedError(f"Node {node} is owned by a project; detach it first.")
    if obj.nics:
        raise BlockedError(f"Node {node} still has NICs; delete them first.")
    ctx.db.delete(obj)


def node_register_nic(ctx: RequestContext, node: str, nic: str, macaddr: str) -> None:
    obj = ctx.get(m.Node, node)
    if any(n.label == nic for n in obj.nics):
        raise DuplicateError(f"Nic {nic} on Node {node} already exists.")
    obj.nics.append(m.Nic(label=nic, macaddr=macaddr))


def node_delete_nic(ctx: RequestContext, node: str, nic: str) -> None:
    obj = ctx.get(m.Node, node)
    target = ctx.get_child(m.Nic, nic, obj)
    if obj.project_id is not None:
        raise BlockedError(f"Node {node} is owned by a project; detach it first.")
    if has_pending_action(ctx.db, target):
        raise BlockedError(f"Nic {nic} has a pending networking action.")
    ctx.db.delete(target)


def node_set_metadata(ctx: RequestContext, node: str, label: str, value: Any) -> None:
    obj = ctx.get(m.Node, node)
    for item in obj.metadata_items:
        if item.label == label:
            item.value = value
            return
    obj.metadata_items.append(m.NodeMetadata(label=label, value=value))


def node_delete_metadata(ctx: RequestContext, node: str, label: str) -> None:
    obj = ctx.get(m.Node, node)
    ctx.db.delete(ctx.get_child(m.NodeMetadata, label, obj))


#: show_node's query, built once (it is the hottest GET): the node joined to its project
#: and to its NICs with their ports, switches, attachments and networks, then one SELECT
#: for its metadata. Every query is a database round trip, and a selectinload costs more
#: CPU than the few joined rows it replaces (a node has a handful of NICs); metadata stays
#: a SELECT of its own so its rows do not multiply with the NICs'.
_SHOW_NODE = (
    select(m.Node)
    .where(m.Node.label == bindparam("label"))
    .options(
        joinedload(m.Node.project),
        selectinload(m.Node.metadata_items),
        joinedload(m.Node.nics).joinedload(m.Nic.port).joinedload(m.Port.owner),
        joinedload(m.Node.nics)
        .joinedload(m.Nic.attachments)
        .joinedload(m.NetworkAttachment.network),
    )
)


def show_node(ctx: RequestContext, node: str) -> dict[str, Any]:
    # unique(): the joined NIC collection repeats the node's row once per NIC.
    found = ctx.db.scalars(_SHOW_NODE, {"label": node}).unique().one_or_none()
    obj = found or ctx.get(m.Node, node)
    if obj.project is not None:
        ctx.require_project(obj.project)
    admin = ctx.identity.is_admin
    nics = []
    for nic in obj.nics:
        entry: dict[str, Any] = {
            "label": nic.label,
            "macaddr": nic.macaddr,
            "networks": {att.channel: att.network.label for att in nic.attachments},
        }
        if admin:
            entry["port"] = nic.port.label if nic.port else None
            entry["switch"] = nic.port.owner.label if nic.port else None
        nics.append(entry)
    return {
        "name": obj.label,
        "project": obj.project.label if obj.project else None,
        "nics": nics,
        "metadata": {item.label: item.value for item in obj.metadata_items},
    }


def list_nodes(ctx: RequestContext, is_free: str) -> list[str]:
    stmt = select(m.Node.label)
    if is_free == "free":
        stmt = stmt.where(m.Node.project_id.is_(None))
    # Sorted here, not by ORDER BY: the database's collation must not decide the order.
    return sorted(ctx.db.scalars(stmt))


ROUTES = [
    Route("PUT", "/node/<node>", node_register, NodeRegister, admin_only=True),
    Route("DELETE", "/node/<node>", node_delete, admin_only=True),
    Route("PUT", "/node/<node>/nic/<nic>", node_register_nic, NicRegister, admin_only=True),
    Route("DELETE", "/node/<node>/nic/<nic>", node_delete_nic, admin_only=True),
    Route(
        "PUT", "/node/<node>/metadata/<label>", node_set_metadata, MetadataValue, admin_only=True
    ),
    Route("DELETE", "/node/<node>/metadata/<label>", node_delete_metadata, admin_only=True),
    Route("GET", "/node/<node>", show_node),
    Route("GET", "/nodes/<is_free>", list_nodes),
]

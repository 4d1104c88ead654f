"""What a haas server holds of an inventory, read through the API, and its export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from haas_client import Client
from haas_client.inventory import Inventory


@dataclass
class ServerNode:
    project: str | None
    metadata: dict[str, Any]
    nics: dict[str, dict[str, Any]]  # label -> {"macaddr", "switch", "port"}


@dataclass
class ServerState:
    projects: list[str]
    switches: dict[str, list[str]]  # switch -> port labels
    nodes: dict[str, ServerNode]
    cabling: dict[tuple[str, str], tuple[str, str]]  # (switch, port) -> (node, nic)


def fetch(haas: Client) -> ServerState:
    """Everything an inventory describes, as the server holds it (admin credentials)."""
    switches = {
        name: [p["label"] for p in haas.switches.show(name)["ports"]]
        for name in haas.switches.list()
    }
    nodes = {}
    cabling = {}
    for name in haas.nodes.list("all"):
        shown = haas.nodes.show(name)
        nics = {}
        for nic in shown["nics"]:
            nics[nic["label"]] = nic
            if nic.get("port") is not None:
                cabling[nic["switch"], nic["port"]] = (name, nic["label"])
        nodes[name] = ServerNode(shown["project"], shown["metadata"], nics)
    return ServerState(haas.projects.list(), switches, nodes, cabling)


def export(state: ServerState, drivers: Inventory | None = None) -> dict[str, Any]:
    """The server's inventory as a dictionary in the file format, in a stable order.

    The API never shows OBM or switch driver settings (they hold credentials), so those
    come from ``drivers``, an earlier inventory, for the nodes and switches it names.
    """
    switches: dict[str, Any] = {}
    for name in sorted(state.switches):
        spec = drivers.switches.get(name) if drivers else None
        switches[name] = dict(spec.driver) if spec and spec.driver else {}
    nodes: dict[str, Any] = {}
    for name, node in sorted(state.nodes.items()):
        entry: dict[str, Any] = {}
        known = drivers.nodes.get(name) if drivers else None
        if known is not None and known.obm is not None:
            entry["obm"] = dict(known.obm)
        if known is not None and known.obmd is not None:
            entry["obmd"] = dict(known.obmd)
        if node.project is not None:
            entry["project"] = node.project
        if node.metadata:
            entry["metadata"] = {k: node.metadata[k] for k in sorted(node.metadata)}
        if node.nics:
            entry["nics"] = {k: node.nics[k]["macaddr"] for k in sorted(node.nics)}
        nodes[name] = entry
    ports = []
    for switch, labels in sorted(state.switches.items()):
        for port in sorted(labels):
            item = {"switch": switch, "port": port}
            cabled = state.cabling.get((switch, port))
            if cabled is not None:
                item["node"], item["nic"] = cabled
            ports.append(item)
    data: dict[str, Any] = {"projects": sorted(state.projects)}
    data["switches"] = switches
    data["nodes"] = nodes
    data["ports"] = ports
    return data

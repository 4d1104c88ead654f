"""``haas project ...`` and ``haas network ...``."""

from __future__ import annotations

from typing import Any

import click

from haas_client.cli._base import HaasGroup, client
from haas_client.cli._output import emit, labels, table


@click.group(cls=HaasGroup)
def project() -> None:
    """Projects (tenants) and their nodes."""


@project.command("create")
@click.argument("project")
def project_create(project: str) -> None:
    """Create a project."""
    client().projects.create(project)


@project.command("delete")
@click.argument("project")
def project_delete(project: str) -> None:
    """Delete a project (it must have no nodes, networks or headnodes)."""
    client().projects.delete(project)


@project.command("list")
def project_list() -> None:
    """List all projects."""
    emit(client().projects.list(), labels("projects"))


@project.command("list-networks")
@click.argument("project")
def project_list_networks(project: str) -> None:
    """List the networks PROJECT has access to."""
    emit(client().projects.networks(project), labels("networks"))


@project.group("node", cls=HaasGroup)
def project_node() -> None:
    """The nodes of a project."""


@project_node.command("add")
@click.argument("project")
@click.argument("node")
def project_node_add(project: str, node: str) -> None:
    """Give the free NODE to PROJECT."""
    client().projects.connect_node(project, node)


@project_node.command("remove")
@click.argument("project")
@click.argument("node")
def project_node_remove(project: str, node: str) -> None:
    """Give NODE back (its NICs must have no networks)."""
    client().projects.detach_node(project, node)


@project_node.command("list")
@click.argument("project")
def project_node_list(project: str) -> None:
    """List the nodes of PROJECT."""
    emit(client().projects.nodes(project), labels("nodes"))


@click.group(cls=HaasGroup)
def network() -> None:
    """Layer-2 networks and who may use them."""


@network.command("create")
@click.argument("network")
@click.argument("owner")
@click.argument("access", required=False)
@click.argument("net_id", required=False, default="")
def network_create(network: str, owner: str, access: str | None, net_id: str) -> None:
    """Create NETWORK owned by OWNER (a project, or admin).

    \b
    ACCESS defaults to OWNER for a project's network and to "" (public) for admin;
    NET_ID defaults to "" (an id from the pool).
      haas network create lab-net lab                 # the project's own network
      haas network create internet admin "" 1000      # public, VLAN 1000
      haas network create uplink admin lab            # provider network for lab
    """
    if access is None:
        access = "" if owner == "admin" else owner
    client().networks.create(network, owner, access, net_id)


@network.command("delete")
@click.argument("network")
def network_delete(network: str) -> None:
    """Delete NETWORK (it must be attached to nothing)."""
    client().networks.delete(network)


def _network_table(data: dict[str, Any]) -> str:
    head = table(
        ["network", "owner", "access", "channels"],
        [[data["name"], data["owner"], data["access"], data["channels"]]],
    )
    nodes = table(["node", "nics"], sorted(data["connected-nodes"].items()))
    return head + "\n\n" + nodes


@network.command("show")
@click.argument("network")
def network_show(network: str) -> None:
    """Show NETWORK: owner, access list, channels, connected nodes."""
    emit(client().networks.show(network), _network_table)


@network.command("list")
def network_list() -> None:
    """List the networks you can see."""
    emit(
        client().networks.list(),
        lambda data: table(
            ["network", "network id", "projects"],
            [
                [
                    name,
                    info["network_id"],
                    "(public)" if info["projects"] is None else info["projects"],
                ]
                for name, info in sorted(data.items())
            ],
        ),
    )


@network.command("list-attachments")
@click.argument("network")
@click.option("--project", help="Only the nodes of this project.")
def network_list_attachments(network: str, project: str | None) -> None:
    """List the node NICs attached to NETWORK."""
    emit(
        client().networks.attachments(network, project),
        lambda data: table(
            ["node", "nic", "channel", "project"],
            [[node, a["nic"], a["channel"], a["project"]] for node, a in sorted(data.items())],
        ),
    )


@network.command("grant-access")
@click.argument("network")
@click.argument("project")
def network_grant_access(network: str, project: str) -> None:
    """Let PROJECT use NETWORK."""
    client().networks.grant_access(network, project)


@network.command("revoke-access")
@click.argument("network")
@click.argument("project")
def network_revoke_access(network: str, project: str) -> None:
    """Take NETWORK away from PROJECT."""
    client().networks.revoke_access(network, project)

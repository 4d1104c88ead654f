"""``haas headnode ...``: a project's headnode VMs."""

from __future__ import annotations

import click

from haas_client.cli._base import HaasGroup, client
from haas_client.cli._output import emit, labels, record


@click.group(cls=HaasGroup)
def headnode() -> None:
    """Headnodes: a project's virtual machines on haas's networks."""


@headnode.command("create")
@click.argument("headnode")
@click.argument("project")
@click.argument("base_img")
def headnode_create(headnode: str, project: str, base_img: str) -> None:
    """Create HEADNODE for PROJECT from image BASE_IMG."""
    client().headnodes.create(headnode, project, base_img)


@headnode.command("delete")
@click.argument("headnode")
def headnode_delete(headnode: str) -> None:
    """Delete HEADNODE and destroy its VM."""
    client().headnodes.delete(headnode)


@headnode.command("start")
@click.argument("headnode")
def headnode_start(headnode: str) -> None:
    """Start HEADNODE (its hnics are frozen from then on)."""
    client().headnodes.start(headnode)


@headnode.command("stop")
@click.argument("headnode")
def headnode_stop(headnode: str) -> None:
    """Stop HEADNODE."""
    client().headnodes.stop(headnode)


@headnode.command("show")
@click.argument("headnode")
def headnode_show(headnode: str) -> None:
    """Show HEADNODE: project, hnics, VNC port, image."""
    emit(client().headnodes.show(headnode), record)


@headnode.command("list")
@click.argument("project")
def headnode_list(project: str) -> None:
    """List the headnodes of PROJECT."""
    emit(client().headnodes.list(project), labels("headnodes"))


@headnode.command("list-images")
def headnode_list_images() -> None:
    """List the base images headnodes can be made from."""
    emit(client().headnodes.list_images(), labels("images"))


@headnode.group("nic", cls=HaasGroup)
def headnode_nic() -> None:
    """A headnode's virtual NICs (hnics)."""


@headnode_nic.command("create")
@click.argument("headnode")
@click.argument("hnic")
def hnic_create(headnode: str, hnic: str) -> None:
    """Create HNIC on HEADNODE."""
    client().headnodes.create_hnic(headnode, hnic)


@headnode_nic.command("delete")
@click.argument("headnode")
@click.argument("hnic")
def hnic_delete(headnode: str, hnic: str) -> None:
    """Delete HNIC from HEADNODE."""
    client().headnodes.delete_hnic(headnode, hnic)


@headnode.group("network", cls=HaasGroup)
def headnode_network() -> None:
    """Networks of a headnode's hnics."""


@headnode_network.command("connect")
@click.argument("headnode")
@click.argument("hnic")
@click.argument("network")
def headnode_network_connect(headnode: str, hnic: str, network: str) -> None:
    """Connect HEADNODE's HNIC to NETWORK."""
    client().headnodes.connect_network(headnode, hnic, network)


@headnode_network.command("detach")
@click.argument("headnode")
@click.argument("hnic")
def headnode_network_detach(headnode: str, hnic: str) -> None:
    """Detach HEADNODE's HNIC from its network."""
    client().headnodes.detach_network(headnode, hnic)

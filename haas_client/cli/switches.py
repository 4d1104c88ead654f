"""``haas switch ...`` and ``haas port ...``."""

from __future__ import annotations

import click

from haas_client.cli._base import HaasGroup, client, report_action, wait_options
from haas_client.cli._output import emit, labels, record, table
from haas_client.cli.nodes import key_values


@click.group(cls=HaasGroup)
def switch() -> None:
    """Switches (admin)."""


@switch.command("register")
@click.argument("switch")
@click.argument("type")
@click.argument("fields", nargs=-1, metavar="KEY=VALUE...")
def switch_register(switch: str, type: str, fields: tuple[str, ...]) -> None:
    """Register SWITCH of driver TYPE with its driver fields.

    \b
      haas switch register sw0 mock hostname=sw0 username=admin password=secret
      haas switch register sw1 nexus hostname=10.0.0.2 username=admin password=s dummy_vlan=2222
    """
    client().switches.register(switch, type, **key_values(fields, "KEY=VALUE"))


@switch.command("delete")
@click.argument("switch")
def switch_delete(switch: str) -> None:
    """Delete SWITCH (it must have no ports)."""
    client().switches.delete(switch)


@switch.command("show")
@click.argument("switch")
def switch_show(switch: str) -> None:
    """Show SWITCH: its ports and capabilities."""
    emit(
        client().switches.show(switch),
        lambda d: table(
            ["switch", "ports", "capabilities"],
            [[d["name"], [p["label"] for p in d["ports"]], d["capabilities"]]],
        ),
    )


@switch.command("list")
def switch_list() -> None:
    """List all switches."""
    emit(client().switches.list(), labels("switches"))


@click.group(cls=HaasGroup)
def port() -> None:
    """Switch ports and their cabling to NICs (admin)."""


@port.command("register")
@click.argument("switch")
@click.argument("port")
def port_register(switch: str, port: str) -> None:
    """Register PORT (e.g. gi1/0/1) on SWITCH."""
    client().ports.register(switch, port)


@port.command("delete")
@click.argument("switch")
@click.argument("port")
def port_delete(switch: str, port: str) -> None:
    """Delete PORT from SWITCH (no NIC may be cabled to it)."""
    client().ports.delete(switch, port)


@port.command("show")
@click.argument("switch")
@click.argument("port")
def port_show(switch: str, port: str) -> None:
    """Show the NIC cabled to PORT and its networks."""
    emit(client().ports.show(switch, port), lambda d: record(d) if d else "no NIC cabled")


@port.command("revert")
@click.argument("switch")
@click.argument("port")
@wait_options
def port_revert(switch: str, port: str, wait: bool, timeout: float) -> None:
    """Remove every network from PORT (a networking action)."""
    report_action(client().ports.revert(switch, port), wait, timeout)


@port.group("nic", cls=HaasGroup)
def port_nic() -> None:
    """Cabling between ports and NICs."""


@port_nic.command("add")
@click.argument("switch")
@click.argument("port")
@click.argument("node")
@click.argument("nic")
def port_nic_add(switch: str, port: str, node: str, nic: str) -> None:
    """Record that NODE's NIC is cabled to SWITCH's PORT."""
    client().ports.connect_nic(switch, port, node, nic)


@port_nic.command("remove")
@click.argument("switch")
@click.argument("port")
def port_nic_remove(switch: str, port: str) -> None:
    """Remove the cabling of PORT."""
    client().ports.detach_nic(switch, port)

"""``haas node ...``: nodes, their NICs, metadata, networks, power, boot device and console."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from haas_client.cli._base import HaasGroup, client, report_action, wait_options
from haas_client.cli._output import emit, labels, table


def parse_value(text: str) -> Any:
    """A metadata value: JSON when it parses (``32``, ``true``, ``[1,2]``), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def key_values(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    fields = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint=what)
        fields[key] = value
    return fields


@click.group(cls=HaasGroup)
def node() -> None:
    """Nodes: registration, NICs, networks, power, console."""


@node.command("list")
@click.argument("pool", type=click.Choice(["free", "all"]))
def node_list(pool: str) -> None:
    """List the free (unowned) nodes or all nodes."""
    emit(client().nodes.list(pool), labels(f"{pool} nodes"))


def _node_table(data: dict[str, Any]) -> str:
    head = table(
        ["node", "project", "metadata"],
        [[data["name"], data["project"], json.dumps(data["metadata"], sort_keys=True)]],
    )
    nics = table(
        ["nic", "macaddr", "switch", "port", "networks"],
        [
            [n["label"], n["macaddr"], n.get("switch"), n.get("port"), n["networks"]]
            for n in data["nics"]
        ],
    )
    return head + "\n\n" + nics


@node.command("show")
@click.argument("node")
def node_show(node: str) -> None:
    """Show a node: project, NICs (with cabling, for admins), metadata."""
    emit(client().nodes.show(node), _node_table)


@node.command("register")
@click.argument("node")
@click.argument("obm_type", required=False)
@click.argument("host", required=False)
@click.argument("user", required=False)
@click.argument("password", required=False)
@click.option("--obm-field", multiple=True, metavar="KEY=VALUE", help="Other OBM driver fields.")
@click.option("--obmd-uri", help="Register the node with an obmd at this URI instead.")
@click.option("--obmd-admin-token", help="The obmd admin token (with --obmd-uri).")
@click.option("--metadata", multiple=True, metavar="LABEL=VALUE", help="Metadata (JSON value).")
def node_register(
    node: str,
    obm_type: str | None,
    host: str | None,
    user: str | None,
    password: str | None,
    obm_field: tuple[str, ...],
    obmd_uri: str | None,
    obmd_admin_token: str | None,
    metadata: tuple[str, ...],
) -> None:
    """Register NODE with its BMC: OBM_TYPE HOST USER PASSWORD (e.g. ipmi), or an obmd.

    \b
      haas node register node-01 ipmi 10.0.0.1 root calvin
      haas node register node-01 --obmd-uri http://obmd/node/n1 --obmd-admin-token T
    """
    meta = {k: parse_value(v) for k, v in key_values(metadata, "--metadata").items()} or None
    if obmd_uri is not None or obmd_admin_token is not None:
        if obm_type is not None or obm_field or not (obmd_uri and obmd_admin_token):
            raise click.UsageError("--obmd-uri and --obmd-admin-token go together, without OBM")
        obmd = {"uri": obmd_uri, "admin_token": obmd_admin_token}
        client().nodes.register(node, obmd=obmd, metadata=meta)
        return
    if obm_type is None:
        raise click.UsageError("give OBM_TYPE HOST USER PASSWORD, or --obmd-uri")
    obm: dict[str, Any] = {"type": obm_type}
    given = {"host": host, "user": user, "password": password}
    obm.update({key: value for key, value in given.items() if value is not None})
    obm.update(key_values(obm_field, "--obm-field"))
    client().nodes.register(node, obm, metadata=meta)


@node.command("delete")
@click.argument("node")
def node_delete(node: str) -> None:
    """Delete a node (it must be free and have no NICs)."""
    client().nodes.delete(node)


@node.command("bootdev")
@click.argument("node")
@click.argument("bootdev")
def node_bootdev(node: str, bootdev: str) -> None:
    """Set the boot device of NODE (pxe, disk or none)."""
    client().nodes.set_bootdev(node, bootdev)


@node.group("nic", cls=HaasGroup)
def node_nic() -> None:
    """A node's NICs."""


@node_nic.command("register")
@click.argument("node")
@click.argument("nic")
@click.argument("macaddr")
def nic_register(node: str, nic: str, macaddr: str) -> None:
    """Register NIC with MACADDR on NODE."""
    client().nodes.register_nic(node, nic, macaddr)


@node_nic.command("delete")
@click.argument("node")
@click.argument("nic")
def nic_delete(node: str, nic: str) -> None:
    """Delete NIC from NODE."""
    client().nodes.delete_nic(node, nic)


@node.group("network", cls=HaasGroup)
def node_network() -> None:
    """Attach NICs to networks (asynchronous: a networking action)."""


@node_network.command("connect")
@click.argument("node")
@click.argument("nic")
@click.argument("network")
@click.argument("channel", required=False)
@wait_options
def network_connect(
    node: str, nic: str, network: str, channel: str | None, wait: bool, timeout: float
) -> None:
    """Connect NODE's NIC to NETWORK (on CHANNEL, default the native VLAN)."""
    report_action(client().nodes.connect_network(node, nic, network, channel), wait, timeout)


@node_network.command("detach")
@click.argument("node")
@click.argument("nic")
@click.argument("network")
@wait_options
def network_detach(node: str, nic: str, network: str, wait: bool, timeout: float) -> None:
    """Detach NETWORK from NODE's NIC."""
    report_action(client().nodes.detach_network(node, nic, network), wait, timeout)


@node.group("power", cls=HaasGroup)
def node_power() -> None:
    """Power control through the node's OBM."""


@node_power.command("on")
@click.argument("node")
def power_on(node: str) -> None:
    """Power NODE on."""
    client().nodes.power_on(node)


@node_power.command("off")
@click.argument("node")
def power_off(node: str) -> None:
    """Power NODE off."""
    client().nodes.power_off(node)


@node_power.command("cycle")
@click.argument("node")
@click.option("--force", is_flag=True, help="Hard reset instead of a soft one.")
def power_cycle(node: str, force: bool) -> None:
    """Power-cycle NODE."""
    client().nodes.power_cycle(node, force)


@node_power.command("status")
@click.argument("node")
def power_status(node: str) -> None:
    """Show whether NODE is On or Off."""
    status = client().nodes.power_status(node)
    emit({"power_status": status}, lambda d: d["power_status"])


@node.group("obm", cls=HaasGroup)
def node_obm() -> None:
    """Enable or disable a node's OBM (power and console calls need it enabled)."""


@node_obm.command("enable")
@click.argument("node")
def obm_enable(node: str) -> None:
    """Enable NODE's OBM."""
    client().nodes.enable_obm(node)


@node_obm.command("disable")
@click.argument("node")
def obm_disable(node: str) -> None:
    """Disable NODE's OBM."""
    client().nodes.disable_obm(node)


@node.group("console", cls=HaasGroup)
def node_console() -> None:
    """A node's serial console."""


@node_console.command("show")
@click.argument("node")
def console_show(node: str) -> None:
    """Stream NODE's console to stdout until the server ends it or Ctrl-C."""
    out = sys.stdout.buffer
    try:
        for chunk in client().nodes.console(node):
            out.write(chunk)
            out.flush()
    except KeyboardInterrupt:
        pass


@node_console.command("start")
@click.argument("node")
def console_start(node: str) -> None:
    """Start logging NODE's console (HIL v0.3 compatibility)."""
    client().nodes.start_console(node)


@node_console.command("stop")
@click.argument("node")
def console_stop(node: str) -> None:
    """Stop logging NODE's console (HIL v0.3 compatibility)."""
    client().nodes.stop_console(node)


@node.group("metadata", cls=HaasGroup)
def node_metadata() -> None:
    """A node's metadata (label: JSON value)."""


@node_metadata.command("add")
@click.argument("node")
@click.argument("label")
@click.argument("value")
def metadata_add(node: str, label: str, value: str) -> None:
    """Set LABEL to VALUE on NODE (VALUE is JSON when it parses, else a string)."""
    client().nodes.set_metadata(node, label, parse_value(value))


@node_metadata.command("delete")
@click.argument("node")
@click.argument("label")
def metadata_delete(node: str, label: str) -> None:
    """Delete LABEL from NODE's metadata."""
    client().nodes.delete_metadata(node, label)

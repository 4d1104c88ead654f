"""The ``haas`` command line: HIL's ``hil`` command tree over the haas client library."""

from __future__ import annotations

from haas_client.cli._base import cli
from haas_client.cli.headnodes import headnode
from haas_client.cli.inventory_cmd import export_cmd, import_cmd
from haas_client.cli.nodes import node
from haas_client.cli.projects import network, project
from haas_client.cli.switches import port, switch
from haas_client.cli.users import extensions, networking_action, server_version, user

for command in (
    node,
    project,
    network,
    switch,
    port,
    headnode,
    user,
    networking_action,
    extensions,
    server_version,
    import_cmd,
    export_cmd,
):
    cli.add_command(command)

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="haas")

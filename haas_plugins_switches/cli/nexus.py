"""Cisco Nexus switches (HIL's ``nexus``, NX-OS), over ssh by default. A removed
native VLAN is parked on ``dummy_vlan``."""

from __future__ import annotations

import re

from haas_core.drivers import SwitchDriver
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.cli.console import Prompts
from haas_plugins_switches.cli.engine import CliSwitchDriver, Dialect, DummyVlanInfo

ALLOWED = "switchport trunk allowed vlan"

DIALECT = Dialect(
    prompts=Prompts(disable_paging="terminal length 0"),
    configure="configure terminal",
    interface="interface {port}",
    leave=("exit", "exit"),
    connect_native=(
        "switchport",
        "switchport mode trunk",
        "switchport trunk native vlan {vlan}",
        f"{ALLOWED} add {{vlan}}",
    ),
    connect_tagged=("switchport", "switchport mode trunk", f"{ALLOWED} add {{vlan}}"),
    detach_tagged=(f"{ALLOWED} remove {{vlan}}",),
    detach_native=(f"{ALLOWED} remove {{old}}", "switchport trunk native vlan {dummy}"),
    # Trunk mode first: a reverted access port (the factory default) would still carry its VLAN.
    revert=(
        "switchport",
        "switchport mode trunk",
        f"{ALLOWED} none",
        "switchport trunk native vlan {dummy}",
    ),
    show_port="show interface {port} switchport",
    native_keys=("Trunking Native Mode VLAN",),
    allowed_keys=("Trunking VLANs Allowed", "Trunking VLANs Enabled"),
    save_done=r"Copy complete",
)


class NexusDriver(CliSwitchDriver):
    name = "nexus"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/nexus",)
    Info = DummyVlanInfo
    dialect = DIALECT
    port_pattern = re.compile(r"[Ee]thernet\d+/\d+(/\d+)?")
    port_examples = "Ethernet1/12 or ethernet1/0/10"


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [NexusDriver]

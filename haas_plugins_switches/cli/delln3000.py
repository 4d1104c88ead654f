"""Dell N3000 switches (HIL's ``delln3000``), over ssh by default. A removed native
VLAN is parked on ``dummy_vlan``, which the session creates after logging in."""

from __future__ import annotations

import re

from haas_core.drivers import SwitchDriver
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.cli.console import Prompts
from haas_plugins_switches.cli.engine import CliSwitchDriver, Dialect, DummyVlanInfo

ALLOWED = "switchport trunk allowed vlan"
PARK_NATIVE = (f"{ALLOWED} add {{dummy}}", "switchport trunk native vlan {dummy}")

DIALECT = Dialect(
    prompts=Prompts(disable_paging="terminal length 0"),
    configure="configure",
    interface="interface {port}",
    leave=("exit", "exit"),
    connect_native=(
        "switchport mode trunk",
        f"{ALLOWED} add {{vlan}}",
        "switchport trunk native vlan {vlan}",
    ),
    connect_tagged=("switchport mode trunk", f"{ALLOWED} add {{vlan}}"),
    detach_tagged=(f"{ALLOWED} remove {{vlan}}",),
    detach_native=(f"{ALLOWED} remove {{old}}", *PARK_NATIVE, f"{ALLOWED} remove {{dummy}}"),
    # Trunk mode first: a reverted access port (the factory default) would still carry its VLAN.
    revert=("switchport mode trunk", *PARK_NATIVE, f"{ALLOWED} remove 1-4093"),
    setup=("vlan {dummy}", "exit", "exit"),
    show_port="show interfaces switchport {port}",
    native_keys=("Trunking Mode Native VLAN",),
    allowed_keys=("Trunking Mode VLANs Enabled",),
    save_confirm=(r"\([Yy]/[Nn]\)[^\n]*", "y"),
    save_done=r"Configuration Saved|Copy succeeded",
)


class DellN3000Driver(CliSwitchDriver):
    name = "delln3000"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/delln3000",)
    Info = DummyVlanInfo
    dialect = DIALECT
    port_pattern = re.compile(r"(gi|te|tw|fo)\d+/\d+(/\d+)?", re.I)
    port_examples = "gi1/0/11, Te1/0/12 or gi1/12"


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [DellN3000Driver]

"""Dell N3000 switches (HIL's ``delln3000``), over ssh by default. A removed native
VLAN is parked on ``dummy_vlan``, which the session creates after logging in."""

from __future__ import annotations

import re

from haas_core.drivers import SwitchDriver
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.cli.console import Prompts
from haas_plugins_switches.cli.dell import ALLOWED, DELL_DIALECT, PARK_NATIVE
from haas_plugins_switches.cli.engine import CliSwitchDriver, Dialect, DummyVlanInfo

DIALECT = Dialect(
    **DELL_DIALECT,
    prompts=Prompts(disable_paging="terminal length 0"),
    # Trunk mode first: a reverted access port (the factory default) would still carry its VLAN.
    revert=("switchport mode trunk", *PARK_NATIVE, f"{ALLOWED} remove 1-4093"),
    setup=("vlan {dummy}", "exit", "exit"),
    native_keys=("Trunking Mode Native VLAN",),
    allowed_keys=("Trunking Mode VLANs Enabled",),
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

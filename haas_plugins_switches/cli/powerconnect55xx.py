"""Dell PowerConnect 55xx switches (HIL's ``powerconnect55xx``), over telnet by default.

Without ``dummy_vlan`` a removed native VLAN becomes ``native vlan none`` as in HIL;
with one, the native VLAN is parked on it like the N3000 does.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from haas_core.drivers import SwitchDriver
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.cli.console import Prompts
from haas_plugins_switches.cli.dell import ALLOWED, DELL_DIALECT, PARK_NATIVE
from haas_plugins_switches.cli.engine import (
    CliSwitchDriver,
    CliSwitchInfo,
    Dialect,
    _vlan_number,
)


class PowerConnectInfo(CliSwitchInfo):
    protocol: Literal["ssh", "telnet"] = "telnet"
    dummy_vlan: int | None = Field(default=None, ge=1, le=4094)

    _dummy = field_validator("dummy_vlan", mode="before")(_vlan_number)


DIALECT = Dialect(
    **DELL_DIALECT,
    prompts=Prompts(disable_paging="terminal datadump"),
    detach_native_without_dummy=(f"{ALLOWED} remove {{old}}", "switchport trunk native vlan none"),
    # Trunk mode first: a reverted access port (the factory default) would still carry its VLAN.
    revert=("switchport mode trunk", *PARK_NATIVE, f"{ALLOWED} none"),
    revert_without_dummy=(
        "switchport mode trunk",
        f"{ALLOWED} none",
        "switchport trunk native vlan none",
    ),
    native_keys=("Trunking Native Mode VLAN", "Trunking Mode Native VLAN"),
    allowed_keys=("Trunking VLANs Enabled", "Trunking Mode VLANs Enabled"),
    save_done=r"Copy succeeded|Configuration Saved",
)


class PowerConnect55xxDriver(CliSwitchDriver):
    name = "powerconnect55xx"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/powerconnect55xx",)
    Info = PowerConnectInfo
    dialect = DIALECT
    port_pattern = re.compile(r"(gi|te)\d+/\d+(/\d+)?")
    port_examples = "gi1/0/11, te1/0/12, gi1/12 or te1/3"


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [PowerConnect55xxDriver]

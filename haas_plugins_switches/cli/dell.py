"""What Dell's two command lines (PowerConnect 55xx, N3000) share: the configuration
contexts, the trunk-port commands and the save dialogue. Each vendor adds its prompts,
revert, read-back keys and what differs."""

from __future__ import annotations

from typing import Any

ALLOWED = "switchport trunk allowed vlan"
#: Park the native VLAN on the switch's dummy VLAN (the removed one then carries nothing).
PARK_NATIVE = (f"{ALLOWED} add {{dummy}}", "switchport trunk native vlan {dummy}")

#: Keyword arguments of :class:`~haas_plugins_switches.cli.engine.Dialect`.
DELL_DIALECT: dict[str, Any] = {
    "configure": "configure",
    "interface": "interface {port}",
    "leave": ("exit", "exit"),
    "connect_native": (
        "switchport mode trunk",
        f"{ALLOWED} add {{vlan}}",
        "switchport trunk native vlan {vlan}",
    ),
    "connect_tagged": ("switchport mode trunk", f"{ALLOWED} add {{vlan}}"),
    "detach_tagged": (f"{ALLOWED} remove {{vlan}}",),
    "detach_native": (f"{ALLOWED} remove {{old}}", *PARK_NATIVE, f"{ALLOWED} remove {{dummy}}"),
    "show_port": "show interfaces switchport {port}",
    "save_confirm": (r"\([Yy]/[Nn]\)[^\n]*", "y"),
}

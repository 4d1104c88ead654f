"""An emulated switch's state: per-port VLAN configuration, mirrored onto OVS ports.

The CLI and REST emulators change a :class:`PortConfig` and call
:meth:`EmulatedSwitch.apply`, which pushes the port's forwarding behaviour into the fabric; show
commands and GETs read the same state back, so what a client reads is what the fabric forwards.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from haas_lab.fabric import BLACKHOLE_VLAN

if TYPE_CHECKING:
    from haas_lab.fabric import Fabric

LOG = logging.getLogger(__name__)

ALL_VLANS = frozenset(range(1, 4095))


def parse_vlans(text: str) -> set[int]:
    """``"10,20-22"`` -> ``{10, 20, 21, 22}``; raises ValueError on anything else."""
    vlans: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        first, last = int(lo), int(hi or lo)
        if not 1 <= first <= last <= 4094:
            raise ValueError(f"bad VLAN range {part!r}")
        vlans.update(range(first, last + 1))
    return vlans


def format_vlans(vlans: set[int] | frozenset[int], empty: str = "none") -> str:
    """``{10, 20, 21, 22}`` -> ``"10,20-22"``."""
    if not vlans:
        return empty
    out: list[str] = []
    ordered = sorted(vlans)
    start = prev = ordered[0]
    for v in [*ordered[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ",".join(out)


@dataclass
class PortConfig:
    """A switch port as a vendor CLI sees it (factory default: access port on VLAN 1).

    A trunk forwards its native VLAN untagged only while that VLAN is also allowed, as real
    switches do. The lab departs from the vendors in one way: a port that becomes a trunk
    starts with no allowed VLANs (vendors allow all), so a driver that only adds VLANs never
    leaks the others.
    """

    mode: str = "access"  # access | trunk | general
    access_vlan: int = 1
    native: int | None = 1
    native_tagged: bool = False  # Brocade's 'tag native-vlan'
    allowed: set[int] = field(default_factory=set)
    pvid: int = 1  # general mode
    general_tagged: set[int] = field(default_factory=set)
    general_untagged: set[int] = field(default_factory=lambda: {1})
    shutdown: bool = False
    switchport: bool = True
    description: str = ""

    def ovs_settings(self, native_needs_allowed: bool = True) -> tuple[str, int | None, list[int]]:
        """(vlan_mode, tag, trunks) that make OVS forward like this port.

        ``native_needs_allowed``: the vendor forwards a trunk's native VLAN only while it is
        also in the allowed list (Cisco, Dell); Brocade forwards it regardless.
        """
        if self.shutdown or not self.switchport:
            return "trunk", None, [BLACKHOLE_VLAN]
        if self.mode == "access":
            return "access", self.access_vlan, []
        if self.mode == "general":
            native = self.pvid if self.pvid in self.general_untagged else None
            tagged = self.general_tagged
        else:
            native = self.native
            if native_needs_allowed and native not in self.allowed:
                native = None
            tagged = self.allowed - {native} if native else self.allowed
        if native is None:
            return "trunk", None, sorted(tagged) or [BLACKHOLE_VLAN]
        mode = "native-tagged" if self.native_tagged else "native-untagged"
        return mode, native, sorted({*tagged, native})


#: Dialects whose ports leave the factory shut down and out of layer 2 (OS9: ``shutdown``, no
#: ``switchport``); the others' ports are access ports on VLAN 1.
FACTORY_SHUTDOWN = frozenset({"dellnos9"})


def factory_port(dialect: str) -> PortConfig:
    if dialect in FACTORY_SHUTDOWN:
        return PortConfig(shutdown=True, switchport=False)
    return PortConfig()


class EmulatedSwitch:
    """One emulated switch: its credentials, latency, ports and the OVS ports behind them.

    ``ports`` maps each vendor port label (``gi1/0/3``) to the fabric's OVS port name; a
    switch without a fabric keeps state only (used by the REST/CLI unit tests).
    """

    def __init__(
        self,
        name: str,
        dialect: str,
        ports: dict[str, str],
        *,
        fabric: Fabric | None,
        username: str,
        password: str,
        login_delay: float = 0.0,
        command_delay: float = 0.0,
    ) -> None:
        self.name = name
        self.dialect = dialect
        self.ovs_ports = dict(ports)
        self.ports = {label: factory_port(dialect) for label in ports}
        self.fabric = fabric
        self.username = username
        self.password = password
        self.login_delay = login_delay
        self.command_delay = command_delay
        self.vlans: set[int] = {1}
        self.startup_config: str | None = None
        self.saves = 0
        self.logins = 0  # CLI sessions that logged in (benchmarks compare with the minimum)
        self.commands = 0  # CLI command lines run
        self.lock = threading.Lock()
        #: What each port's OVS port was last set to; the fabric starts them all on VLAN 1.
        self.pushed: dict[str, tuple[str, int | None, list[int]]] = {
            label: ("access", 1, []) for label in ports
        }

    def apply(self, label: str) -> None:
        """Push port ``label``'s configuration to its OVS port (skipped when what the port
        forwards did not change: most commands of a change leave it alone, and every OVS
        transaction costs two processes)."""
        settings = self.ports[label].ovs_settings(self.dialect != "brocade")
        LOG.debug("%s %s -> vlan_mode=%s tag=%s trunks=%s", self.name, label, *settings)
        if self.fabric is not None:
            with self.lock:
                if self.pushed.get(label) != settings:
                    self.fabric.set_port(self.ovs_ports[label], *settings)
                    self.pushed[label] = settings

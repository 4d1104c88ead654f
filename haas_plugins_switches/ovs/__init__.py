"""Open vSwitch through ``ovs-vsctl``: labs and whitebox switches.

A port's VLANs are its ``tag``, ``trunks`` and ``vlan_mode`` columns:

* only a native VLAN: ``vlan_mode=access tag=N`` (untagged frames, VLAN N only);
* a native VLAN and tagged ones: ``vlan_mode=native-untagged tag=N trunks=[T...]``;
* only tagged VLANs: ``vlan_mode=trunk trunks=[T...]`` (OVS can, so the driver has
  ``nativeless-trunk-mode``);
* nothing: ``vlan_mode=trunk trunks=[<dummy_vlan>]`` (4095 by default, a VLAN no host can
  tag): untagged frames are dropped. An OVS port with empty ``trunks`` would carry every
  VLAN, and parking ports as access ports of one dummy VLAN would join them to each other.

Each change reads the port (one ``ovs-vsctl list``) and writes all three columns in one
``ovs-vsctl set`` transaction, so no half-made state is ever visible.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from haas_core.drivers import DriverInfo, SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError, SwitchConnectionError, SwitchError
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.common import Change, port_networks

LOG = logging.getLogger(__name__)
#: OVS port names (Linux interface names are at most 15 characters; OVS allows more).
PORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_UNREACHABLE = re.compile(r"database connection failed|Connection refused|No such file")


class OvsInfo(DriverInfo):
    #: ovsdb remote, e.g. ``unix:/run/openvswitch/db.sock`` or ``tcp:127.0.0.1:6640``.
    ovsdb: str = Field(pattern=r"^(unix:/\S+|tcp:[0-9A-Za-z.:\[\]-]+:\d+|ssl:\S+)$")
    ovs_bridge: str = Field(pattern=rf"^(?:{PORT_NAME.pattern})$")
    #: The only VLAN a port that carries no network trunks (untagged frames are dropped).
    dummy_vlan: int = Field(default=4095, ge=1, le=4095)
    #: Seconds ``ovs-vsctl`` may take (it waits until ovs-vswitchd applied a change).
    timeout: float = Field(default=10.0, gt=0, le=600)


def _set(value: Any) -> list[Any]:
    """An OVSDB JSON value as a list: ``["set", [...]]``, a scalar, or empty."""
    if isinstance(value, list) and len(value) == 2 and value[0] == "set":
        return list(value[1])
    return [value]


class OvsSession(SwitchSession):
    def __init__(self, driver: OvsDriver) -> None:
        self.driver = driver
        self.info = driver.info
        self.known_ports: set[str] = set()

    def vsctl(self, *args: str) -> str:
        argv = [
            "ovs-vsctl",
            f"--db={self.info.ovsdb}",
            f"--timeout={max(1, int(self.info.timeout))}",
            *args,
        ]
        LOG.debug("switch %s: %s", self.driver.label, " ".join(argv))
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=self.info.timeout + 5
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SwitchConnectionError(f"Switch {self.driver.label}: {exc}") from None
        if done.returncode != 0:
            said = done.stderr.strip().replace("ovs-vsctl: ", "") or f"exit {done.returncode}"
            cls = SwitchConnectionError if _UNREACHABLE.search(said) else SwitchError
            raise cls(f"Switch {self.driver.label} refused: {said}")
        return done.stdout

    def ports(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{port: {"tag":..., "trunks":..., "vlan_mode":...}}`` as the database says."""
        out = self.vsctl(
            "--format=json", "--columns=name,tag,trunks,vlan_mode", "list", "Port", *names
        )
        table = json.loads(out)
        result = {}
        for row in table["data"]:
            values = dict(zip(table["headings"], row, strict=True))
            tag = _set(values["tag"])
            mode = _set(values["vlan_mode"])
            result[values["name"]] = {
                "tag": tag[0] if tag else None,
                "trunks": sorted(_set(values["trunks"])),
                "vlan_mode": mode[0] if mode else None,
            }
        return result

    def bridge_ports(self) -> set[str]:
        return set(self.vsctl("list-ports", self.info.ovs_bridge).split())

    def _check(self, port: str) -> None:
        """Only ports of the switch's own bridge are touched."""
        if port not in self.known_ports:
            self.known_ports = self.bridge_ports()
            if port not in self.known_ports:
                raise SwitchError(
                    f"Switch {self.driver.label}: no port {port} on bridge {self.info.ovs_bridge}."
                )

    def _state(self, port: str) -> tuple[int | None, list[int]]:
        self._check(port)
        return self._state_of(self.ports([port])[port])

    def _write(self, port: str, native: int | None, tagged: list[int]) -> None:
        if native is None and not tagged:
            columns = ["tag=[]", f"trunks=[{self.info.dummy_vlan}]", "vlan_mode=trunk"]
        elif not tagged:
            columns = [f"tag={native}", "trunks=[]", "vlan_mode=access"]
        else:
            trunks = ",".join(str(v) for v in sorted(set(tagged)))
            if native is None:
                columns = ["tag=[]", f"trunks=[{trunks}]", "vlan_mode=trunk"]
            else:
                columns = [f"tag={native}", f"trunks=[{trunks}]", "vlan_mode=native-untagged"]
        self.vsctl("set", "Port", port, *columns)

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        change = Change.parse(channel, network_id)
        native, tagged = self._state(port)
        if change.native:
            native = change.vlan
        elif network_id is None:
            tagged = [v for v in tagged if v != change.vlan]
        else:
            assert change.vlan is not None
            tagged = [*tagged, change.vlan]
        self._write(port, native, tagged)

    def revert_port(self, port: str) -> None:
        self._check(port)
        self._write(port, None, [])

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        for port in ports:
            self._check(port)
        rows = self.ports(ports)
        result = {}
        for port in ports:
            native, tagged = self._state_of(rows[port])
            result[port] = port_networks(native, tagged)
        return result

    def _state_of(self, row: dict[str, Any]) -> tuple[int | None, list[int]]:
        native = row["tag"]
        if row["vlan_mode"] == "trunk" or native == self.info.dummy_vlan:
            native = None
        return native, [v for v in row["trunks"] if v not in (native, self.info.dummy_vlan)]


class OvsDriver(SwitchDriver):
    name = "ovs"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/ovs",)
    Info = OvsInfo
    capabilities = ("nativeless-trunk-mode",)
    info: OvsInfo

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not PORT_NAME.fullmatch(port):
            raise BadArgumentError(
                f"Invalid port name {port!r} for an ovs switch: expected an Open vSwitch "
                "port name such as veth-n1 (letters, digits, _ . : -)."
            )

    def open_session(self) -> OvsSession:
        session = OvsSession(self)
        # Reaching the database now makes a dead ovsdb fail the login, not the first change.
        session.known_ports = session.bridge_ports()
        return session


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [OvsDriver]

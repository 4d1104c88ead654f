"""Dell switches running OS9 (S3048-ON and kin; HIL's ``dellnos9``), REST API.

VLAN membership is changed with CLI lines sent through the REST API's ``cli``
operation (``interface vlan N`` / ``[no] tagged|untagged <type> <port>``), read back
with ``show interfaces switchport``; a port is put in hybrid mode and turned on before
its first VLAN, and shut down when its native VLAN goes, as HIL did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import defusedxml.ElementTree as ET

from haas_core.drivers import SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError, SwitchError
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.common import Change, parse_vlan_list, port_networks
from haas_plugins_switches.rest import RestClient, RestSwitchInfo

NS = "{http://www.dell.com/ns/dell:0.1/root}"
PORT_NAME = re.compile(r"\d+/\d+(/\d+)?")
CLI = "/api/running/dell/_operations/cli"
#: Interface types as the CLI names them -> as the REST API's resource names begin.
INTERFACE_PREFIXES = {
    "GigabitEthernet": "gige-",
    "TenGigabitEthernet": "tengig-",
    "TwentyfiveGigabitEthernet": "twentyfivegig-",
    "fortyGigE": "fortygig-",
    "peGigabitEthernet": "pegig-",
    "FiftyGigabitEthernet": "fiftygig-",
    "HundredGigabitEthernet": "hundredgig-",
}
InterfaceType = Literal[
    "GigabitEthernet",
    "TenGigabitEthernet",
    "TwentyfiveGigabitEthernet",
    "fortyGigE",
    "peGigabitEthernet",
    "FiftyGigabitEthernet",
    "HundredGigabitEthernet",
]


class DellNos9Info(RestSwitchInfo):
    interface_type: InterfaceType
    #: Write the running configuration to the startup configuration after each batch.
    save_config: bool = True


class DellNos9Session(SwitchSession):
    def __init__(self, driver: DellNos9Driver) -> None:
        self.info = driver.info
        self.client = RestClient(driver.label, driver.info)
        self.changed = False

    # ------------------------------------------------------------ the API

    def _cli(self, kind: str, command: str) -> str:
        """Run CLI ``command`` (``config-commands``, ``show-command`` or
        ``exec-command``); the text the switch printed."""
        body = f"<input><{kind}>{command}</{kind}></input>"
        text = self.client.request("POST", CLI, body).text
        try:
            return " ".join(ET.fromstring(text).itertext())
        except ET.ParseError:
            return text

    def _configure(self, *lines: str) -> None:
        self.changed = True
        self._cli("config-commands", "\r\n ".join(lines))

    def _iface_path(self, port: str) -> str:
        prefix = INTERFACE_PREFIXES[self.info.interface_type]
        return f"/api/running/dell/interfaces/interface/{prefix}{port.replace('/', '-')}"

    def _iface_body(self, port: str, on: bool) -> str:
        name = INTERFACE_PREFIXES[self.info.interface_type] + port.replace("/", "-")
        flag = "true" if on else "false"
        extra = (
            "<switchport></switchport><shutdown>false</shutdown>"
            if on
            else "<shutdown>true</shutdown>"
        )
        mode = f"<portmode><hybrid>{flag}</hybrid></portmode>"
        return f"<interface><name>{name}</name>{mode}{extra}</interface>"

    def _is_on(self, port: str) -> bool:
        text = self.client.request("GET", self._iface_path(port) + "?with-defaults").text
        try:
            shutdown = ET.fromstring(text).findtext(f"{NS}shutdown")
        except ET.ParseError as exc:
            raise SwitchError(f"Switch {self.client.label} sent unreadable XML: {exc}") from None
        if shutdown not in ("true", "false"):
            raise SwitchError(f"Switch {self.client.label}: port {port} has no shutdown state.")
        return shutdown == "false"

    def _turn_on(self, port: str) -> None:
        if not self._is_on(port):
            self.changed = True
            self.client.request("PUT", self._iface_path(port), self._iface_body(port, True))

    def _shut_down(self, port: str) -> None:
        self.changed = True
        self.client.request("PUT", self._iface_path(port), self._iface_body(port, False))

    def _member(self, vlan: int, how: str, port: str) -> str:
        return f"interface vlan {vlan}\r\n {how} {self.info.interface_type} {port}"

    # ------------------------------------------------------------ the session

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        change = Change.parse(channel, network_id)
        if change.native and change.vlan is None:
            native, _ = self._read(port)
            if native is not None:
                self._configure(self._member(native, "no untagged", port))
            self._shut_down(port)
        elif network_id is None:
            assert change.vlan is not None
            self._configure(self._member(change.vlan, "no tagged", port))
        else:
            assert change.vlan is not None
            self._turn_on(port)
            how = "untagged" if change.native else "tagged"
            self._configure(self._member(change.vlan, how, port))

    def revert_port(self, port: str) -> None:
        native, tagged = self._read(port)
        lines = [self._member(vlan, "no tagged", port) for vlan in tagged]
        if native is not None:
            lines.append(self._member(native, "no untagged", port))
        if lines:  # the switch refuses an empty command
            self._configure(*lines)
        self._shut_down(port)

    def _read(self, port: str) -> tuple[int | None, list[int]]:
        if not self._is_on(port):
            return None, []
        text = self._cli(
            "show-command", f"interfaces switchport {self.info.interface_type} {port}"
        )
        return parse_switchport(text)

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        return {port: port_networks(*self._read(port)) for port in ports}

    def close(self) -> None:
        try:
            if self.info.save_config and self.changed:
                self._cli("exec-command", "write")
        finally:
            self.client.close()


def parse_switchport(text: str) -> tuple[int | None, list[int]]:
    """(untagged VLAN, tagged VLANs) from ``show interfaces switchport``: the ``Q Vlans``
    table has a ``U`` line (untagged) and ``T`` lines (tagged)."""
    untagged: list[int] = []
    tagged: list[int] = []
    for line in text.replace("\r", "").splitlines():
        match = re.match(r"\s*([UT])\s+([\d][\d,\s-]*)$", line)
        if match:
            (untagged if match.group(1) == "U" else tagged).extend(parse_vlan_list(match.group(2)))
    return (untagged[0] if untagged else None), sorted(set(tagged))


class DellNos9Driver(SwitchDriver):
    name = "dellnos9"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/dellnos9",)
    Info = DellNos9Info
    secret_fields = frozenset({"password"})
    info: DellNos9Info

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not PORT_NAME.fullmatch(port):
            raise BadArgumentError(
                f"Invalid port name {port!r} for a dellnos9 switch: expected e.g. 1/3 or 1/0/1."
            )

    def open_session(self) -> DellNos9Session:
        return DellNos9Session(self)


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [DellNos9Driver]

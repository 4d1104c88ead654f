"""Brocade VDX switches (NOS REST API; HIL's ``brocade``).

Ports are ``<interface_type>/"<rbridge>/<slot>/<port>"`` resources of the running
configuration; the native VLAN is untagged (``trunk/tag/native-vlan`` removed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import defusedxml.ElementTree as ET
from pydantic import Field

from haas_core.drivers import SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError, SwitchError
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.common import Change, parse_vlan_list, port_networks
from haas_plugins_switches.rest import RestClient, RestSwitchInfo

NS = "{urn:brocade.com:mgmt:brocade-interface}"
PORT_NAME = re.compile(r"\d+/\d+(/\d+)?")


class BrocadeInfo(RestSwitchInfo):
    #: The ports' interface type: ``TenGigabitEthernet``, ``GigabitEthernet``, ...
    interface_type: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9-]*$")


class BrocadeSession(SwitchSession):
    def __init__(self, driver: BrocadeDriver) -> None:
        self.info = driver.info
        self.client = RestClient(driver.label, driver.info)

    def _path(self, port: str, suffix: str = "") -> str:
        # The port name is quoted (%22) because it contains slashes.
        path = f"/rest/config/running/interface/{self.info.interface_type}/%22{port}%22"
        return f"{path}/switchport/{suffix}" if suffix else path

    def _trunk_mode(self, port: str) -> None:
        self.client.request("POST", self._path(port), "<switchport></switchport>", ok=(409,))
        self.client.request(
            "PUT", self._path(port, "mode"), "<mode><vlan-mode>trunk</vlan-mode></mode>"
        )

    def _allowed(self, port: str, body: str) -> None:
        self.client.request("PUT", self._path(port, "trunk/allowed/vlan"), f"<vlan>{body}</vlan>")

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        change = Change.parse(channel, network_id)
        if change.native and change.vlan is None:
            self.client.request("DELETE", self._path(port, "trunk/native-vlan"), ok=(404,))
        elif change.native:
            self._trunk_mode(port)
            self.client.request("DELETE", self._path(port, "trunk/tag/native-vlan"), ok=(404,))
            self.client.request(
                "PUT",
                self._path(port, "trunk"),
                f"<trunk><native-vlan>{change.vlan}</native-vlan></trunk>",
            )
        elif network_id is None:
            self._allowed(port, f"<remove>{change.vlan}</remove>")
        else:
            self._trunk_mode(port)
            self._allowed(port, f"<add>{change.vlan}</add>")

    def revert_port(self, port: str) -> None:
        # A trunk allowing nothing without a native VLAN carries nothing; an access port
        # (a factory default) would still carry its VLAN, and refuses an allowed list.
        self._trunk_mode(port)
        self._allowed(port, "<none>true</none>")
        if self._read(port)[0] is not None:
            self.client.request("DELETE", self._path(port, "trunk/native-vlan"), ok=(404,))

    def _read(self, port: str) -> tuple[int | None, list[int]]:
        resp = self.client.request("GET", self._path(port, "trunk"), ok=(404,))
        if resp.status_code == 404 or not resp.text.strip():
            return None, []
        try:
            root = ET.fromstring(resp.text)
        except ET.ParseError as exc:
            raise SwitchError(f"Switch {self.client.label} sent unreadable XML: {exc}") from None
        native = root.findtext(f"{NS}native-vlan")
        allowed = root.findtext(f"{NS}allowed/{NS}vlan/{NS}add") or ""
        natives = parse_vlan_list(native or "")
        return (natives[0] if natives else None), parse_vlan_list(allowed)

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        return {port: port_networks(*self._read(port)) for port in ports}

    def close(self) -> None:
        self.client.close()


class BrocadeDriver(SwitchDriver):
    name = "brocade"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/brocade",)
    Info = BrocadeInfo
    secret_fields = frozenset({"password"})
    info: BrocadeInfo

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not PORT_NAME.fullmatch(port):
            raise BadArgumentError(
                f"Invalid port name {port!r} for a brocade switch: expected e.g. 1/0/1 or 1/2."
            )

    def open_session(self) -> BrocadeSession:
        return BrocadeSession(self)


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [BrocadeDriver]

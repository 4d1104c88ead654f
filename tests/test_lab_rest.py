"""The REST emulators (Brocade VDX, Dell OS9) over real HTTP, backed by the OVS fabric."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests

from haas_lab.lab import Lab, LabSpec, running_lab
from tests.support.lab import needs_lab

pytestmark = needs_lab
BROCADE_NS = "{urn:brocade.com:mgmt:brocade-interface}"


@pytest.fixture(scope="module")
def brocade() -> Iterator[Lab]:
    with running_lab(LabSpec(dialect="brocade", nodes=2, ports_per_switch=6)) as lab:
        yield lab


@pytest.fixture(scope="module")
def dellnos9() -> Iterator[Lab]:
    with running_lab(LabSpec(dialect="dellnos9", nodes=2, ports_per_switch=6)) as lab:
        yield lab


class Rest:
    def __init__(self, lab: Lab) -> None:
        info = lab.driver_info(0)
        assert info["interface_type"] == "TenGigabitEthernet"
        self.base = info["hostname"]
        self.auth = (info["username"], info["password"])
        self.lab = lab

    def __call__(self, method: str, path: str, data: str | None = None) -> requests.Response:
        return requests.request(method, self.base + path, data=data, auth=self.auth, timeout=10)

    def ovs(self, label: str) -> dict[str, object]:
        return self.lab.fabric.port_config(self.lab.switches[0].ovs_ports[label])

    def ping(self, a: int, b: int) -> bool:
        nodes = self.lab.fabric.nodes
        return self.lab.fabric.ping(nodes[a].name, nodes[b].nics[0].ip)


def brocade_url(port: str, suffix: str = "") -> str:
    return f"/rest/config/running/interface/TenGigabitEthernet/%22{port}%22/switchport{suffix}"


def test_brocade_trunk_and_native(brocade: Lab) -> None:
    rest = Rest(brocade)
    enable = brocade_url("1/0/5").removesuffix("/switchport")
    assert rest("POST", enable, "<switchport></switchport>").status_code == 409
    r = rest("PUT", brocade_url("1/0/5", "/mode"), "<mode><vlan-mode>trunk</vlan-mode></mode>")
    assert r.status_code == 204
    r = rest("PUT", brocade_url("1/0/5", "/trunk/allowed/vlan"), "<vlan><add>10,12</add></vlan>")
    assert r.status_code == 204
    assert rest("DELETE", brocade_url("1/0/5", "/trunk/tag/native-vlan")).status_code == 404
    r = rest("PUT", brocade_url("1/0/5", "/trunk"), "<trunk><native-vlan>11</native-vlan></trunk>")
    assert r.status_code == 204
    trunk = ET.fromstring(rest("GET", brocade_url("1/0/5", "/trunk")).text)  # noqa: S314
    assert trunk.findtext(f"{BROCADE_NS}allowed/{BROCADE_NS}vlan/{BROCADE_NS}add") == "10,12"
    assert trunk.findtext(f"{BROCADE_NS}native-vlan") == "11"
    mode = ET.fromstring(rest("GET", brocade_url("1/0/5", "/mode")).text)  # noqa: S314
    assert mode.findtext(f"{BROCADE_NS}vlan-mode") == "trunk"
    # Brocade forwards the native VLAN untagged whether or not it is in the allowed list.
    assert rest.ovs("1/0/5") == {"vlan_mode": "native-untagged", "tag": 11, "trunks": [10, 11, 12]}
    r = rest("PUT", brocade_url("1/0/5", "/trunk/allowed/vlan"), "<vlan><none>true</none></vlan>")
    assert r.status_code == 204
    assert rest("DELETE", brocade_url("1/0/5", "/trunk/native-vlan")).status_code == 204
    assert rest.ovs("1/0/5") == {"vlan_mode": "trunk", "tag": None, "trunks": [4095]}


def test_brocade_moves_real_traffic(brocade: Lab) -> None:
    """Node 0's eth0 is port 1/0/1, node 1's is 1/0/3."""
    rest = Rest(brocade)
    rest("PUT", brocade_url("1/0/1", "/access"), "<access><vlan>50</vlan></access>")
    rest("PUT", brocade_url("1/0/3", "/mode"), "<mode><vlan-mode>trunk</vlan-mode></mode>")
    assert not rest.ping(0, 1)
    rest("PUT", brocade_url("1/0/3", "/trunk"), "<trunk><native-vlan>50</native-vlan></trunk>")
    assert rest.ping(0, 1)
    rest("DELETE", brocade_url("1/0/3", "/trunk/native-vlan"))
    assert not rest.ping(0, 1)


def test_brocade_refuses_bad_requests_and_changes_nothing(brocade: Lab) -> None:
    rest = Rest(brocade)
    before = rest.ovs("1/0/4")
    r = requests.get(rest.base + brocade_url("1/0/4"), auth=("admin", "wrong"), timeout=10)
    assert r.status_code == 401
    assert rest("GET", brocade_url("9/9/9")).status_code == 404
    r = rest("PUT", brocade_url("1/0/4", "/mode"), "<mode><vlan-mode>trunk")
    assert r.status_code == 400
    r = rest("PUT", brocade_url("1/0/4", "/access"), "<access><vlan>5000</vlan></access>")
    assert r.status_code == 400
    assert "invalid VLAN" in r.text
    r = rest("PUT", brocade_url("1/0/4", "/trunk/allowed/vlan"), "<vlan><add>10</add></vlan>")
    assert r.status_code == 400  # an access port
    assert "not in trunk mode" in r.text
    assert rest.ovs("1/0/4") == before


def cli(rest: Rest, kind: str, command: str) -> requests.Response:
    body = f"<input><{kind}>{command}</{kind}></input>"
    return rest("POST", "/api/running/dell/_operations/cli", body)


def port_on(rest: Rest, port: str) -> None:
    name = "tengig-" + port.replace("/", "-")
    body = (
        f"<interface><name>{name}</name><portmode><hybrid>true</hybrid></portmode>"
        "<switchport></switchport><shutdown>false</shutdown></interface>"
    )
    assert rest("PUT", f"/api/running/dell/interfaces/interface/{name}", body).status_code == 204


def test_dellnos9_tagged_and_untagged(dellnos9: Lab) -> None:
    rest = Rest(dellnos9)
    port_on(rest, "1/5")
    got = rest("GET", "/api/running/dell/interfaces/interface/tengig-1-5" + "\\?with-defaults")
    assert "<hybrid>true</hybrid>" in got.text
    assert "<shutdown>false</shutdown>" in got.text
    for command in (
        "interface vlan 10\r\n tagged TenGigabitEthernet 1/5",
        "interface vlan 11\r\n tagged TenGigabitEthernet 1/5",
        "interface vlan 20\r\n untagged TenGigabitEthernet 1/5",
    ):
        assert cli(rest, "config-commands", command).status_code == 200
    out = cli(rest, "show-command", "interfaces switchport TenGigabitEthernet 1/5").text
    flat = out.replace(" ", "")
    assert re.search(r"NativeVlanId:(\d+)\.", flat).group(1) == "20"  # type: ignore[union-attr]
    assert re.search(r"T(\d+(-\d+)?)(,\d+(-\d+)?)*", flat).group() == "T10-11"  # type: ignore[union-attr]
    assert rest.ovs("1/5") == {"vlan_mode": "native-untagged", "tag": 20, "trunks": [10, 11, 20]}
    r = cli(rest, "config-commands", "interface vlan 21\r\n untagged TenGigabitEthernet 1/5")
    assert r.status_code == 400
    assert "untagged in another Vlan" in r.text
    before = dellnos9.switches[0].saves
    assert cli(rest, "exec-command", "write").status_code == 200
    assert dellnos9.switches[0].saves == before + 1
    assert "interface Vlan 10" in cli(rest, "show-command", "running-config").text


def test_dellnos9_moves_real_traffic(dellnos9: Lab) -> None:
    """Node 0's eth0 is port 1/1, node 1's is 1/3."""
    rest = Rest(dellnos9)
    assert not rest.ping(0, 1)  # ports leave the factory shut down
    port_on(rest, "1/1")
    assert cli(rest, "config-commands", "interface vlan 60\r\n untagged TenGigabitEthernet 1/1")
    port_on(rest, "1/3")
    assert not rest.ping(0, 1)
    cli(rest, "config-commands", "interface vlan 60\r\n untagged TenGigabitEthernet 1/3")
    assert rest.ping(0, 1)
    body = "<interface><name>tengig-1-3</name><shutdown>true</shutdown></interface>"
    assert rest("PUT", "/api/running/dell/interfaces/interface/tengig-1-3", body).ok
    assert not rest.ping(0, 1)


def test_dellnos9_refuses_bad_requests(dellnos9: Lab) -> None:
    rest = Rest(dellnos9)
    before = rest.ovs("1/4")
    r = cli(rest, "config-commands", "interface vlan 10\r\n tagged TenGigabitEthernet 1/4")
    assert r.status_code == 400  # not hybrid yet
    assert "% Error" in r.text
    assert cli(rest, "config-commands", "frobnicate").status_code == 400
    assert rest("GET", "/api/running/dell/interfaces/interface/tengig-9-9").status_code == 404
    r = requests.get(rest.base + "/api/running/dell/interfaces/interface/tengig-1-4", timeout=10)
    assert r.status_code == 401
    assert rest.ovs("1/4") == before

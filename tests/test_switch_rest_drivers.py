"""The REST switch drivers (brocade, dellnos9) against a recording HTTP server on
127.0.0.1: the exact URLs and payloads of each change, reading back, and what an
HTTP error, a refused login or an unreachable switch become."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from haas_core.errors import BadArgumentError, SwitchConnectionError, SwitchError
from haas_plugins_switches.rest.brocade import BrocadeDriver, BrocadeSession
from haas_plugins_switches.rest.dellnos9 import DellNos9Driver, DellNos9Session
from tests.support.http_switch import HttpSwitch, http_switch

BROCADE_PORT = "/rest/config/running/interface/TenGigabitEthernet/%221/0/5%22"
SW = BROCADE_PORT + "/switchport"
BROCADE_TRUNK = (
    '<trunk xmlns="urn:brocade.com:mgmt:brocade-interface">'
    "<allowed><vlan><add>200,300-301</add></vlan></allowed>"
    "<native-vlan>100</native-vlan></trunk>"
)
NOS9_IFACE = "/api/running/dell/interfaces/interface/tengig-1-3"
NOS9_CLI = "/api/running/dell/_operations/cli"
NOS9_SHOW = (
    "<output xmlns='http://www.dell.com/ns/dell:0.1/root'><command>show interfaces "
    "switchport TenGigabitEthernet 1/3\r\n\r\nCodes: U - Untagged, T - Tagged\r\n"
    " x - Dot1x untagged, X - Dot1x tagged\r\n\r\nName: TenGigabitEthernet 1/3\r\n"
    "802.1QTagged: Hybrid\r\nVlan membership:\r\nQ Vlans\r\nU 100\r\nT 200 300-301,400\r\n\r\n"
    "Native Vlan Id: 100.\r\n\r\nMOC-Dell-S3048-ON#</command></output>"
)


def nos9_shutdown(state: str) -> str:
    return (
        '<interface xmlns="http://www.dell.com/ns/dell:0.1/root"><name>tengig-1-3</name>'
        f"<shutdown>{state}</shutdown></interface>"
    )


def cli(kind: str, command: str) -> tuple[str, str, str]:
    return ("POST", NOS9_CLI, f"<input><{kind}>{command}</{kind}></input>")


@pytest.fixture
def server() -> Iterator[HttpSwitch]:
    with http_switch() as switch:
        yield switch


def brocade(server: HttpSwitch, **fields: Any) -> BrocadeSession:
    info = {
        "hostname": server.url,
        "username": "admin",
        "password": "rest-pw",
        "interface_type": "TenGigabitEthernet",
        "timeout": 5.0,
        **fields,
    }
    driver = BrocadeDriver(
        BrocadeDriver.Info.model_validate(info), switch_id=1, label="vdx", database=None
    )
    return driver.open_session()


def dellnos9(server: HttpSwitch, **fields: Any) -> DellNos9Session:
    info = {
        "hostname": server.url,
        "username": "admin",
        "password": "rest-pw",
        "interface_type": "TenGigabitEthernet",
        "timeout": 5.0,
        **fields,
    }
    driver = DellNos9Driver(
        DellNos9Driver.Info.model_validate(info), switch_id=1, label="s3048", database=None
    )
    return driver.open_session()


# ------------------------------------------------------------------ brocade


def test_brocade_connect_native_puts_the_port_in_trunk_mode_with_an_untagged_native(
    server: HttpSwitch,
) -> None:
    server.answers[("POST", BROCADE_PORT)] = (409, "<error>already a switchport</error>")
    server.answers[("DELETE", SW + "/trunk/tag/native-vlan")] = (404, "")
    brocade(server).modify_port("1/0/5", "vlan/native", "100")
    assert server.calls() == [
        ("POST", BROCADE_PORT, "<switchport></switchport>"),
        ("PUT", SW + "/mode", "<mode><vlan-mode>trunk</vlan-mode></mode>"),
        ("DELETE", SW + "/trunk/tag/native-vlan", ""),
        ("PUT", SW + "/trunk", "<trunk><native-vlan>100</native-vlan></trunk>"),
    ]
    assert {r.user for r in server.requests} == {"admin:rest-pw"}


def test_brocade_tagged_and_detach_and_revert(server: HttpSwitch) -> None:
    session = brocade(server)
    session.modify_port("1/0/5", "vlan/200", "200")
    session.modify_port("1/0/5", "vlan/200", None)
    session.modify_port("1/0/5", "vlan/native", None)
    assert server.calls() == [
        ("POST", BROCADE_PORT, "<switchport></switchport>"),
        ("PUT", SW + "/mode", "<mode><vlan-mode>trunk</vlan-mode></mode>"),
        ("PUT", SW + "/trunk/allowed/vlan", "<vlan><add>200</add></vlan>"),
        ("PUT", SW + "/trunk/allowed/vlan", "<vlan><remove>200</remove></vlan>"),
        ("DELETE", SW + "/trunk/native-vlan", ""),
    ]
    server.requests.clear()
    server.answers[("GET", SW + "/trunk")] = (200, BROCADE_TRUNK)
    session.revert_port("1/0/5")
    assert server.calls() == [
        ("POST", BROCADE_PORT, "<switchport></switchport>"),
        ("PUT", SW + "/mode", "<mode><vlan-mode>trunk</vlan-mode></mode>"),
        ("PUT", SW + "/trunk/allowed/vlan", "<vlan><none>true</none></vlan>"),
        ("GET", SW + "/trunk", ""),
        ("DELETE", SW + "/trunk/native-vlan", ""),
    ]


def test_brocade_reads_back_the_trunk(server: HttpSwitch) -> None:
    server.answers[("GET", SW + "/trunk")] = (200, BROCADE_TRUNK)
    assert brocade(server).get_port_networks(["1/0/5"]) == {
        "1/0/5": {"vlan/native": "100", "vlan/200": "200", "vlan/300": "300", "vlan/301": "301"}
    }


def test_a_refused_login_names_authentication(server: HttpSwitch) -> None:
    server.answers[("PUT", SW + "/trunk/allowed/vlan")] = (401, "<html>Unauthorized</html>")
    with pytest.raises(SwitchError, match=r"Switch vdx: authentication failed \(HTTP 401"):
        brocade(server, password="wrong").modify_port("1/0/5", "vlan/200", None)


def test_a_server_error_carries_the_switchs_message(server: HttpSwitch) -> None:
    body = (
        '<errors xmlns="http://tail-f.com/ns/tailf-rest-error"><error><error-type>application'
        "</error-type><error-message>%Error: VLAN 200 is not configured</error-message>"
        "</error></errors>"
    )
    server.answers[("PUT", SW + "/trunk/allowed/vlan")] = (500, body)
    with pytest.raises(SwitchError) as err:
        brocade(server).modify_port("1/0/5", "vlan/200", None)
    assert err.value.msg == (
        f"Switch vdx refused PUT {SW}/trunk/allowed/vlan: HTTP 500: "
        "application %Error: VLAN 200 is not configured"
    )


def test_an_unreachable_switch_is_a_connection_error() -> None:
    with http_switch() as gone:
        pass
    with pytest.raises(SwitchConnectionError, match="cannot connect"):
        brocade(gone).modify_port("1/0/5", "vlan/200", None)


# ------------------------------------------------------------------ dellnos9


def test_dellnos9_connect_native_turns_the_port_on_then_makes_it_untagged(
    server: HttpSwitch,
) -> None:
    server.answers[("GET", NOS9_IFACE + "?with-defaults")] = (200, nos9_shutdown("true"))
    session = dellnos9(server)
    session.modify_port("1/3", "vlan/native", "100")
    session.close()
    on = (
        "<interface><name>tengig-1-3</name><portmode><hybrid>true</hybrid></portmode>"
        "<switchport></switchport><shutdown>false</shutdown></interface>"
    )
    assert server.calls() == [
        ("GET", NOS9_IFACE + "?with-defaults", ""),
        ("PUT", NOS9_IFACE, on),
        cli("config-commands", "interface vlan 100\r\n untagged TenGigabitEthernet 1/3"),
        cli("exec-command", "write"),
    ]


def test_dellnos9_tagged_detach_and_revert(server: HttpSwitch) -> None:
    server.answers[("GET", NOS9_IFACE + "?with-defaults")] = (200, nos9_shutdown("false"))
    server.answers[("POST", NOS9_CLI)] = (200, NOS9_SHOW)
    session = dellnos9(server, save_config=False)
    session.modify_port("1/3", "vlan/200", "200")
    session.modify_port("1/3", "vlan/200", None)
    off = (
        "<interface><name>tengig-1-3</name><portmode><hybrid>false</hybrid></portmode>"
        "<shutdown>true</shutdown></interface>"
    )
    show = cli("show-command", "interfaces switchport TenGigabitEthernet 1/3")
    assert server.calls() == [
        ("GET", NOS9_IFACE + "?with-defaults", ""),
        cli("config-commands", "interface vlan 200\r\n tagged TenGigabitEthernet 1/3"),
        cli("config-commands", "interface vlan 200\r\n no tagged TenGigabitEthernet 1/3"),
    ]
    server.requests.clear()
    session.modify_port("1/3", "vlan/native", None)
    assert server.calls() == [
        ("GET", NOS9_IFACE + "?with-defaults", ""),
        show,
        cli("config-commands", "interface vlan 100\r\n no untagged TenGigabitEthernet 1/3"),
        ("PUT", NOS9_IFACE, off),
    ]
    server.requests.clear()
    session.revert_port("1/3")
    session.close()  # save_config false: no write
    assert server.calls() == [
        ("GET", NOS9_IFACE + "?with-defaults", ""),
        show,
        cli(
            "config-commands",
            "interface vlan 200\r\n no tagged TenGigabitEthernet 1/3\r\n "
            "interface vlan 300\r\n no tagged TenGigabitEthernet 1/3\r\n "
            "interface vlan 301\r\n no tagged TenGigabitEthernet 1/3\r\n "
            "interface vlan 400\r\n no tagged TenGigabitEthernet 1/3\r\n "
            "interface vlan 100\r\n no untagged TenGigabitEthernet 1/3",
        ),
        ("PUT", NOS9_IFACE, off),
    ]


def test_dellnos9_reads_back_the_vlan_membership(server: HttpSwitch) -> None:
    server.answers[("GET", NOS9_IFACE + "?with-defaults")] = (200, nos9_shutdown("false"))
    server.answers[("POST", NOS9_CLI)] = (200, NOS9_SHOW)
    assert dellnos9(server).get_port_networks(["1/3"]) == {
        "1/3": {
            "vlan/native": "100",
            "vlan/200": "200",
            "vlan/300": "300",
            "vlan/301": "301",
            "vlan/400": "400",
        }
    }
    server.answers[("GET", NOS9_IFACE + "?with-defaults")] = (200, nos9_shutdown("true"))
    assert dellnos9(server).get_port_networks(["1/3"]) == {"1/3": {}}


def test_dellnos9_401_and_500(server: HttpSwitch) -> None:
    server.answers[("POST", NOS9_CLI)] = (401, "")
    with pytest.raises(SwitchError, match="authentication failed"):
        dellnos9(server).modify_port("1/3", "vlan/200", None)
    server.answers[("POST", NOS9_CLI)] = (
        500,
        "<errors><error><error-message>% Error: Port is not a member of VLAN 200."
        "</error-message></error></errors>",
    )
    with pytest.raises(
        SwitchError, match=r"HTTP 500: % Error: Port is not a member of VLAN 200\."
    ):
        dellnos9(server).modify_port("1/3", "vlan/200", None)


# ------------------------------------------------------------------ registration


@pytest.mark.parametrize("cls", [BrocadeDriver, DellNos9Driver])
def test_port_names_and_fields(cls: Any) -> None:
    cls.validate_port_name("1/0/1")
    cls.validate_port_name("1/2")
    with pytest.raises(BadArgumentError, match=f"Invalid port name.*{cls.name}"):
        cls.validate_port_name("gi1/0/1")
    with pytest.raises(ValueError, match="interface_type"):
        cls.Info.model_validate({"hostname": "sw", "username": "u", "password": "p"})


def test_dellnos9_interface_type_must_be_known() -> None:
    with pytest.raises(ValueError, match="interface_type"):
        DellNos9Driver.Info.model_validate(
            {"hostname": "sw", "username": "u", "password": "p", "interface_type": "Eth"}
        )

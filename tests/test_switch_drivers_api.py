"""The real switch drivers as haas uses them: registration through the API (HIL's type
URLs, the driver_info fields checked, the password encrypted at rest), port name rules,
and the network agent driving a CLI switch over real ssh (tests/support/cli_server.py):
a change DONE with the exact commands sent, a refused command or login ERROR with the
switch's words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.agent import agent_thread, wait_for_action
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error
from tests.support.cli_server import CliServer, Script, cli_server

HIL = "http://schema.massopencloud.org/haas/v0/switches/"
CLI_SWITCH = {"hostname": "sw1.example", "username": "admin", "password": "sw-secret-77"}
BODIES: dict[str, dict[str, Any]] = {
    "powerconnect55xx": CLI_SWITCH,
    "delln3000": {**CLI_SWITCH, "dummy_vlan": "4000"},
    "nexus": {**CLI_SWITCH, "dummy_vlan": 4000, "protocol": "telnet", "save_config": False},
    "brocade": {**CLI_SWITCH, "interface_type": "TenGigabitEthernet"},
    "dellnos9": {**CLI_SWITCH, "interface_type": "TenGigabitEthernet"},
    "ovs": {"ovsdb": "unix:/run/openvswitch/db.sock", "ovs_bridge": "br0"},
}
PORTS = {
    "powerconnect55xx": ("gi1/0/1", "Ethernet1/1"),
    "delln3000": ("Te1/0/1", "1/0/1"),
    "nexus": ("Ethernet1/1", "gi1/0/1"),
    "brocade": ("1/0/1", "Te1/0/1"),
    "dellnos9": ("1/1", "Ethernet1/1"),
    "ovs": ("veth-n1", "gi1/0/1"),
}
ALL = "mock, powerconnect55xx, delln3000, nexus, brocade, dellnos9, ovs"
AGENT = {"poll_interval_seconds": 0.05, "session_idle_seconds": 0.1, "connect_retries": 0}
OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}


@pytest.fixture
def api(make_services: MakeServices) -> Api:
    services = make_services({"plugins": {"switches": ALL}, "network_agent": AGENT})
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})


def escaped(port: str) -> str:
    return port.replace("/", "%2F")


@pytest.mark.parametrize("driver", BODIES)
def test_register_by_hil_type_url_with_the_password_encrypted(api: Api, driver: str) -> None:
    assert_empty_ok(api.put("/v0/switch/sw", {"type": HIL + driver, **BODIES[driver]}))
    good, bad = PORTS[driver]
    assert_empty_ok(api.put(f"/v0/switch/sw/port/{escaped(good)}"))
    msg = assert_error(api.put(f"/v0/switch/sw/port/{escaped(bad)}"), 400, "BadArgumentError")
    assert "Invalid port name" in msg
    with api.services.db.session() as db:
        row = db.scalars(select(m.Switch).where(m.Switch.label == "sw")).one()
        assert row.driver == driver
        assert "sw-secret-77" not in json.dumps(row.driver_info)
    shown = api.get("/v0/switch/sw").json
    assert shown["ports"] == [{"label": good}]
    assert ("nativeless-trunk-mode" in shown["capabilities"]) == (driver == "ovs")


@pytest.mark.parametrize(
    ("driver", "change", "field"),
    [
        ("nexus", {"dummy_vlan": None}, "dummy_vlan"),
        ("delln3000", {"dummy_vlan": "0"}, "dummy_vlan"),
        ("powerconnect55xx", {"protocol": "rsh"}, "protocol"),
        ("powerconnect55xx", {"host_key_policy": "trust-me"}, "host_key_policy"),
        ("nexus", {"port": 70000}, "port"),
        ("nexus", {"hostname": "-oProxyCommand=evil"}, "hostname"),
        ("nexus", {"vendor_mode": "x"}, "vendor_mode"),
        ("brocade", {"interface_type": None}, "interface_type"),
        ("dellnos9", {"interface_type": "Ethernet"}, "interface_type"),
        ("ovs", {"ovs_bridge": "br 0"}, "ovs_bridge"),
    ],
)
def test_bad_driver_info_is_refused_naming_the_field(
    api: Api, driver: str, change: dict[str, Any], field: str
) -> None:
    body = {"type": driver, **BODIES[driver], **change}
    body = {k: v for k, v in body.items() if v is not None}
    msg = assert_error(api.put("/v0/switch/sw", body), 400, "ValidationError")
    assert field in msg
    assert "sw-secret-77" not in msg
    assert api.get("/v0/switches").json == []


# ------------------------------------------------------------------ the agent over ssh


@pytest.fixture
def nexus() -> Iterator[CliServer]:
    script = Script(hostname="n5k", password="sw-secret-77", starts_unprivileged=False)
    with cli_server(script) as server:
        yield server


def cabled_node(api: Api, server: CliServer, tmp_path: Any, **fields: Any) -> None:
    body = {
        "type": "nexus",
        "hostname": "127.0.0.1",
        "port": server.ssh_port,
        "username": "admin",
        "password": "sw-secret-77",
        "dummy_vlan": 4000,
        "save_config": False,
        "known_hosts_file": str(tmp_path / "known_hosts"),
        "timeout": 10.0,
        **fields,
    }
    assert_empty_ok(api.put("/v0/switch/n5k", body))
    assert_empty_ok(api.put("/v0/switch/n5k/port/Ethernet1%2F7"))
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    assert_empty_ok(api.put("/v0/node/n1/nic/eth0", {"macaddr": "02:00:00:00:00:01"}))
    assert_empty_ok(
        api.post("/v0/switch/n5k/port/Ethernet1%2F7/connect_nic", {"node": "n1", "nic": "eth0"})
    )
    assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": "n1"}))
    assert_empty_ok(api.put("/v0/network/red", {"owner": "admin", "access": "", "net_id": ""}))


def connect_red(api: Api) -> dict[str, Any]:
    resp = api.post("/v0/node/n1/nic/eth0/connect_network", {"network": "red"})
    assert resp.status_int == 202, resp.text
    with agent_thread(api.services):
        return wait_for_action(api, resp.json["status_id"])


def test_the_agent_drives_a_nexus_over_ssh(api: Api, nexus: CliServer, tmp_path: Any) -> None:
    cabled_node(api, nexus, tmp_path)
    vlan = api.get("/v0/networks").json["red"]["network_id"]
    assert connect_red(api)["status"] == "DONE"
    assert nexus.script.received == [
        "terminal length 0",
        "configure terminal",
        "interface Ethernet1/7",
        "switchport",
        "switchport mode trunk",
        f"switchport trunk native vlan {vlan}",
        f"switchport trunk allowed vlan add {vlan}",
        "exit",
        "exit",
        "exit",
    ]
    assert api.get("/v0/node/n1").json["nics"][0]["networks"] == {"vlan/native": "red"}


def test_a_refused_command_ends_the_action_in_error_with_the_switchs_words(
    api: Api, nexus: CliServer, tmp_path: Any
) -> None:
    cabled_node(api, nexus, tmp_path)
    vlan = api.get("/v0/networks").json["red"]["network_id"]
    refused = f"switchport trunk native vlan {vlan}"
    nexus.script.refuse[refused] = "ERROR: VLAN is not configured"
    action = connect_red(api)
    assert action["status"] == "ERROR"
    assert action["error"] == f"Switch n5k refused {refused!r}: ERROR: VLAN is not configured"
    assert api.get("/v0/node/n1").json["nics"][0]["networks"] == {}


def test_a_refused_login_ends_the_action_in_error_naming_authentication(
    api: Api, nexus: CliServer, tmp_path: Any
) -> None:
    cabled_node(api, nexus, tmp_path, password="not-the-password")
    action = connect_red(api)
    assert action["status"] == "ERROR"
    assert "authentication failed" in action["error"]
    assert "not-the-password" not in action["error"]
    assert nexus.script.received == []

"""The ``ovs`` switch driver against a real ovsdb-server + ovs-vswitchd (userspace
datapath) in a temporary run directory: each change as OVS columns, read back, revert,
errors; then the network agent applying API actions through it end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from haas_core.errors import BadArgumentError, SwitchConnectionError, SwitchError
from haas_core.services import Services
from haas_core.switches import switch_driver
from haas_plugins_switches.ovs import OvsDriver
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.agent import agent_thread, wait_for_action
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok
from tests.support.ovs_switch import OvsSwitch, ovs_switch

PORTS = ["p1", "p2", "p3"]
OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}
PUBLIC = {"owner": "admin", "access": "", "net_id": ""}
AGENT = {"poll_interval_seconds": 0.05, "session_idle_seconds": 0.1}


@pytest.fixture
def ovs(tmp_path: Path) -> Iterator[OvsSwitch]:
    with ovs_switch(tmp_path) as switch:
        switch.add_bridge("br-haas", PORTS)
        switch.add_bridge("br-other", ["q1"])
        yield switch


def ovs_driver(ovs: OvsSwitch, **fields: Any) -> OvsDriver:
    info = {"ovsdb": ovs.ovsdb, "ovs_bridge": "br-haas", **fields}
    return OvsDriver(OvsDriver.Info.model_validate(info), switch_id=1, label="ovs1", database=None)


def test_changes_become_ovs_port_columns_and_read_back(ovs: OvsSwitch) -> None:
    session = ovs_driver(ovs).open_session()
    session.modify_port("p1", "vlan/native", "100")
    assert ovs.columns("p1") == ("100", "[]", "access")
    session.modify_port("p1", "vlan/200", "200")
    session.modify_port("p1", "vlan/300", "300")
    assert ovs.columns("p1") == ("100", "[200, 300]", "native-untagged")
    # Tagged networks without a native one: OVS can (nativeless-trunk-mode).
    session.modify_port("p2", "vlan/300", "300")
    assert ovs.columns("p2") == ("[]", "[300]", "trunk")
    assert session.get_port_networks(PORTS) == {
        "p1": {"vlan/native": "100", "vlan/200": "200", "vlan/300": "300"},
        "p2": {"vlan/300": "300"},
        "p3": {},
    }
    session.modify_port("p1", "vlan/200", None)
    session.modify_port("p1", "vlan/native", None)
    assert ovs.columns("p1") == ("[]", "[300]", "trunk")
    # Doing a change twice is harmless (an agent may resend after a crash).
    session.modify_port("p1", "vlan/300", "300")
    assert ovs.columns("p1") == ("[]", "[300]", "trunk")
    session.revert_port("p1")
    assert ovs.columns("p1") == ("[]", "[4095]", "trunk")
    assert session.get_port_networks(["p1"]) == {"p1": {}}
    session.close()


def test_only_the_switchs_own_bridge_is_touched(ovs: OvsSwitch) -> None:
    session = ovs_driver(ovs).open_session()
    with pytest.raises(SwitchError, match="no port q1 on bridge br-haas"):
        session.modify_port("q1", "vlan/native", "100")
    assert ovs.columns("q1") == ("[]", "[]", "[]")


def test_a_missing_bridge_or_database_fails_the_login(ovs: OvsSwitch, tmp_path: Path) -> None:
    with pytest.raises(SwitchError, match="br-none"):
        ovs_driver(ovs, ovs_bridge="br-none").open_session()
    with pytest.raises(SwitchConnectionError):
        ovs_driver(ovs, ovsdb=f"unix:{tmp_path}/nothing.sock", timeout=1).open_session()


def test_port_names_and_fields() -> None:
    OvsDriver.validate_port_name("veth-n1.0")
    for bad in ("", "-p1", "p 1", "gi1/0/1"):
        with pytest.raises(BadArgumentError, match="ovs switch"):
            OvsDriver.validate_port_name(bad)
    with pytest.raises(ValueError, match="ovsdb"):
        OvsDriver.Info.model_validate({"ovsdb": "/run/db.sock", "ovs_bridge": "br0"})


# ------------------------------------------------------------------ through the agent


@pytest.fixture
def api(make_services: MakeServices) -> Api:
    services = make_services({"plugins": {"switches": "mock, ovs"}, "network_agent": AGENT})
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})


def switch_state(services: Services, ovs: OvsSwitch) -> dict[str, dict[str, str]]:
    with services.db.session() as db:
        row = db.scalars(select(m.Switch).where(m.Switch.label == "ovs1")).one()
        driver = switch_driver(services, row)
    session = driver.open_session()
    try:
        return {port: nets for port, nets in session.get_port_networks(PORTS).items() if nets}
    finally:
        session.close()


def attachments(api: Api, node: str) -> dict[str, str]:
    body = api.get(f"/v0/node/{node}").json
    return {nic["label"]: nic["networks"] for nic in body["nics"]}


def test_the_agent_applies_api_actions_through_the_ovs_driver(api: Api, ovs: OvsSwitch) -> None:
    def ok(resp: Any) -> Any:
        assert resp.status_int in (200, 202), resp.text
        return resp

    assert_empty_ok(
        api.put("/v0/switch/ovs1", {"type": "ovs", "ovsdb": ovs.ovsdb, "ovs_bridge": "br-haas"})
    )
    assert api.put("/v0/switch/ovs1/port/gi1%2F0%2F1").status_int == 400
    for i, port in enumerate(PORTS[:2], start=1):
        assert_empty_ok(api.put(f"/v0/switch/ovs1/port/{port}"))
        assert_empty_ok(api.put(f"/v0/node/n{i}", {"obm": OBM}))
        assert_empty_ok(api.put(f"/v0/node/n{i}/nic/eth0", {"macaddr": f"02:00:00:00:00:0{i}"}))
        assert_empty_ok(
            api.post(f"/v0/switch/ovs1/port/{port}/connect_nic", {"node": f"n{i}", "nic": "eth0"})
        )
        assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": f"n{i}"}))
    for net in ("red", "blue"):
        assert_empty_ok(api.put(f"/v0/network/{net}", PUBLIC))
    nets = {name: body["network_id"] for name, body in api.get("/v0/networks").json.items()}

    def connect(node: str, net: str, channel: str | None = None) -> str:
        body = {"network": net, **({"channel": channel} if channel else {})}
        resp = ok(api.post(f"/v0/node/{node}/nic/eth0/connect_network", body))
        return str(resp.json["status_id"])

    with agent_thread(api.services):
        # One action at a time per NIC: the tagged network follows the native one.
        ids = [connect("n1", "red"), connect("n2", "red")]
        assert [wait_for_action(api, sid)["status"] for sid in ids] == ["DONE"] * 2
        tagged = connect("n1", "blue", f"vlan/{nets['blue']}")
        assert wait_for_action(api, tagged)["status"] == "DONE"
        assert switch_state(api.services, ovs) == {
            "p1": {"vlan/native": nets["red"], f"vlan/{nets['blue']}": nets["blue"]},
            "p2": {"vlan/native": nets["red"]},
        }
        assert ovs.columns("p1") == (nets["red"], f"[{nets['blue']}]", "native-untagged")
        detach = ok(api.post("/v0/node/n1/nic/eth0/detach_network", {"network": "blue"}))
        revert = ok(api.post("/v0/switch/ovs1/port/p2/revert"))
        for sid in (detach.json["status_id"], revert.json["status_id"]):
            assert wait_for_action(api, sid)["status"] == "DONE"
    assert switch_state(api.services, ovs) == {"p1": {"vlan/native": nets["red"]}}
    assert ovs.columns("p2") == ("[]", "[4095]", "trunk")
    assert attachments(api, "n1") == {"eth0": {"vlan/native": "red"}}
    assert attachments(api, "n2") == {"eth0": {}}


def test_an_ovs_refusal_ends_the_action_in_error_with_its_words(api: Api, ovs: OvsSwitch) -> None:
    assert_empty_ok(
        api.put("/v0/switch/ovs1", {"type": "ovs", "ovsdb": ovs.ovsdb, "ovs_bridge": "br-haas"})
    )
    # Registered in haas, but not on the bridge: the switch itself says no.
    assert_empty_ok(api.put("/v0/switch/ovs1/port/p9"))
    revert = api.post("/v0/switch/ovs1/port/p9/revert")
    assert revert.status_int == 202, revert.text
    with agent_thread(api.services):
        action = wait_for_action(api, revert.json["status_id"])
    assert action["status"] == "ERROR"
    assert action["error"] == "Switch ovs1: no port p9 on bridge br-haas."
